"""The plain-language line on the phone (issue 16, item 3), in Chromium: under the proposition, with a switch
remembered on this device, and read out with the proposition."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from ..support.clients import Moderator
from ..support.servers import ADMIN_PASSWORD
from .pages import open_page

pytestmark = pytest.mark.browser

TEXT = "Gemeenten moeten de ervaringskennis van cliënten structureel benutten bij het maken van beleid."
PLAIN = "De gemeente moet beter luisteren naar mensen die hulp krijgen."


async def test_phone_shows_the_plain_line_with_a_remembered_switch(server, browser):
    """The phone shows the plain line under the proposition; it is part of the live region that announces the
    proposition and of the vote buttons' group name; "Eenvoudige taal" hides it, which the phone remembers
    after a reload; a proposition without one shows neither line nor switch."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        created = await http.post("/api/events", headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"}, json={
            "title": "Eenvoudig", "propositions": [{"text": TEXT, "plain": PLAIN}, "Stelling twee"]})
    event = created.json()
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    context, page, dialogs = await open_page(browser, f"{server.url}/e/{code}", (390, 844), mobile=True)
    try:
        plain = page.get_by_test_id("plain")
        await expect(plain).to_have_text(PLAIN)
        text_box, plain_box = await page.locator("#prop-text").bounding_box(), await plain.bounding_box()
        assert plain_box["y"] >= text_box["y"] + text_box["height"] - 1  # under the proposition
        # read out with it: inside the polite live region, and in the name of the vote buttons' group
        assert await page.locator("section.prop-card[aria-live=polite]").get_by_test_id("plain").count() == 1
        await expect(page.get_by_role("group", name=f"{TEXT} {PLAIN}")).to_be_visible()
        switch = page.get_by_role("button", name="Eenvoudige taal")
        await expect(switch).to_have_attribute("aria-pressed", "true")
        await page.get_by_role("button", name="Eens", exact=True).focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("#status")).to_have_text("Uw stem is ontvangen ✓")
        await page.screenshot(path="/tmp/phone-plain.png")

        await switch.tap()
        await expect(plain).to_be_hidden()
        await expect(switch).to_have_attribute("aria-pressed", "false")
        await expect(page.get_by_role("group", name=TEXT, exact=True)).to_be_visible()
        await page.reload()
        await expect(page.locator("#prop-text")).to_have_text(TEXT)
        await expect(page.get_by_role("button", name="Eenvoudige taal")).to_have_attribute("aria-pressed", "false")
        assert not await plain.is_visible()
        await page.get_by_role("button", name="Eenvoudige taal").tap()
        await expect(plain).to_have_text(PLAIN)

        await moderator.command("goto", proposition="p2")
        await expect(page.locator("#prop-text")).to_have_text("Stelling twee")
        await expect(page.locator("#plain-box")).to_be_hidden()
        assert dialogs == []
    finally:
        await context.close()
        await moderator.close()
