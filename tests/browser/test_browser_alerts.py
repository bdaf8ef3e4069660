"""The console never cries fraud for a hall that merely shares one address."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import expect

from ..support.clients import Phone, create_event
from .pages import Console

pytestmark = pytest.mark.browser

BURST = 125  # more than the 120 new identities a minute that used to raise "possibly vote stuffing"


async def test_a_burst_from_one_address_raises_no_warning_in_the_console(server, browser):
    """125 fresh identities from one address (a hall scanning the QR code at once) show no warning and no
    error in the console; the count of connected phones goes up (issue 13, E2)."""
    event = await create_event(server.url)
    console = await Console.open(browser, event)
    page = console.page
    warning = page.locator("#presence-alert")
    await expect(page.locator("#presence-count")).to_have_text("0")  # a presence message has arrived
    await expect(warning).to_be_hidden()

    gate = asyncio.Semaphore(25)
    phones: list[Phone] = []

    async def newcomer():
        async with gate:
            phones.append(await Phone(server.ws_url, event["code"]).connect())

    await asyncio.gather(*(newcomer() for _ in range(BURST)))
    await expect(page.locator("#presence-count")).to_have_text(str(BURST), timeout=10_000)
    await expect(warning).to_be_hidden()
    await expect(page.locator("#alert")).to_be_hidden()
    assert console.dialogs == []
    for phone in phones:
        await phone.close()
    await console.close()
