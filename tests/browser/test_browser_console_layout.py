"""The console on a 1366x768 laptop: while the moderator works in the questions and hand-count
panels, the current proposition, its phase and round and the primary controls stay in view."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from ..support.clients import PERSPECTIVES, Phone, create_event
from .pages import Console

pytestmark = pytest.mark.browser

PRIMARY = ["#cur-label", "#cur-text", "#cur-phase", "#cur-round", "[data-command=prev]", "[data-command=next]",
           "[data-command=open]", "[data-command=close]", "[data-command=reveal]", "[data-command=hide]"]


async def visible_and_uncovered(page, selector: str) -> bool:
    return await page.eval_on_selector(selector, """(node) => {
        const box = node.getBoundingClientRect();
        if (box.width === 0 || box.bottom <= 0 || box.top >= innerHeight) return false;
        const x = box.left + Math.min(box.width / 2, 20), y = box.top + box.height / 2;
        const top = document.elementFromPoint(x, y);
        return !!top && (top === node || node.contains(top));
    }""")


async def test_primary_controls_stay_in_view_at_1366x768(server, browser):
    event = await create_event(server.url, perspectives=PERSPECTIVES, min_group=1, premoderation=True)
    phones = [await Phone(server.ws_url, event["code"]).connect() for _ in range(3)]
    for index in range(9):
        await phones[index % 3].ask(f"Vraag nummer {index + 1}: hoe houden we de koers vast als het budget krimpt?")
    console = await Console.open(browser, event, width=1366, height=768)
    page = console.page
    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#cur-text")).to_have_text("Stelling een")
    await expect(page.locator("#q-list > li")).to_have_count(9)

    for panel in ("#q-list > li >> nth=8", "#hand-submit", "#hand-saved-none", "#countdown-form"):
        await page.locator(panel).scroll_into_view_if_needed()
        for selector in PRIMARY:
            assert await visible_and_uncovered(page, selector), (panel, selector)
    await page.get_by_role("button", name="Stemmen openen").click()
    await expect(page.locator("#cur-phase")).to_have_text("Stemmen open")
    for phone in phones:
        await phone.close()
    await console.close()
