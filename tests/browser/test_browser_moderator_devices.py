"""Moderator devices are independent: a laptop and a phone console, one logs out and the
other keeps working; "log out all devices" asks first; an organiser signed in at /events
opens a console without the key; a new moderator key stops the old link at once."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import expect
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ..support.clients import Moderator, Screen, create_event
from ..support.servers import ADMIN_PASSWORD
from .pages import Console

pytestmark = pytest.mark.browser


async def test_one_device_logs_out_and_the_other_keeps_working(server, browser):
    event = await create_event(server.url)
    screen = await Screen(server.ws_url, event["code"]).connect()
    laptop = await Console.open(browser, event, width=1366, height=768)
    phone = await Console.open(browser, event, width=360, height=740, is_mobile=True, has_touch=True)
    await expect(laptop.page.locator("#moderators-count")).to_have_text("2")

    await phone.page.get_by_role("button", name="Uitloggen", exact=True).click()
    await expect(phone.page.get_by_label("Moderatorsleutel")).to_be_visible()
    assert "dit apparaat" in phone.dialogs[0].lower()

    await expect(laptop.page.locator("#moderators-count")).to_have_text("1")
    await laptop.page.keyboard.press("ArrowRight")
    await screen.wait_latest("state", lambda m: m["proposition"] and m["proposition"]["id"] == "p1")
    await laptop.page.reload()  # its session is still valid
    await expect(laptop.page.locator("#conn-status")).to_have_text("Verbonden")
    await laptop.page.keyboard.press("Space")
    await screen.wait_latest("state", lambda m: m["phase"] == "open")

    # everywhere: asks first (Cancel keeps everyone), then signs out this one too
    laptop.answer = False
    await laptop.page.get_by_role("button", name="Alle apparaten afmelden").click()
    await expect(laptop.page.locator("#conn-status")).to_have_text("Verbonden")
    laptop.answer = True
    await laptop.page.get_by_role("button", name="Alle apparaten afmelden").click()
    await expect(laptop.page.get_by_label("Moderatorsleutel")).to_be_visible()
    assert len(laptop.dialogs) == 2 and "elk apparaat" in laptop.dialogs[0].lower()
    await screen.close()
    for console in (laptop, phone):
        await console.close()


async def test_an_organiser_opens_a_console_without_the_key(server, browser):
    event = await create_event(server.url)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(server.url + f"/moderate/{event['code']}")
    await expect(page.get_by_label("Moderatorsleutel")).to_be_visible()  # not signed in: the key is asked

    await page.goto(server.url + "/events")
    await page.get_by_label("Beheerderswachtwoord").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="Inloggen").click()
    await page.locator(f"a[href='/moderate/{event['code']}']").click()
    await expect(page.locator("#conn-status")).to_have_text("Verbonden")
    await expect(page.get_by_role("button", name="Volgende")).to_have_attribute("aria-disabled", "false")
    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#cur-text")).to_have_text("Stelling een")
    await context.close()


async def test_a_new_key_stops_the_old_link_and_keeps_the_consoles(server, browser):
    event = await create_event(server.url)
    code = event["code"]
    keyed = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await keyed.wait_for(lambda m: m["type"] == "state")
    laptop = await Console.open(browser, event)
    phone = await Console.open(browser, event, width=360, height=740, is_mobile=True, has_touch=True)

    await laptop.page.get_by_role("button", name="Nieuwe moderatorsleutel").click()
    link = laptop.page.locator("#new-key-link")
    await expect(link).to_contain_text(f"/moderate/{code}?key=")
    new_url = await link.text_content()
    assert event["moderator_key"] not in new_url and "nieuwe moderatorsleutel" in laptop.dialogs[0].lower()

    await asyncio.wait_for(keyed.ws.wait_closed(), 15)  # the socket opened with the old key is closed
    assert keyed.ws.close_code == 1008
    with pytest.raises(InvalidStatus):
        async with connect(f"{server.ws_url}/ws/{code}/moderator",
                           additional_headers={"Authorization": f"Bearer {event['moderator_key']}"}):
            pass
    fresh = await browser.new_context()
    page = await fresh.new_page()
    await page.goto(event["urls"]["moderator"])
    await expect(page.get_by_text("Deze moderatorsleutel klopt niet.")).to_be_visible()
    await page.goto(new_url)
    await expect(page.locator("#conn-status")).to_have_text("Verbonden")
    await fresh.close()

    # the consoles that were signed in stay, and still drive the debate
    for console in (laptop, phone):
        await console.page.reload()
        await expect(console.page.locator("#conn-status")).to_have_text("Verbonden")
    await phone.page.get_by_role("button", name="Volgende").tap()
    await expect(laptop.page.locator("#cur-text")).to_have_text("Stelling een")
    new = await Moderator(server.ws_url, code, new_url.split("key=")[1]).connect()
    assert (await new.command("open"))["type"] == "ack"
    await new.close()
    for console in (laptop, phone):
        await console.close()
