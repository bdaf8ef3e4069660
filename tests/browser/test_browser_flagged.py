"""The console's one-action exclusion of flagged identities from the projector (issue 13, E27), in Chromium."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from ..support.clients import Moderator, Phone, create_event
from .pages import Console

pytestmark = pytest.mark.browser


async def test_the_console_leaves_flagged_identities_out_of_the_projector_and_back(server, browser):
    """Twelve socket-only identities vote agree and leave (eight flagged): one press on the console's button
    makes the projector count 4 instead of 12, the button shows it is on; a second press counts them again."""
    event = await create_event(server.url)
    code = event["code"]
    remote = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await remote.command("goto", proposition="p1")
    await remote.command("open")
    for _ in range(12):
        phone = await Phone(server.ws_url, code).connect()
        assert (await phone.vote("p1", "agree"))["type"] == "ack"
        await phone.close()
    await remote.command("reveal")
    console = await Console.open(browser, event)
    page = console.page
    screen_context = await browser.new_context(viewport={"width": 1280, "height": 720})
    screen = await screen_context.new_page()
    await screen.goto(f"{server.url}/projector/{code}")
    voters = screen.locator("[data-testid=voters]")
    await expect(voters).to_contain_text("12", timeout=10_000)

    button = page.get_by_role("button", name="Laat ze weg op het scherm")
    await expect(button).to_be_visible(timeout=10_000)
    await expect(button).to_have_attribute("aria-pressed", "false")
    await button.click()
    await expect(button).to_have_attribute("aria-pressed", "true")
    await expect(page.locator("#exclude-flagged-status")).to_contain_text("Weggelaten")
    await expect(voters).to_contain_text("4")
    await expect(page.locator("#flagged-line")).to_contain_text("Zonder hen: Eens 4")
    await button.click()
    await expect(button).to_have_attribute("aria-pressed", "false")
    await expect(voters).to_contain_text("12")
    assert console.dialogs == []
    await screen_context.close()
    await console.close()
    await remote.close()
