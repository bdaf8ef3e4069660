"""The smallest whole evening in a real browser: a phone taps Eens, the projector counts it."""

from __future__ import annotations

import pytest

from ..support.clients import Moderator, create_event

pytestmark = pytest.mark.browser


async def test_tap_agree_and_the_projector_shows_one_vote(server, browser):
    """Open the audience page, tap Eens: the phone confirms and the projector page shows one vote."""
    event = await create_event(server.url)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")

    screen_context = await browser.new_context(viewport={"width": 1280, "height": 720})
    screen = await screen_context.new_page()
    await screen.goto(f"{server.url}/screen/{code}")
    await screen.get_by_text("Stelling een").wait_for()

    phone_context = await browser.new_context(viewport={"width": 360, "height": 640}, has_touch=True, is_mobile=True)
    phone = await phone_context.new_page()
    await phone.goto(f"{server.url}/e/{code}")
    await phone.get_by_text("Stelling een").wait_for()
    await phone.get_by_role("button", name="Eens", exact=True).tap()
    await phone.get_by_text("Uw stem is ontvangen").wait_for()

    await moderator.wait_latest("tally", lambda m: m["counts"] == {"agree": 1, "disagree": 0, "neutral": 0})
    await screen.locator("[data-testid=voters]").filter(has_text="1").wait_for()

    for context in (screen_context, phone_context):
        await context.close()
    await moderator.close()
