"""Ticketed join on a real phone page (issue 13; docs/test-plan.md E26): entering the code of a
ticket, and a card's QR code that opens the page with the ticket filled in."""

from __future__ import annotations

import httpx
import pytest

from ..support.clients import Moderator, create_event
from ..support.servers import ADMIN_PASSWORD
from .pages import open_page

pytestmark = pytest.mark.browser

PHONE = (360, 640)


async def ticketed(server, count: int = 2):
    event = await create_event(server.url)
    async with httpx.AsyncClient(base_url=server.url) as http:
        made = (await http.post(f"/api/events/{event['code']}/tickets", json={"count": count},
                                headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"})).json()
    moderator = await Moderator(server.ws_url, event["code"], event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    return event, made, moderator


async def test_the_phone_asks_for_a_ticket_and_then_votes(server, browser):
    """Without a ticket the phone shows the ticket field; a wrong code is refused in words, the right one
    (typed in lower case, without dashes) admits the phone, which then votes, and stays admitted after a
    reload."""
    event, made, moderator = await ticketed(server)
    context, phone, dialogs = await open_page(browser, f"{server.url}/e/{event['code']}", PHONE, mobile=True)
    field = phone.get_by_label("Kaartcode")
    await field.wait_for()
    await phone.get_by_text("Alleen houders van een toegangskaart kunnen hier stemmen").wait_for()
    await phone.get_by_role("button", name="Eens", exact=True).tap()
    await phone.get_by_text("vul eerst de code van uw kaart in").first.wait_for()
    await field.fill("AAAA-BBBB-CCCC")
    await phone.get_by_role("button", name="Deze kaart gebruiken").tap()
    await phone.get_by_text("Deze kaartcode klopt niet").wait_for()
    await field.fill(made["tickets"][0].replace("-", "").lower())
    await phone.get_by_role("button", name="Deze kaart gebruiken").tap()
    await field.wait_for(state="hidden")
    await phone.get_by_text("Toegangskaart geaccepteerd").wait_for()
    await phone.get_by_role("button", name="Eens", exact=True).tap()
    await phone.get_by_text("Uw stem is ontvangen").wait_for()
    await moderator.wait_latest("tally", lambda m: m["counts"]["agree"] == 1)
    await phone.reload()
    await phone.get_by_text("Uw stem is ontvangen").wait_for()
    assert not await field.is_visible()
    assert dialogs == []
    await context.close()
    await moderator.close()


async def test_a_card_qr_code_fills_in_the_ticket(server, browser):
    """The address in a card's QR code opens the page with the ticket filled in and sent: the phone is
    admitted at once and the ticket leaves the address bar; the same card on a second phone is refused
    there, with the ticket still in the field to check."""
    event, made, moderator = await ticketed(server)
    url = made["urls"][1]
    assert url.endswith("?ticket=" + made["tickets"][1])
    context, phone, _ = await open_page(browser, url, PHONE, mobile=True)
    await phone.get_by_text("Stelling een").wait_for()
    await phone.get_by_text("Toegangskaart geaccepteerd").wait_for()
    assert "ticket" not in phone.url
    assert not await phone.get_by_label("Kaartcode").is_visible()
    await phone.get_by_role("button", name="Oneens", exact=True).tap()
    await phone.get_by_text("Uw stem is ontvangen").wait_for()
    other_context, other, _ = await open_page(browser, url, PHONE, mobile=True)
    await other.get_by_text("Deze toegangskaart is al op een andere telefoon gebruikt").wait_for()
    assert await other.get_by_label("Kaartcode").input_value() == made["tickets"][1]
    tally = await moderator.wait_latest("tally", lambda m: m["voters"] == 1)
    assert tally["counts"]["disagree"] == 1
    for each in (context, other_context):
        await each.close()
    await moderator.close()


async def test_ticket_views_have_no_serious_accessibility_violations(server, browser):
    """The phone's ticket field (with an error shown) and the organiser's cards page pass axe-core with no serious
    or critical violations, in Dutch and English."""
    from .test_accessibility import violations

    event, made, moderator = await ticketed(server, count=3)
    code = event["code"]
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    found = {}
    for language in ("nl", "en"):
        await page.goto(f"{server.url}/e/{code}?lang={language}")
        await page.locator("#ticket-code").fill("AAAA-BBBB-CCCC")
        await page.locator("#ticket-send").click()
        await page.wait_for_function("document.getElementById('ticket-error').textContent.length > 0")
        found[f"phone-ticket-{language}"] = await violations(page)
    await page.goto(f"{server.url}/events")
    await page.locator("#password").fill(ADMIN_PASSWORD)
    await page.locator("#password").press("Enter")
    await page.wait_for_url(f"{server.url}/events")
    for language in ("nl", "en"):
        await page.goto(f"{server.url}/tickets/{code}?lang={language}")
        await page.locator(".ticket-card").first.wait_for()
        found[f"cards-{language}"] = await violations(page)
    assert {name: v for name, v in found.items() if v} == {}
    await context.close()
    await moderator.close()


async def test_a_phone_already_open_when_the_event_turns_ticketed_gets_the_field(server, browser):
    """A phone that loaded the page before the organiser made tickets: its next vote is refused and the page
    comes back with the ticket field, and a ticket lets it vote."""
    event = await create_event(server.url)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    context, phone, _ = await open_page(browser, f"{server.url}/e/{code}", PHONE, mobile=True)
    await phone.get_by_text("Stelling een").wait_for()
    assert not await phone.locator("#ticket-form").count()
    async with httpx.AsyncClient(base_url=server.url) as http:
        made = (await http.post(f"/api/events/{code}/tickets", json={"count": 1},
                                headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"})).json()
    await phone.get_by_role("button", name="Eens", exact=True).tap()
    field = phone.get_by_label("Kaartcode")
    await field.wait_for()
    await field.fill(made["tickets"][0])
    await phone.get_by_role("button", name="Deze kaart gebruiken").tap()
    await phone.get_by_text("Toegangskaart geaccepteerd").wait_for()
    await phone.get_by_role("button", name="Eens", exact=True).tap()
    await phone.get_by_text("Uw stem is ontvangen").wait_for()
    await moderator.wait_latest("tally", lambda m: m["counts"]["agree"] == 1)
    await context.close()
    await moderator.close()
