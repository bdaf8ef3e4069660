"""A phone for someone who does not see the screen: the debate's moves are announced in a
live region in the user's language, every control has a name, and a vote can be cast with
the keyboard alone (read through the accessibility tree in Chromium)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from ..support.clients import Moderator, create_event
from .pages import open_page

pytestmark = pytest.mark.browser

SPOKEN = {"nl": ("Stemmen is geopend. Tik op uw keuze.", "Het stemmen is gesloten.", "De uitslag is te zien.",
                 "Uw stem is ontvangen ✓", "Eens"),
          "en": ("Voting is open. Tap your choice.", "Voting is closed.", "The results are shown.",
                 "Vote received ✓", "Agree")}


@pytest.mark.parametrize("language", ["nl", "en"])
async def test_voting_opened_closed_and_results_are_announced(server, browser, language):
    """Open, a keyboard vote, close and reveal are each spoken through the live region, in the phone's language."""
    opened, closed, results, received, agree = SPOKEN[language]
    event = await create_event(server.url)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    context, page, dialogs = await open_page(browser, f"{server.url}/e/{code}?lang={language}", (390, 844),
                                             mobile=True)
    try:
        announce = page.get_by_test_id("announce")
        assert await announce.get_attribute("aria-live") == "assertive"
        await expect(page.locator("#prop-text")).to_have_text("Stelling een")
        await expect(announce).to_have_text("")  # the first state is the page itself, not news
        await moderator.command("open")
        await expect(announce).to_have_text(opened)

        button = page.get_by_role("button", name=agree, exact=True)
        await expect(button).to_have_attribute("aria-disabled", "false")
        await button.focus()
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("status").filter(has_text=received)).to_be_visible()
        await expect(button).to_have_attribute("aria-pressed", "true")

        await moderator.command("close")
        await expect(announce).to_have_text(closed)
        await moderator.command("reveal")
        await expect(announce).to_have_text(results)

        tree = await page.locator("main").aria_snapshot()
        assert f'button "{agree}"' in tree
        for control in await page.locator("main button:visible, main input:visible, main a:visible").all():
            name = await control.evaluate("node => node.getAttribute('aria-label') || node.innerText || node.title"
                                          " || (node.labels && node.labels[0] && node.labels[0].innerText) || ''")
            assert name.strip(), await control.evaluate("node => node.outerHTML")
        assert not dialogs
    finally:
        await context.close()
