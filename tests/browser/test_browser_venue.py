"""The "how to join" slide on the projector, in Chromium at 1920×1080 and 1280×720: the
Wi-Fi name, password and QR code and the join QR code, nothing overlapping, put up and taken
down from the console's screen switch."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import expect

from ..support.clients import Moderator
from ..support.servers import ADMIN_PASSWORD
from .pages import open_page

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
async def test_venue_slide_shows_wifi_and_join_codes(server, browser, size):
    """Both QR codes load and fit the screen side by side; the side panel gives way; back to the proposition."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        created = (await http.post("/api/events", headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"}, json={
            "title": "Jubileumdebat", "propositions": ["Een"], "wifi_name": "Werkplaatsen-Gast",
            "wifi_password": "koers2026"})).json()
    code = created["code"]
    moderator = await Moderator(server.ws_url, code, created["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    context, page, dialogs = await open_page(browser, f"{server.url}/projector/{code}", size)
    try:
        await expect(page.locator("#prop-text")).to_have_text("Een")
        await moderator.command("screen", show="join")
        venue = page.get_by_test_id("venue")
        await expect(venue).to_be_visible()
        await expect(page.locator("#proposition")).to_be_hidden()
        await expect(page.locator(".join-panel")).to_be_hidden()
        await expect(page.get_by_test_id("wifi-name")).to_have_text("Werkplaatsen-Gast")
        await expect(page.get_by_test_id("wifi-password")).to_have_text("koers2026")
        qrs = page.locator(".venue-qr")
        await expect(qrs).to_have_count(2)
        boxes = []
        for i in range(2):
            assert await qrs.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
            boxes.append(await qrs.nth(i).bounding_box())
        width, height = size
        for box in boxes:
            assert box["width"] >= height * 0.25  # large enough to scan from the hall
            assert box["x"] >= 0 and box["x"] + box["width"] <= width and box["y"] + box["height"] <= height
        assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"]  # side by side, apart
        if size == (1920, 1080):
            SHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SHOTS / "projector-venue.png"))
        await moderator.command("screen", show="proposition")
        await expect(venue).to_be_hidden()
        await expect(page.locator("#prop-text")).to_have_text("Een")
        assert not dialogs
    finally:
        await context.close()
