"""The moderator's console in a real browser: keyboard control, the question queue, round 2,
hostile text, and the settings that the projector and the phones follow."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from ..support.clients import PERSPECTIVES, Phone, Screen, create_event
from .pages import XSS, Console

pytestmark = pytest.mark.browser


async def test_keyboard_opens_the_proposition_on_the_phones(server, browser):
    """ArrowRight shows the first proposition and Space opens voting: a phone sees it open, votes,
    and the console counts the vote; ArrowRight again moves on and closes the first one."""
    event = await create_event(server.url)
    phone = await Phone(server.ws_url, event["code"]).connect()
    console = await Console.open(browser, event)
    page = console.page

    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#cur-text")).to_have_text("Stelling een")
    await expect(page.locator("#cur-label")).to_have_text("Stelling 1 van 2")
    await page.keyboard.press("Space")
    await expect(page.locator("#cur-phase")).to_have_text("Stemmen open")
    await phone.wait_latest("state", lambda m: m["proposition"] and m["proposition"]["id"] == "p1"
                            and m["phase"] == "open")

    assert (await phone.vote("p1", "agree"))["type"] == "ack"
    await expect(page.locator("[data-result=agree] .bar-count")).to_have_text("1")
    await expect(page.locator("#voters")).to_have_text("1")

    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#cur-text")).to_have_text("Stelling twee")
    state = await phone.wait_latest("state", lambda m: m["proposition"]["id"] == "p2")
    assert state["phase"] == "waiting"
    assert (await phone.vote("p1", "disagree"))["code"] == "voting_closed"
    await expect(page.locator("#prop-list [aria-current]")).to_contain_text("Stelling twee")

    assert console.dialogs == []
    await phone.close()
    await console.close()


async def test_question_waits_in_the_console_and_approval_reaches_the_phones(server, browser):
    """A phone's question appears in the console's waiting list with the waiting count in the header;
    clicking Goedkeuren makes it visible on the phones and moves it to the Zichtbaar tab."""
    event = await create_event(server.url, premoderation=True)
    asker = await Phone(server.ws_url, event["code"]).connect()
    other = await Phone(server.ws_url, event["code"]).connect()
    console = await Console.open(browser, event)
    page = console.page
    await expect(page.locator("#waiting-count")).to_have_text("0")

    text = "Hoe verdelen we de rollen tussen gemeente en zorgaanbieders?"
    reply = await asker.ask(text, "Anna")
    assert reply["status"] == "waiting"
    item = console.question(text)
    await expect(item).to_be_visible()
    await expect(item.locator(".mq-name")).to_have_text("Anna")
    await expect(page.get_by_role("link", name="Wachtende vragen: 1")).to_be_visible()
    await expect(page.get_by_role("button", name=re.compile(r"^✓?\s*Wachtend"))).to_contain_text("1")

    await item.get_by_role("button", name="Goedkeuren").click()
    listed = await other.wait_latest("questions", lambda m: any(
        i["id"] == reply["question"] and i["status"] == "visible" for i in m["items"]))
    assert next(i for i in listed["items"] if i["id"] == reply["question"])["text"] == text
    await expect(page.locator("#waiting-count")).to_have_text("0")
    await expect(item).to_have_count(0)  # gone from the waiting tab ...
    await page.get_by_role("button", name=re.compile(r"^✓?\s*Zichtbaar")).click()
    await expect(item).to_be_visible()  # ... and listed under Zichtbaar, with its next actions
    await expect(item.get_by_role("button", name="Markeer als beantwoord")).to_be_visible()

    # Rejecting asks first; Cancel leaves it where it is, OK rejects it for the phones too.
    reject = item.get_by_role("button", name="Afwijzen")
    await expect(reject).to_have_attribute("aria-disabled", "false")  # the approval is acknowledged
    console.answer = False
    await reject.click()
    await expect(item).to_be_visible()
    console.answer = True
    await reject.click()
    await other.wait_latest("questions", lambda m: all(i["id"] != reply["question"] for i in m["items"]))
    await expect(item).to_have_count(0)
    assert len(console.dialogs) == 2

    for phone in (asker, other):
        await phone.close()
    await console.close()


async def test_hostile_questions_names_and_titles_show_as_literal_text(server, browser):
    """Markup, script URLs and template syntax in the event title, a proposition, questions and names
    appear in the console exactly as typed, and nothing runs."""
    event = await create_event(server.url, title=XSS[1] + XSS[4], propositions=(XSS[2] + " " + XSS[0], "Twee"))
    phones = [await Phone(server.ws_url, event["code"]).connect() for _ in range(2)]
    for index, payload in enumerate(XSS):  # three questions a minute per participant
        reply = await phones[index % 2].ask(payload, XSS[(index + 1) % len(XSS)])
        assert reply["type"] == "ack", reply
    console = await Console.open(browser, event)
    page = console.page

    await expect(page.locator("h1")).to_have_text(XSS[1] + XSS[4])
    await expect(page.locator("#prop-list .prop-item-text").first).to_have_text(XSS[2] + " " + XSS[0])
    await expect(page.locator("#waiting-count")).to_have_text("5")
    for index, payload in enumerate(XSS):
        item = console.question(payload)
        await expect(item).to_be_visible()
        await expect(item.locator(".mq-name")).to_have_text(XSS[(index + 1) % len(XSS)])
    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#cur-text")).to_have_text(XSS[2] + " " + XSS[0])

    assert await page.locator("main").locator("script, img, svg, iframe").count() == 0
    assert await page.locator("#q-list a").count() == 0
    assert XSS[1] in await page.title()
    assert console.dialogs == []
    for phone in phones:
        await phone.close()
    await console.close()


async def test_round_two_after_confirmation_reaches_the_projector(server, browser):
    """"Opnieuw stemmen (ronde 2)" asks for confirmation: Cancel changes nothing, OK opens round 2
    with the results hidden, which the projector receives and the console shows."""
    event = await create_event(server.url)
    screen = await Screen(server.ws_url, event["code"]).connect()
    phone = await Phone(server.ws_url, event["code"]).connect()
    console = await Console.open(browser, event)
    page = console.page
    round_two = page.get_by_role("button", name="Opnieuw stemmen (ronde 2)")

    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#cur-text")).to_have_text("Stelling een")
    await expect(round_two).to_have_attribute("aria-disabled", "true")  # nothing to vote again on yet
    await page.keyboard.press("Space")
    await expect(page.locator("#cur-phase")).to_have_text("Stemmen open")
    assert (await phone.vote("p1", "agree"))["type"] == "ack"
    await page.keyboard.press("Space")
    await expect(page.locator("#cur-phase")).to_have_text("Stemmen gesloten")
    await page.keyboard.press("r")
    await screen.wait_latest("state", lambda m: m["revealed"] and m["round"] == 1)

    console.answer = False
    await round_two.click()
    await page.keyboard.press("r")  # hide: sent after the (cancelled) round 2, so it proves nothing was sent
    hidden = await screen.wait_latest("state", lambda m: not m["revealed"])
    assert hidden["round"] == 1 and hidden["phase"] == "closed"

    console.answer = True
    await round_two.click()
    state = await screen.wait_latest("state", lambda m: m["round"] == 2)
    assert state["phase"] == "open" and state["revealed"] is False and state["proposition"]["id"] == "p1"
    await expect(page.locator("#cur-round")).to_have_text("Ronde 2")
    await expect(page.locator("#cur-label")).to_contain_text("ronde 2")
    await expect(round_two).to_have_attribute("aria-disabled", "true")  # round 1 cannot come back
    await expect(page.locator("#voters")).to_have_text("0")  # a fresh count
    assert (await phone.vote("p1", "disagree"))["type"] == "ack"
    await expect(page.locator("[data-result=disagree] .bar-count")).to_have_text("1")
    assert len(console.dialogs) == 2 and "ronde 2" in console.dialogs[0].lower()

    for client in (screen, phone):
        await client.close()
    await console.close()


async def test_projector_switch_settings_countdown_and_hand_count(server, browser):
    """Q puts the question wall on the projector, the premoderation and wall-order switches reach every
    phone, a countdown shows on the projector, and a show of hands counts in the split by perspective."""
    event = await create_event(server.url, title="Perspectievendebat", perspectives=PERSPECTIVES, min_group=1)
    screen = await Screen(server.ws_url, event["code"]).connect()
    phone = await Phone(server.ws_url, event["code"]).connect()
    console = await Console.open(browser, event)
    page = console.page

    await page.keyboard.press("q")
    await screen.wait_latest("state", lambda m: m.get("screen") == "questions")
    await expect(page.get_by_role("button", name="Vragen", exact=True)).to_have_attribute("aria-pressed", "true")
    await page.get_by_role("button", name="Stelling", exact=True).click()
    await screen.wait_latest("state", lambda m: m.get("screen") == "proposition")

    premoderation = page.get_by_label("Vragen goedkeuren voordat ze worden getoond")
    await expect(premoderation).to_be_checked()
    await premoderation.uncheck()
    await phone.wait_latest("questions", lambda m: m["premoderation"] is False)
    assert (await phone.ask("Meteen zichtbaar?"))["status"] == "visible"
    await page.get_by_label("Om de beurt per perspectief").check()
    await phone.wait_latest("questions", lambda m: m.get("wall") == "balanced")

    await page.locator("h1").click()  # out of the form controls, where the arrow keys are theirs
    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#cur-text")).to_have_text("Stelling een")
    await page.keyboard.press("Space")
    await page.get_by_label("Seconden").fill("90")
    await page.get_by_role("button", name="Aftellen starten").click()
    state = await screen.wait_latest("state", lambda m: m.get("deadline"))
    assert 85_000 <= state["deadline"] - state["server_time"] <= 90_000 and state["auto_close"] is True
    await expect(page.locator("#cd-remaining")).to_contain_text("1:")
    await page.get_by_role("button", name="Aftellen stoppen").click()
    await screen.wait_latest("state", lambda m: m.get("deadline") is None)
    await expect(page.locator("#cd-remaining")).to_have_text("Geen aftelling")

    # Hand counts never lift the small-group guard (issue 12): Gemeente needs a phone voter of its own.
    await screen.wait_latest("state", lambda m: m["phase"] == "open")
    assert (await phone.request({"type": "perspective", "value": "Gemeente"}))["type"] == "ack"
    assert (await phone.vote("p1", "neutral"))["type"] == "ack"
    hand = page.locator("#hand-form")
    await hand.get_by_label("Eens", exact=True).fill("7")
    await hand.get_by_label("Oneens", exact=True).fill("2")
    await hand.get_by_label("Groep").select_option("Gemeente")
    await hand.get_by_role("button", name="Handopsteken opslaan").click()
    await expect(page.locator("#hand-status")).to_have_text("Opgeslagen ✓")
    row = page.locator("#split-body tr").filter(has_text="Gemeente")
    await expect(row.locator("td").first).to_contain_text("7")
    await expect(page.locator("#hand-count-line")).to_contain_text("7")
    await expect(page.locator("#voters")).to_have_text("10")  # 9 hands and the phone

    assert console.dialogs == []
    for client in (screen, phone):
        await client.close()
    await console.close()


async def test_console_works_as_a_remote_on_a_phone(server, browser):
    """On a phone-sized screen the console fits the width, its buttons are at least 48 px high,
    and tapping Volgende and Stemmen openen drives the debate."""
    event = await create_event(server.url, title="Perspectievendebat", perspectives=PERSPECTIVES, min_group=1)
    phone = await Phone(server.ws_url, event["code"]).connect()
    console = await Console.open(browser, event, width=360, height=740, is_mobile=True, has_touch=True)
    page = console.page

    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await expect(page.locator("#waiting-count")).to_be_in_viewport()
    await page.get_by_role("button", name="Volgende").tap()
    await expect(page.locator("#cur-text")).to_have_text("Stelling een")
    await page.get_by_role("button", name="Stemmen openen").tap()
    await phone.wait_latest("state", lambda m: m["phase"] == "open")
    small = await page.evaluate("""() => Array.from(document.querySelectorAll('main button, main a.btn, header button'))
        .filter((node) => node.offsetParent !== null && node.getBoundingClientRect().height < 47.5)
        .map((node) => node.textContent.trim())""")
    assert small == []
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360

    await phone.close()
    await console.close()


async def test_logout_asks_first_and_then_signs_out(server, browser):
    """Uitloggen asks for confirmation: Cancel keeps the console, OK signs out and shows the sign-in form."""
    event = await create_event(server.url)
    console = await Console.open(browser, event)
    page = console.page

    console.answer = False
    await page.get_by_role("button", name="Uitloggen").click()
    await expect(page.locator("#conn-status")).to_have_text("Verbonden")
    console.answer = True
    await page.get_by_role("button", name="Uitloggen").click()
    await expect(page.get_by_role("heading", name="Dit debat modereren")).to_be_visible()
    await expect(page.get_by_label("Moderatorsleutel")).to_be_visible()
    assert len(console.dialogs) == 2 and "uitloggen" in console.dialogs[0].lower()
    await console.close()
