"""Figures the hall can trust (issue 12) on the projector: sealed turnout while results are hidden."""

from __future__ import annotations

import pytest

from ..support.clients import PERSPECTIVES, Moderator, Phone, create_event
from .pages import open_page

pytestmark = pytest.mark.browser


async def test_projector_shows_sealed_turnout_per_perspective_never_the_split(server, browser):
    """While results are hidden the projector shows how many voted per perspective (a group under the minimum
    not at all), never the split; once revealed the split replaces it."""
    event = await create_event(server.url, perspectives=PERSPECTIVES, min_group=2)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    phones = []
    for perspective, choice in [("Gemeente", "agree"), ("Gemeente", "agree"), ("Professional", "disagree"),
                                ("Professional", "disagree"), ("Professional", "agree"), ("Anders", "agree"),
                                ("Burger / cliënt", "disagree")]:
        phone = await Phone(server.ws_url, code).connect()
        await phone.request({"type": "perspective", "value": perspective})
        assert (await phone.vote("p1", choice))["type"] == "ack"
        phones.append(phone)

    context, screen, dialogs = await open_page(browser, f"{server.url}/projector/{code}", (1280, 720))
    turnout = screen.get_by_test_id("turnout")
    await turnout.filter(has_text="Professional 3 · Gemeente 2").wait_for()
    assert await turnout.text_content() == "Professional 3 · Gemeente 2"  # Anders and Burger: under the minimum
    assert not await screen.get_by_test_id("split").is_visible()
    assert not await screen.locator("#results").is_visible()

    await moderator.command("close")
    await moderator.command("reveal")
    await screen.get_by_test_id("split").locator(".split-row").first.wait_for()
    assert not await turnout.is_visible()
    assert dialogs == []
    await context.close()
    for client in (moderator, *phones):
        await client.close()
