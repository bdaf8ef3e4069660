"""One order of questions everywhere: the phone, the projector's wall and the moderator's console
list questions with equal votes as the server does (more votes first, then the newer question)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from ..support.clients import Moderator, Phone, Screen, create_event

pytestmark = pytest.mark.browser

TEXTS = ["Vraag een", "Vraag twee", "Vraag drie", "Vraag vier"]


async def texts_of(locator, count: int) -> list[str]:
    await expect(locator).to_have_count(count)
    return [text.strip() for text in await locator.all_text_contents()]


async def test_equal_votes_are_listed_in_the_servers_order_on_every_page(server, browser):
    event = await create_event(server.url, premoderation=False)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    projector = await Screen(server.ws_url, code).connect()
    askers = [await Phone(server.ws_url, code).connect() for _ in range(2)]
    ids = [(await askers[index // 2].ask(text))["question"] for index, text in enumerate(TEXTS)]
    # one vote each for the first and the third question, none for the others: two ties
    await askers[1].upvote(ids[0])
    await askers[0].upvote(ids[2])

    wall = await projector.wait_latest(
        "questions", lambda m: [item["votes"] for item in m["items"]] == [1, 1, 0, 0])
    server_order = [item["text"] for item in wall["items"]]
    assert server_order == [TEXTS[2], TEXTS[0], TEXTS[3], TEXTS[1]]  # on equal votes, the newer first

    phone_context = await browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    phone = await phone_context.new_page()
    await phone.goto(f"{server.url}/e/{code}")
    await phone.get_by_role("tab", name="Vragen").click()
    assert await texts_of(phone.locator("#q-list .q-text"), len(TEXTS)) == server_order

    screen_context = await browser.new_context(viewport={"width": 1920, "height": 1080})
    screen = await screen_context.new_page()
    await screen.goto(f"{server.url}/screen/{code}")
    await screen.get_by_text("Wachten op de eerste stelling").wait_for()
    await moderator.command("screen", show="questions")
    assert await texts_of(screen.get_by_test_id("wall").locator(".wall-text"), len(TEXTS)) == server_order

    console_context = await browser.new_context(viewport={"width": 1280, "height": 900})
    console = await console_context.new_page()
    await console.goto(event["urls"]["moderator"])
    await expect(console.locator("#conn-status")).to_have_text("Verbonden")
    await expect(console.locator("#q-sort")).to_have_value("votes")
    await console.locator("[data-tab=visible]").click()
    assert await texts_of(console.locator("#q-list .mq-text"), len(TEXTS)) == server_order

    for context in (phone_context, screen_context, console_context):
        await context.close()
    for client in (moderator, projector, *askers):
        await client.close()
