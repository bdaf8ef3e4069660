"""Figures the hall can trust (issue 12) on the projector: sealed turnout while results are hidden."""

from __future__ import annotations

import pytest

from ..support.clients import PERSPECTIVES, Moderator, Phone, create_event
from .pages import Console, open_page

pytestmark = pytest.mark.browser


async def test_projector_shows_sealed_turnout_per_perspective_never_the_split(server, browser):
    """While results are hidden the projector shows how many voted per perspective (a group under the minimum
    not at all), never the split; once revealed the split replaces it."""
    event = await create_event(server.url, perspectives=PERSPECTIVES, min_group=2)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    phones = []
    for perspective, choice in [("Gemeente", "agree"), ("Gemeente", "agree"), ("Professional", "disagree"),
                                ("Professional", "disagree"), ("Professional", "agree"), ("Anders", "agree"),
                                ("Burger / cliënt", "disagree")]:
        phone = await Phone(server.ws_url, code).connect()
        await phone.request({"type": "perspective", "value": perspective})
        assert (await phone.vote("p1", choice))["type"] == "ack"
        phones.append(phone)

    context, screen, dialogs = await open_page(browser, f"{server.url}/projector/{code}", (1280, 720))
    turnout = screen.get_by_test_id("turnout")
    await turnout.filter(has_text="Professional 3 · Gemeente 2").wait_for()
    assert await turnout.text_content() == "Professional 3 · Gemeente 2"  # Anders and Burger: under the minimum
    assert not await screen.get_by_test_id("split").is_visible()
    assert not await screen.locator("#results").is_visible()

    await moderator.command("close")
    await moderator.command("reveal")
    await screen.get_by_test_id("split").locator(".split-row").first.wait_for()
    assert not await turnout.is_visible()
    assert dialogs == []
    await context.close()
    for client in (moderator, *phones):
        await client.close()


@pytest.mark.parametrize("viewport", [(1920, 1080), (1280, 720)])
async def test_projector_shows_round_1_against_round_2(server, browser, viewport, tmp_path):
    """As soon as round 2 is revealed (still open) the projector shows round 1's bars beside round 2's, under
    "Ronde 1" and "Ronde 2", round 2 live; once round 2 is closed also the shift in points with its verdict and
    the shift per perspective; everything fits the screen. Hidden round 2: nothing of round 1 either."""
    event = await create_event(server.url, title="Voor en na", perspectives=PERSPECTIVES, min_group=2)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    phones = [await Phone(server.ws_url, code).connect() for _ in range(10)]
    for i, phone in enumerate(phones):
        await phone.request({"type": "perspective", "value": PERSPECTIVES[i % 3]})
        assert (await phone.vote("p1", "agree" if i < 2 else "disagree"))["type"] == "ack"
    await moderator.command("close")
    await moderator.command("open", round=2)
    for phone in phones[:5]:
        assert (await phone.vote("p1", "agree"))["type"] == "ack"

    context, screen, dialogs = await open_page(browser, f"{server.url}/projector/{code}", viewport)
    before = screen.get_by_test_id("before-after")
    round1 = screen.locator("#round1-col")
    await screen.get_by_test_id("voters").filter(has_text="5 stemmen").wait_for()
    assert not await round1.is_visible() and not await before.is_visible()  # hidden: nothing of round 1 either
    await moderator.command("reveal")  # round 2 still open
    await round1.wait_for()
    assert await screen.locator("#round1-head").text_content() == "Ronde 1"
    assert await screen.locator("#round2-head").text_content() == "Ronde 2"
    assert await round1.locator("[data-round1=agree] .bar-pct").text_content() == "20%"
    assert await round1.locator("[data-round1=disagree] .bar-pct").text_content() == "80%"
    assert await round1.locator("[data-round1=agree] .bar-count").text_content() == "(2)"
    assert await screen.locator("[data-result=agree] .bar-pct").text_content() == "100%"
    await screen.wait_for_function("() => document.getAnimations().length === 0")
    one = await round1.bounding_box()
    head1 = await screen.locator("#round1-head").bounding_box()
    head2 = await screen.locator("#round2-head").bounding_box()
    assert one["x"] + one["width"] <= head2["x"] and abs(head1["y"] - head2["y"]) < 1  # side by side
    assert not await before.is_visible()  # the shift and verdict once round 2 is closed
    for phone in phones[5:]:
        assert (await phone.vote("p1", "agree"))["type"] == "ack"
    await screen.get_by_test_id("voters").filter(has_text="10 stemmen").wait_for()  # round 2 stays live
    await moderator.command("close")
    await before.wait_for()
    assert not await screen.locator("#before-round1").is_visible()  # round 1's shares are its bars now
    shift = screen.locator("#before-shift")
    assert await shift.text_content() == "Verschuiving in eens (ronde 1 → 2): +80 procentpunten (meer dan toeval)"
    assert await shift.get_attribute("data-verdict") == "beyond_chance"
    assert not await screen.locator("#before-moved").is_visible()  # that is the "who moved" view
    # per perspective (3 groups of 4, 3 and 3; round 1: Burger 1 agree of 4, Professional 1 of 3, Gemeente 0 of 3)
    assert await screen.locator("#before-groups").text_content() == \
        "Burger / cliënt +75 · Professional +66,7 · Gemeente +100"
    assert await round1.locator("[data-round1=agree] .bar-pct").text_content() == "20%"
    await screen.locator('[data-result="agree"] .bar-pct').filter(has_text="100%").wait_for()
    assert await screen.evaluate("document.documentElement.scrollHeight <= innerHeight")
    box = await before.bounding_box()
    assert box["y"] + box["height"] <= viewport[1]
    assert not await screen.get_by_test_id("split").is_visible()  # round 1 against round 2 takes its place
    await screen.wait_for_function("() => document.getAnimations().length === 0")  # the bars have grown
    path = tmp_path / f"projector-before-after-{viewport[1]}.png"
    await screen.screenshot(path=str(path))
    assert path.stat().st_size > 10_000

    # The moderator's choice: who moved (the shift and the moves, no round-1 bars), then round 2 alone (with its split).
    await moderator.command("compare", show="who_moved")
    moved = screen.locator("#before-moved")
    await expect_text(moved, "Wie schoof op: Oneens → Eens 8 · Eens → Oneens 0 · → Neutraal 0 · Neutraal → 0")
    assert await shift.is_visible() and not await screen.locator("#before-round1").is_visible()
    assert not await round1.is_visible()
    box = await before.bounding_box()
    assert box["y"] + box["height"] <= viewport[1]
    await screen.wait_for_function("() => document.getAnimations().length === 0")
    await screen.screenshot(path=str(tmp_path / f"projector-who-moved-{viewport[1]}.png"))
    await moderator.command("compare", show="round2")
    await screen.get_by_test_id("split").locator(".split-row").first.wait_for()
    assert not await before.is_visible()
    assert dialogs == []
    await context.close()
    for client in (moderator, *phones):
        await client.close()


