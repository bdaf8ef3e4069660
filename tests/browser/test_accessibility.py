"""Every view passes axe-core with no serious or critical violations, in both languages."""

from __future__ import annotations

import pytest
from axe_playwright_python.async_playwright import Axe

from ..support.clients import Moderator, Phone, create_event

pytestmark = pytest.mark.browser

AXE = Axe()  # axe-core, as shipped inside the axe-playwright-python package


async def violations(page) -> list[dict]:
    # Judge what a person sees once things have settled, not a fade-in halfway through.
    await page.evaluate("""Promise.all(document.getAnimations()
        .filter(a => a.effect && a.effect.getTiming().iterations !== Infinity)
        .map(a => a.finished.catch(() => null)))""")
    result = (await AXE.run(page, options={"resultTypes": ["violations"]})).response
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


async def test_every_view_has_no_serious_accessibility_violations(server, browser):
    """Join, phone (lobby, open, revealed), projector (also the venue slide), moderator console, sign-in,
    new event, results, events, the livestream overlays."""
    event = await create_event(server.url)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    voter = await Phone(server.ws_url, code).connect()
    # axe is evaluated in the page through the DevTools protocol, which the pages' CSP does not govern.
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    found = {}

    async def check(name: str, url: str, ready: str | None = None):
        await page.goto(url)
        if ready:
            await page.get_by_text(ready).first.wait_for()
        found[name] = await violations(page)

    for language in ("nl", "en"):
        await check(f"join-{language}", f"{server.url}/?lang={language}")
        await check(f"phone-lobby-{language}", f"{server.url}/e/{code}?lang={language}")
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    await check("phone-open", f"{server.url}/e/{code}?lang=nl", "Stelling een")
    await check("projector-open", f"{server.url}/screen/{code}", "Stelling een")
    await voter.vote("p1", "agree")
    await moderator.command("close")
    await moderator.command("reveal")
    await check("phone-revealed", f"{server.url}/e/{code}", "Stelling een")
    await check("projector-revealed", f"{server.url}/screen/{code}", "Stelling een")
    await check("sign-in", f"{server.url}/moderate/{code}")
    await page.goto(event["urls"]["moderator"])
    await page.get_by_text("Stelling een").first.wait_for()
    found["console"] = await violations(page)
    await check("results", f"{server.url}/results/{code}", "Stelling een")
    await check("overlay", f"{server.url}/overlay/{code}", "Stelling een")
    await check("overlay-lower-third", f"{server.url}/overlay/{code}/lower-third", "Stelling een")
    await check("overlay-join", f"{server.url}/overlay/{code}/join")
    await moderator.command("screen", show="join")
    await check("projector-venue", f"{server.url}/projector/{code}", code)
    await check("new-event", f"{server.url}/new")
    await check("events", f"{server.url}/events")
    await context.close()
    for client in (moderator, voter):
        await client.close()
    assert {name: v for name, v in found.items() if v} == {}
