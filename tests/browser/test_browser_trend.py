"""Results that outlive the evening (issue 15) in Chromium: the report's trend chart and table, and
"2018 → now" on the projector, switched on from the console; screenshots for docs/screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from ..server.test_history import ORGANISER, make_series
from .pages import Console, open_page
from .test_accessibility import violations

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"


async def test_report_shows_the_trend(server, browser):
    """The organiser's report of the third debate shows p1's chart (a line through the three debates) and
    the table with each debate's share of agree and the verdicts; it prints without anything missing."""
    a, b, c = await make_series(server)
    context = await browser.new_context(viewport={"width": 1100, "height": 1400}, extra_http_headers=ORGANISER)
    page = await context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    await page.goto(f"{server.url}/results/{c['code']}")
    trend = page.locator('[data-trend="p1"]')
    await expect(trend.get_by_role("heading")).to_have_text("Verloop: 2018 → nu")
    chart = trend.locator("svg.trend-chart")
    await expect(chart).to_be_visible()
    assert await chart.locator("polyline.trend-total").count() == 1
    assert await chart.locator("circle.trend-total").count() == 3
    rows = trend.locator("tbody tr")
    await expect(rows).to_have_count(3)
    await expect(rows.nth(0)).to_contain_text("80%")
    await expect(rows.nth(0)).to_contain_text("te weinig stemmen")
    await expect(rows.nth(1)).to_contain_text("−60 %‑punt (meer dan toeval)")
    await expect(rows.nth(2)).to_contain_text("58%")
    assert all(url.startswith(server.url) for url in requests), requests  # no third-party request
    assert await violations(page) == []
    await trend.scroll_into_view_if_needed()
    await trend.screenshot(path=str(SHOTS / "report-trend.png"))
    await context.close()


async def test_projector_shows_2018_to_now_when_the_moderator_asks(server, browser):
    """The console of a linked proposition offers "Verloop op het scherm"; pressed, the projector shows the
    share of agree per debate and perspective (a withheld group as such), the change since the first debate
    with its verdict; pressed again, tonight's result is back."""
    a, b, c = await make_series(server)
    console = await Console.open(browser, c)
    toggle = console.page.get_by_role("button", name="Verloop op het scherm")
    await expect(toggle).to_be_visible()
    context, screen, dialogs = await open_page(browser, f"{server.url}/projector/{c['code']}", (1920, 1080))
    await expect(screen.locator("#results")).to_be_visible()
    history = screen.get_by_test_id("history")
    await expect(history).to_be_hidden()

    await toggle.click()
    await expect(toggle).to_have_attribute("aria-pressed", "true")
    await expect(history).to_be_visible()
    await expect(history.locator(".history-title")).to_have_text("Eens: 2018 → nu")
    head = history.locator("thead th")
    await expect(head).to_have_text(["Eens %", "2018", "2022", "2026 (nu)", "sinds 2018"])
    rows = history.locator("tbody tr")
    await expect(rows.nth(0)).to_have_text("Iedereen80%20%58%−21,7 %‑punt · te nipt om iets over te zeggen")
    await expect(rows.nth(1)).to_have_text("Burger80%20%100%+20 %‑punt · te nipt om iets over te zeggen")
    await expect(rows.nth(2)).to_have_text("Professionalte weinig stemmen20%––")
    await expect(screen.locator(".bars-projector:not(.bars-round1)")).to_be_hidden()
    assert await screen.evaluate("document.documentElement.scrollHeight <= innerHeight")  # fits the screen
    await screen.screenshot(path=str(SHOTS / "projector-trend.png"))
    assert await violations(screen) == []
    assert await violations(console.page) == []

    await toggle.click()
    await expect(history).to_be_hidden()
    await expect(screen.locator(".bars-projector:not(.bars-round1)")).to_be_visible()
    assert dialogs == [] and console.dialogs == []
    await context.close()
    await console.close()