async def test_phone_shows_its_own_before_and_after(server, browser):
    """Once round 2 is revealed a phone that voted in both rounds reads its own move ("Uw stem: Oneens → Eens")."""
    event = await create_event(server.url, title="Voor en na")
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    context, phone, dialogs = await open_page(browser, f"{server.url}/e/{code}", (390, 844), mobile=True)
    await phone.get_by_role("button", name="Oneens", exact=True).tap()
    await phone.get_by_text("Uw stem is ontvangen").wait_for()
    await moderator.command("close")
    await moderator.command("open", round=2)
    await phone.locator("#round-badge").filter(has_text="Ronde 2").wait_for()
    await phone.get_by_role("button", name="Eens", exact=True).tap()
    await phone.locator("button[aria-pressed=true]", has_text="Eens").wait_for()
    await phone.get_by_text("Uw stem is ontvangen").wait_for()
    await moderator.command("close")
    assert not await phone.get_by_test_id("my-shift").is_visible()
    await moderator.command("reveal")
    await expect_text(phone.get_by_test_id("my-shift"), "Uw stem: Oneens → Eens")
    assert dialogs == []
    await context.close()
    await moderator.close()


async def expect_text(locator, text: str) -> None:
    await locator.filter(has_text=text).wait_for()
    assert await locator.text_content() == text


async def test_console_shows_round_1_and_the_verdict_once_round_2_is_closed(server, browser):
    """The moderator's console shows round 1's shares and the shift with its verdict as soon as round 2 is closed,
    before anything is revealed; too few switches read "te nipt om iets over te zeggen"."""
    event = await create_event(server.url, title="Voor en na")
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    phones = [await Phone(server.ws_url, code).connect() for _ in range(6)]
    for i, phone in enumerate(phones):
        assert (await phone.vote("p1", "agree" if i < 3 else "disagree"))["type"] == "ack"
    await moderator.command("close")
    await moderator.command("open", round=2)
    for i, phone in enumerate(phones):
        assert (await phone.vote("p1", "agree" if i < 4 else "disagree"))["type"] == "ack"
    console = await Console.open(browser, event)
    line = console.page.get_by_test_id("before-after")
    assert not await line.is_visible()  # round 2 still open
    await moderator.command("close")
    await expect_text(line, "Ronde 1: Eens 50% · Oneens 50% · Neutraal 0% · Verschuiving in eens (ronde 1 → 2): "
                            "+16,7 procentpunten (te nipt om iets over te zeggen)")
    # The moderator chooses what the projector shows of it.
    chosen = console.page.get_by_role("button", name="Voor en na")
    await chosen.wait_for()
    assert await chosen.get_attribute("aria-pressed") == "true"
    await console.page.get_by_role("button", name="Wie schoof op").click()
    state = await moderator.wait_latest("state", lambda m: m["compare"] == "who_moved")
    assert state["compare"] == "who_moved"
    await console.page.locator("[data-compare=who_moved][aria-pressed=true]").wait_for()
    assert console.dialogs == []
    await console.close()
    for client in (moderator, *phones):
        await client.close()
