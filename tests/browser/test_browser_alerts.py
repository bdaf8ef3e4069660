"""The console warns, calmly, when one address mints a burst of participant identities."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import expect

from ..support.clients import Phone, create_event
from .pages import Console

pytestmark = pytest.mark.browser

BURST = 125  # more than 120 new identities from one address within a minute


async def test_identity_burst_shows_a_warning_in_the_console(server, browser):
    """No warning in a normal hall; after 125 fresh identities from one address the console says how many
    a minute and that votes may be stuffed, as a warning (not an error alert)."""
    event = await create_event(server.url)
    console = await Console.open(browser, event)
    page = console.page
    warning = page.locator("#presence-alert")
    await expect(page.locator("#presence-count")).to_have_text("0")  # a presence message has arrived
    await expect(warning).to_be_hidden()

    gate = asyncio.Semaphore(25)

    async def newcomer():
        async with gate:
            phone = await Phone(server.ws_url, event["code"]).connect()
            await phone.close()

    await asyncio.gather(*(newcomer() for _ in range(BURST)))
    await expect(warning).to_be_visible(timeout=10_000)
    await expect(warning).to_have_text(re.compile(
        r"^Veel nieuwe deelnemers vanaf één adres \((\d+) per minuut\) — mogelijk stemmenfraude$"))
    count = int(re.search(r"\((\d+) per", await warning.text_content()).group(1))
    assert count >= BURST - 5  # the page's own visit may or may not count
    await expect(page.locator("#alert")).to_be_hidden()  # not the red error box
    assert await page.locator("[role=status]").filter(has=warning).count() == 1  # announced politely
    assert console.dialogs == []
    await console.close()
