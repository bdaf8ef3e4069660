"""The projector page in a real browser: question wall, results per perspective, countdown, theme."""

from __future__ import annotations

import re

import pytest

from ..support.clients import PERSPECTIVES, Moderator, Phone, create_event
from .pages import XSS, open_page

pytestmark = pytest.mark.browser


async def font_px(locator) -> float:
    return await locator.evaluate("node => parseFloat(getComputedStyle(node).fontSize)")


async def test_question_wall_with_pinned_question_and_hostile_text(server, browser):
    """When the moderator switches the projector to questions, the wall lists the questions by votes with
    hostile text shown literally, a pinned question appears in large type on top, and the join code stays."""
    event = await create_event(server.url, premoderation=False)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    phones = [await Phone(server.ws_url, code).connect() for _ in range(2)]
    ids = []
    for index, payload in enumerate(XSS):  # three questions a minute per participant
        reply = await phones[index % 2].ask(payload, XSS[(index + 1) % len(XSS)])
        ids.append(reply["question"])
    assert (await phones[0].upvote(ids[4]))["votes"] == 1  # "{{7*7}}" gets the most votes

    context, screen, dialogs = await open_page(browser, f"{server.url}/screen/{code}", (1920, 1080))
    await screen.get_by_text("Wachten op de eerste stelling").wait_for()
    await moderator.command("screen", show="questions")
    wall = screen.get_by_test_id("wall")
    await wall.wait_for()
    texts = wall.locator(".wall-text")
    await texts.nth(len(XSS) - 1).wait_for()
    assert await texts.all_text_contents() == [XSS[4], *XSS[3::-1]]  # by votes, then newest first
    assert await wall.locator(".wall-item").first.locator(".q-name").text_content() == XSS[0]
    assert await wall.locator("script, img, svg, a").count() == 0

    pinned_text = "Wie betaalt de rekening?"
    pinned = await phones[1].ask(pinned_text, "Bram")
    await moderator.command("question", question=pinned["question"], action="pin")
    big = screen.locator("#wall-pinned-text")
    await big.get_by_text(pinned_text, exact=True).wait_for()
    assert await screen.locator("#wall-pinned-name").text_content() == "Bram"
    assert await font_px(big) >= 1.5 * await font_px(texts.first)
    assert await font_px(big) >= 48  # legible from the back of the hall at 1080p
    assert pinned_text not in await texts.all_text_contents()  # not twice
    await screen.locator(".join-code").get_by_text(code).wait_for()
    assert await screen.locator(".qr").is_visible()

    await moderator.command("screen", show="proposition")
    await wall.wait_for(state="hidden")
    assert dialogs == []
    await context.close()
    for phone in phones:
        await phone.close()
    await moderator.close()


async def test_revealed_results_show_split_marker_and_withheld_group(server, browser):
    """Revealed results on the projector show the split per perspective, the "Verdeeld" marker and the
    equal-weight line; a group under the minimum shows "te weinig stemmen" and no figures."""
    event = await create_event(server.url, title="Perspectievendebat", perspectives=PERSPECTIVES, min_group=2)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    phones = []
    for perspective, choice in [("Gemeente", "agree"), ("Gemeente", "agree"), ("Professional", "disagree"),
                                ("Professional", "disagree"), ("Anders", "agree"), ("Burger / cliënt", "disagree")]:
        phone = await Phone(server.ws_url, code).connect()
        assert (await phone.request({"type": "perspective", "value": perspective}))["type"] == "ack"
        assert (await phone.vote("p1", choice))["type"] == "ack"
        phones.append(phone)

    context, screen, dialogs = await open_page(browser, f"{server.url}/screen/{code}", (1280, 720))
    await screen.get_by_test_id("voters").filter(has_text="6 stemmen").wait_for()
    assert not await screen.get_by_test_id("split").is_visible()  # nothing before the reveal
    await moderator.command("close")
    await moderator.command("reveal")

    await screen.get_by_test_id("marker").filter(has_text="Verdeeld").wait_for()
    split = screen.get_by_test_id("split")
    rows = split.locator(".split-row")
    await rows.first.wait_for()
    assert await rows.locator(".split-name").all_text_contents() == PERSPECTIVES
    gemeente = rows.filter(has=screen.get_by_text("Gemeente", exact=True))
    assert await gemeente.locator(".seg.bar-agree").text_content() == "100%"
    assert await gemeente.locator(".split-voters").text_content() == "2 stemmen"
    professional = rows.filter(has=screen.get_by_text("Professional", exact=True))
    assert await professional.locator(".seg.bar-disagree").text_content() == "100%"
    # One voter each, under the minimum of 2 (two groups withheld, so no secondary suppression: issue 12)
    for withheld in ("Anders", "Burger / cliënt"):
        row = rows.filter(has=screen.get_by_text(withheld, exact=True))
        assert await row.locator(".split-none").text_content() == "te weinig stemmen"
        assert await row.locator(".split-bar").count() == 0
    await screen.get_by_text(re.compile(r"^Gelijk gewogen: Eens 50%")).wait_for()
    await screen.get_by_text(re.compile(r"\(Professional, Gemeente\)$")).wait_for()  # the groups it weighs
    # the total still counts everyone (3 agree of 6)
    await screen.locator('[data-result="agree"] .bar-pct').filter(has_text="50%").wait_for()
    # everything fits on a 720p projector
    assert await screen.evaluate("document.documentElement.scrollHeight <= innerHeight")
    box = await rows.last.bounding_box()
    assert box["y"] + box["height"] <= 720

    assert dialogs == []
    await context.close()
    for phone in phones:
        await phone.close()
    await moderator.close()


async def test_countdown_round_two_and_theme(server, browser):
    """A countdown shows big on the projector, round 2 is marked, and T switches to the light theme,
    which the projector remembers after a reload."""
    event = await create_event(server.url)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    await moderator.command("close")
    await moderator.command("open", round=2)
    await moderator.command("countdown", seconds=90, close=True)

    context, screen, _ = await open_page(browser, f"{server.url}/screen/{code}", (1280, 720))
    countdown = screen.get_by_test_id("countdown")
    await countdown.filter(has_text=re.compile(r"^1:(2\d|30)$")).wait_for()
    assert await font_px(countdown) >= 40
    await screen.locator("#round-badge").get_by_text("Ronde 2", exact=True).wait_for()
    await moderator.command("countdown", seconds=None)
    await countdown.wait_for(state="hidden")

    assert "theme-light" not in (await screen.locator("body").get_attribute("class"))
    await screen.keyboard.press("t")
    await screen.get_by_role("button", name="Lichte achtergrond").and_(
        screen.locator('[aria-pressed="true"]')).wait_for()
    await screen.reload()
    await screen.get_by_text("Stelling een").wait_for()
    assert "theme-light" in (await screen.locator("body").get_attribute("class"))
    await context.close()
    await moderator.close()
