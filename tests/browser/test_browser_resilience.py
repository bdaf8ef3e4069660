"""The phone's own script survives the server going away: it shows it, queues the vote, and delivers it once."""

from __future__ import annotations

import httpx
import pytest

from bench.servers import ADMIN_PASSWORD, LiveProcess

from ..support.clients import Moderator, create_event

pytestmark = pytest.mark.browser

ORGANISER = {"Authorization": f"Bearer {ADMIN_PASSWORD}"}  # unrevealed counts are for organisers (issue 12)


async def test_vote_tapped_while_the_server_is_down_is_delivered_once(tmp_path, browser):
    """Stop the server under an open phone page, tap Eens: the phone says it is offline and queues the vote;
    once the server is back on the same address the vote is delivered, counted once, and the phone confirms it."""
    app = await LiveProcess(tmp_path / "data").start()
    port = app.port
    event = await create_event(app.url)
    code, key = event["code"], event["moderator_key"]
    moderator = await Moderator(app.ws_url, code, key).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    await moderator.close()

    context = await browser.new_context(viewport={"width": 360, "height": 640}, has_touch=True, is_mobile=True)
    phone = await context.new_page()
    try:
        await phone.goto(f"{app.url}/e/{code}")
        await phone.get_by_text("Stelling een").wait_for()

        assert await app.stop() == 0
        await phone.get_by_role("button", name="Eens", exact=True).tap()
        await phone.get_by_text("Verbinding verbroken").wait_for()

        app = await LiveProcess(tmp_path / "data").start(port=port)
        await phone.get_by_text("Uw stem is ontvangen").wait_for(timeout=20_000)
        async with httpx.AsyncClient(base_url=app.url, headers=ORGANISER) as http:
            results = (await http.get(f"/api/events/{code}/results")).json()
        assert results["propositions"][0]["counts"] == {"agree": 1, "disagree": 0, "neutral": 0}
        # A reload keeps the same participant and the same vote.
        await phone.reload()
        await phone.locator("button[aria-pressed=true]", has_text="Eens").wait_for()
        async with httpx.AsyncClient(base_url=app.url, headers=ORGANISER) as http:
            results = (await http.get(f"/api/events/{code}/results")).json()
        assert results["propositions"][0]["voters"] == 1
    finally:
        await context.close()
        await app.stop()
