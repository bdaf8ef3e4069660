"""Linking a proposition by hand from the console (issue 15): the moderator types the code of an
earlier debate, picks the same stelling (re-worded) from its list, and the projector can then show
its trend; unlinking takes it back. Buttons only: the console's shortcuts still mean the debate."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from ..support.clients import Screen, create_event
from ..support.servers import ADMIN_PASSWORD
from .pages import Console

pytestmark = pytest.mark.browser
ORGANISER = {"Authorization": f"Bearer {ADMIN_PASSWORD}"}


async def history_of(server, code: str) -> list[str]:
    async with httpx.AsyncClient(base_url=server.url) as http:
        found = (await http.get(f"/api/events/{code}/results", headers=ORGANISER)).json()
    return [point["code"] for point in found["propositions"][0]["history"]]


async def test_a_moderator_links_a_proposition_to_an_earlier_debate(server, browser):
    earlier = await create_event(server.url, propositions=("Zitten we op koers?", "Iets anders"))
    event = await create_event(server.url, propositions=("Zijn we nog op koers?", "Twee"))
    screen = await Screen(server.ws_url, event["code"]).connect()
    console = await Console.open(browser, event)
    page = console.page
    row = page.locator("#prop-list li").nth(0)
    tool = row.get_by_role("button", name="Koppelen aan dezelfde stelling bij een eerder debat")
    await expect(tool).to_have_attribute("aria-pressed", "false")

    await tool.click()
    code = row.get_by_role("textbox", name="Code van het eerdere debat")
    await expect(code).to_be_focused()
    await code.fill("zzzzzz")
    await row.get_by_role("button", name="Toon de stellingen").click()
    await expect(row.get_by_role("status")).to_have_text("Geen debat of archief met deze code op deze server.")

    await code.fill(earlier["code"].lower())
    await code.press("Enter")
    choices = row.get_by_role("group", name="Dezelfde stelling bij het eerdere debat").get_by_role("button")
    await expect(choices).to_have_text(["1. Zitten we op koers?", "2. Iets anders"])
    await choices.nth(0).click()

    linked = page.locator("#prop-list li").nth(0).get_by_role(
        "button", name="Gekoppeld aan een eerder debat: wijzigen of ontkoppelen")
    await expect(linked).to_have_attribute("aria-pressed", "true")
    assert await history_of(server, event["code"]) == [earlier["code"], event["code"]]

    # the keys still mean the debate: → shows the first proposition on the projector
    await page.keyboard.press("ArrowRight")
    await screen.wait_latest("state", lambda m: m["proposition"] and m["proposition"]["id"] == "p1")

    await linked.click()
    await page.locator("#prop-list li").nth(0).get_by_role("button", name="Ontkoppelen").click()
    await expect(page.locator("#prop-list li").nth(0).get_by_role(
        "button", name="Koppelen aan dezelfde stelling bij een eerder debat")).to_have_attribute("aria-pressed", "false")
    assert await history_of(server, event["code"]) == []
    assert console.dialogs == []
    await screen.close()
    await console.context.close()
