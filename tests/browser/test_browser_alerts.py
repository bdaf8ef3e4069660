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


async def test_socket_only_identities_voting_and_leaving_show_the_pattern(server, browser):
    """Identities minted on their socket that vote and leave within seconds, in a burst, show a calm warning that
    names what was seen (never "fraud"), as a status, not an error alert (E20)."""
    from ..support.clients import Moderator

    event = await create_event(server.url)
    remote = await Moderator(server.ws_url, event["code"], event["moderator_key"]).connect()
    await remote.command("goto", proposition="p1")
    await remote.command("open")
    console = await Console.open(browser, event)
    page = console.page
    warning = page.locator("#presence-alert")
    for _ in range(12):
        phone = await Phone(server.ws_url, event["code"]).connect()
        assert (await phone.vote("p1", "agree"))["type"] == "ack"
        await phone.close()
    await expect(warning).to_be_visible(timeout=10_000)
    await expect(warning).to_contain_text("stemden deze minuut en vertrokken binnen enkele seconden")
    assert "fraude" not in await warning.text_content()
    flagged = page.locator("#flagged-line")  # the figures with and without the flagged identities
    await expect(flagged).to_be_visible(timeout=10_000)
    await expect(flagged).to_contain_text("Waarvan van deelnemers die gescript lijken")
    await expect(flagged).to_contain_text("Zonder hen: Eens 4")  # 12 votes, the fifth to the twelfth flagged
    await expect(page.locator("#alert")).to_be_hidden()
    await remote.close()
    await console.close()
