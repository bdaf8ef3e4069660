"""Editing the debate from the console: add after the current proposition, fix a text in
place, move down and up, remove one without votes (a second console and the projector
follow at once); removing one with votes is refused with a clear message."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from ..support.clients import Phone, Screen, create_event
from .pages import Console, open_page

pytestmark = pytest.mark.browser


async def test_a_moderator_edits_the_debate_and_everyone_follows(server, browser):
    event = await create_event(server.url, propositions=("Een", "Twee", "Drie"))
    screen = await Screen(server.ws_url, event["code"]).connect()
    phone = await Phone(server.ws_url, event["code"]).connect()
    laptop = await Console.open(browser, event)
    remote = await Console.open(browser, event, width=360, height=740, is_mobile=True, has_touch=True)
    page = laptop.page
    items = page.locator("#prop-list .prop-item-text")
    other = remote.page.locator("#prop-list .prop-item-text")

    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#cur-text")).to_have_text("Een")
    await page.keyboard.press("Space")
    await screen.wait_latest("state", lambda m: m["proposition"] and m["phase"] == "open")
    assert (await phone.vote("p1", "agree"))["type"] == "ack"

    # add after the current one
    await page.get_by_label("Tekst van de nieuwe stelling").fill("Uit het panel")
    await page.get_by_label("Na de huidige stelling (anders achteraan)").check()
    await page.get_by_role("button", name="Toevoegen", exact=True).click()
    await expect(page.locator("#add-status")).to_have_text("Toegevoegd ✓")
    await expect(items).to_have_text(["Een", "Uit het panel", "Twee", "Drie"])
    await expect(other).to_have_text(["Een", "Uit het panel", "Twee", "Drie"])
    state = await screen.wait_latest("state", lambda m: m["total"] == 4)
    assert state["proposition"]["id"] == "p1" and state["phase"] == "open"  # voting goes on

    # fix a typo in the current one (it has a vote: kept)
    row = page.locator("#prop-list li").nth(0)
    await row.get_by_role("button", name="Tekst aanpassen").click()
    field = row.get_by_role("textbox", name="Tekst aanpassen")
    await field.fill("Een, verbeterd")
    await row.get_by_role("button", name="Opslaan").click()
    await expect(page.locator("#cur-text")).to_have_text("Een, verbeterd")
    await expect(remote.page.locator("#cur-text")).to_have_text("Een, verbeterd")
    await phone.wait_latest("state", lambda m: m["proposition"]["text"] == "Een, verbeterd")
    await expect(page.locator("#voters")).to_have_text("1")

    # move "Drie" up, then the current one down: the label follows its place
    await page.locator("#prop-list li").nth(3).get_by_role("button", name="Omhoog").click()
    await expect(items).to_have_text(["Een, verbeterd", "Uit het panel", "Drie", "Twee"])
    await page.locator("#prop-list li").nth(0).get_by_role("button", name="Omlaag").click()
    await expect(other).to_have_text(["Uit het panel", "Een, verbeterd", "Drie", "Twee"])
    await expect(page.locator("#cur-label")).to_have_text("Stelling 2 van 4")
    state = await phone.wait_latest("state", lambda m: m["proposition"]["index"] == 1)
    assert state["total"] == 4

    # and by drag: "Twee" dropped on the first place
    await page.locator("#prop-list li").nth(3).drag_to(page.locator("#prop-list li").nth(0))
    await expect(other).to_have_text(["Twee", "Uit het panel", "Een, verbeterd", "Drie"])
    await page.locator("#prop-list li").nth(0).drag_to(page.locator("#prop-list li").nth(3))
    await expect(items).to_have_text(["Uit het panel", "Een, verbeterd", "Drie", "Twee"])

    # remove one without votes (after confirming); one with votes is refused
    await page.locator("#prop-list li").nth(3).get_by_role("button", name="Verwijderen").click()
    await expect(items).to_have_text(["Uit het panel", "Een, verbeterd", "Drie"])
    await page.locator("#prop-list li").nth(1).get_by_role("button", name="Verwijderen").click()
    await expect(page.locator("#alert-text")).to_contain_text("al gestemd")
    await expect(items).to_have_count(3)
    assert (await screen.wait_latest("state", lambda m: m["total"] == 3))["proposition"]["id"] == "p1"
    assert len(laptop.dialogs) == 2
    for client in (screen, phone):
        await client.close()
    for console in (laptop, remote):
        await console.close()


async def test_a_moderator_changes_the_perspectives_before_the_first_vote(server, browser):
    """The console's perspectives field replaces them: a phone's prompt, the other console's
    hand-count groups and the projector follow at once; after a vote the change is refused."""
    event = await create_event(server.url, perspectives=("Burger", "Professional"))
    screen = await Screen(server.ws_url, event["code"]).connect()
    laptop = await Console.open(browser, event)
    remote = await Console.open(browser, event, width=360, height=740, is_mobile=True, has_touch=True)
    context, phone_page, _ = await open_page(browser, event["urls"]["audience"], (360, 740), mobile=True)
    options = phone_page.locator(".persp-option")
    await expect(options).to_have_text(["Burger", "Professional"])

    page = laptop.page
    field = page.get_by_label("Eén perspectief per regel (hoogstens 10)")
    await expect(field).to_have_value("Burger\nProfessional")
    await field.fill("Cliënt\nProfessional\nGemeente")
    await page.evaluate("window.renderedBefore = true")  # gone once the console has loaded itself again
    await page.get_by_role("button", name="Perspectieven opslaan").click()
    await expect(options).to_have_text(["Cliënt", "Professional", "Gemeente"])
    await expect(remote.page.locator("#hand-group option")).to_have_text(
        ["De hele zaal (geen perspectief)", "Cliënt", "Professional", "Gemeente"])
    await expect(page.get_by_label("Eén perspectief per regel (hoogstens 10)")).to_have_value(
        "Cliënt\nProfessional\nGemeente")
    await screen.wait_latest("perspectives", lambda m: m["perspectives"] == ["Cliënt", "Professional", "Gemeente"])

    # a vote is in: the next change is refused, with the reason next to the button
    await page.wait_for_function("!window.renderedBefore")
    await expect(page.locator("#conn-status")).to_have_text("Verbonden")
    await expect(page.get_by_role("button", name="Volgende")).to_have_attribute("aria-disabled", "false")
    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#cur-text")).to_have_text("Stelling een")
    await page.keyboard.press("Space")
    await screen.wait_latest("state", lambda m: m["proposition"] and m["phase"] == "open")
    voter = await Phone(server.ws_url, event["code"]).connect()
    assert (await voter.vote("p1", "agree"))["type"] == "ack"
    await page.get_by_label("Eén perspectief per regel (hoogstens 10)").fill("Anders")
    await page.get_by_role("button", name="Perspectieven opslaan").click()
    await expect(page.locator("#persp-status")).to_contain_text("al gestemd")
    await expect(options).to_have_text(["Cliënt", "Professional", "Gemeente"])
    for client in (screen, voter):
        await client.close()
    await context.close()
    for console in (laptop, remote):
        await console.close()
