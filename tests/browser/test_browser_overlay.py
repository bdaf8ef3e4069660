"""The livestream overlays in Chromium at 1920×1080: a transparent page, the card or badge
inside the picture and overlapping nothing, live like the projector, hidden means hidden."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
import segno
from playwright.async_api import expect

from ..support.clients import Moderator, Phone, create_event
from ..support.servers import ADMIN_PASSWORD
from .pages import Console, open_page

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
LONGEST = "Lang " * 99 + "eind"  # 499 characters: about the longest proposition the app accepts


async def transparent(page) -> bool:
    colours = await page.evaluate("""() => [document.documentElement, document.body]
        .map(node => getComputedStyle(node).backgroundColor)""")
    return all(colour in ("rgba(0, 0, 0, 0)", "transparent") for colour in colours)


async def inside_and_apart(page, selectors: list[str]) -> None:
    boxes = [await page.locator(selector).bounding_box() for selector in selectors]
    for box in boxes:
        assert box is not None
        assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= 1920 and box["y"] + box["height"] <= 1080
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"] or \
                a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
            assert apart, (a, b)


async def test_overlay_follows_the_debate_and_hides_counts_until_revealed(server, browser):
    """The full overlay shows the proposition, then its voter count, and bars only after reveal."""
    event = await create_event(server.url, propositions=(LONGEST, "Twee"))
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    context, page, dialogs = await open_page(browser, f"{server.url}/overlay/{code}", (1920, 1080))
    try:
        assert await transparent(page)
        await moderator.command("goto", proposition="p1")
        await moderator.command("open")
        await expect(page.locator("#overlay-text")).to_contain_text("eind")
        phones = [await Phone(server.ws_url, code).connect() for _ in range(3)]
        for phone, choice in zip(phones, ("agree", "agree", "disagree")):
            await phone.vote("p1", choice)
        await expect(page.locator("#overlay-meta")).to_contain_text("3")
        await expect(page.locator("#overlay-results")).to_be_hidden()
        assert await page.locator("[data-result=agree] .bar-pct").text_content() in ("", None)
        await moderator.command("close")
        await moderator.command("reveal")
        await expect(page.locator("#overlay-results")).to_be_visible()
        await expect(page.locator("[data-result=agree] .bar-pct")).to_have_text("67%")
        await expect(page.locator("[data-result=agree] .bar-label")).to_have_text("Eens")
        await inside_and_apart(page, ["#overlay-card"])
        text = await page.locator("#overlay-text").bounding_box()
        bars = await page.locator("#overlay-results").bounding_box()
        assert text["y"] + text["height"] <= bars["y"]  # the clamped text does not run into the bars
        assert not dialogs
        SHOTS.mkdir(parents=True, exist_ok=True)
        for name, picture in (("dark", "linear-gradient(135deg, #0b1320, #3a2f4a)"),
                              ("light", "linear-gradient(135deg, #f4efe6, #b9d3e8)")):
            # A stand-in for the camera picture behind the browser source (set through the
            # CSSOM: the page's CSP allows no inline style), then taken away again.
            await page.evaluate("picture => { document.body.style.background = picture; }", picture)
            await page.screenshot(path=str(SHOTS / f"overlay-results-{name}.png"))
        await page.evaluate("() => { document.body.style.background = ''; }")
        assert await transparent(page)
    finally:
        await context.close()


async def test_lower_third_shows_the_pinned_question_on_the_wall(server, browser):
    """While the projector shows the wall, the lower third shows the pinned question."""
    event = await create_event(server.url, premoderation=False)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    question = (await (await Phone(server.ws_url, code).connect()).ask("Wat doet de gemeente?", "Sanne"))["question"]
    context, page, _ = await open_page(browser, f"{server.url}/overlay/{code}/lower-third", (1920, 1080))
    try:
        await expect(page.locator("#overlay-text")).to_have_text("Stelling een")
        await moderator.command("question", question=question, action="pin")
        await moderator.command("screen", show="questions")
        await expect(page.locator("#overlay-text")).to_have_text("Wat doet de gemeente?")
        await expect(page.locator("#overlay-meta")).to_have_text("Sanne")
        await inside_and_apart(page, ["#overlay-card"])
        assert await transparent(page)
    finally:
        await context.close()


async def test_join_badge_sits_in_a_corner_with_the_qr_code(server, browser):
    """The join badge: address, code and QR in the lower right corner, on a transparent page."""
    event = await create_event(server.url)
    code = event["code"]
    context, page, _ = await open_page(browser, f"{server.url}/overlay/{code}/join", (1920, 1080))
    try:
        await expect(page.locator(".join-line")).to_contain_text(code)
        assert await page.locator(".join-qr").evaluate("img => img.complete && img.naturalWidth > 0")
        await inside_and_apart(page, [".join-qr", ".join-line"])
        box = await page.locator("#join-badge").bounding_box()
        assert box["x"] > 960 and box["y"] > 540  # the lower right quarter
        assert await transparent(page)
        await page.screenshot(path=str(SHOTS / "overlay-join.png"), omit_background=True)
        assert (await page.request.get(f"{server.url}/overlay/{code}/sideways")).status == 404
    finally:
        await context.close()


async def test_join_badge_is_the_streams_own_link_and_counts_its_audience_apart(server, browser):
    """The overlay's badge shows the stream's link (/s/{code}) and its QR code, the projector keeps the hall's;
    a phone that follows the badge's link and votes is counted as the stream's, one that types the code in
    the hall as the hall's."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        event = (await http.post("/api/events", headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"}, json={
            "title": "Zaal en stream", "propositions": ["Een", "Twee"], "min_group": 1})).json()
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    context, page, _ = await open_page(browser, f"{server.url}/overlay/{code}/join", (1920, 1080))
    phones = []
    try:
        host = server.url.split("://", 1)[1]
        await expect(page.locator(".join-line")).to_have_text(f"Kijkt u online? Stem via {host}/s/{code}")
        assert await page.locator(".join-qr").get_attribute("src") == f"/qr/{code}/stream.svg"
        shown = await page.request.get(f"{server.url}/qr/{code}/stream.svg")
        expected = io.BytesIO()
        segno.make(f"{server.url}/s/{code}", error="m").save(expected, kind="svg", scale=10, border=2, dark="#000",
                                                             light="#fff", xmldecl=False)
        assert await shown.body() == expected.getvalue()  # the QR code opens the stream's link
        _, projector, _ = await open_page(browser, f"{server.url}/projector/{code}", (1280, 720))
        assert await projector.locator(".join-panel .qr").get_attribute("src") == f"/qr/{code}.svg"
        for link, choice in ((f"{server.url}/s/{code}", "Eens"), (f"{server.url}/", "Oneens")):
            phone_context, phone, _ = await open_page(browser, link, (390, 844), mobile=True)
            phones.append(phone_context)
            if link.endswith("/"):
                await phone.get_by_label("Code").fill(code)
                await phone.get_by_role("button", name="Deelnemen").tap()
            await phone.get_by_role("button", name=choice, exact=True).tap()
            await expect(phone.locator("#status")).to_have_text("Uw stem is ontvangen ✓")
        tally = await moderator.wait_latest("tally", lambda m: m["voters"] == 2)
        assert tally["channels"]["stream"]["counts"]["agree"] == 1 and tally["channels"]["hall"]["counts"]["disagree"] == 1
        console = await Console.open(browser, event)
        phones.append(console.context)
        await expect(console.page.get_by_test_id("channels")).to_have_text(
            "Zaal: Eens 0 · Oneens 1 (1) · Stream: Eens 1 · Oneens 0 (1) · Handopsteken: Eens 0 · Oneens 0 (0)")
    finally:
        for phone_context in phones:
            await phone_context.close()
        await context.close()
        await moderator.close()
