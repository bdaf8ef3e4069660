"""The printable results report in a real browser: the figures of two rounds, the split by
perspective with its small-group guard, and an A4 PDF with one page per proposition."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import expect

from ..support.clients import PERSPECTIVES, Moderator, Phone, create_event
from ..support.servers import ADMIN_PASSWORD

pytestmark = pytest.mark.browser

PDF_PAGE = re.compile(rb"/Type\s*/Page[^s]")


async def phones_with(ws_url: str, code: str, perspective: str, count: int) -> list[Phone]:
    phones = []
    for _ in range(count):
        phone = await Phone(ws_url, code).connect()
        assert (await phone.request({"type": "perspective", "value": perspective}))["type"] == "ack"
        phones.append(phone)
    return phones


async def vote_all(phones, proposition: str, choices) -> None:
    for phone, choice in zip(phones, choices, strict=True):
        reply = await phone.vote(proposition, choice)
        assert reply["type"] == "ack", reply


async def open_report(browser, event: dict):
    """The report as the signed-in moderator sees it (signed in through the moderator link)."""
    context = await browser.new_context(viewport={"width": 1100, "height": 900})
    page = await context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await page.goto(event["urls"]["moderator"])
    await page.goto(event["urls"]["moderator"].split("/moderate/")[0] + f"/results/{event['code']}")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    return context, page, dialogs


def pdf_pages(pdf: bytes) -> int:
    assert pdf.startswith(b"%PDF")
    return len(PDF_PAGE.findall(pdf))


async def test_report_shows_two_rounds_by_perspective_and_prints_a_page_per_proposition(server, browser):
    """After two rounds on the first proposition, a show of hands on the second and an approved question,
    the report shows both rounds, the shift, who moved, the withheld small group, the manual count and
    the question; its A4 PDF has a page per proposition plus one for the questions."""
    event = await create_event(server.url, title="Rapportdebat", perspectives=PERSPECTIVES, min_group=3)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    gemeente = await phones_with(server.ws_url, code, "Gemeente", 4)
    professionals = await phones_with(server.ws_url, code, "Professional", 3)
    anders = await phones_with(server.ws_url, code, "Anders", 1)  # fewer than min_group: withheld
    everyone = gemeente + professionals + anders

    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    await vote_all(everyone, "p1", ["agree"] * 4 + ["disagree"] * 3 + ["agree"])  # 5 agree, 3 disagree
    await moderator.command("close")
    await moderator.command("open", round=2)
    await vote_all(everyone, "p1", ["agree", "agree", "disagree", "disagree"] + ["disagree"] * 3 + ["disagree"])
    await moderator.command("close")
    await moderator.command("goto", proposition="p2")
    await moderator.command("open")
    await vote_all(gemeente[:2], "p2", ["neutral", "agree"])
    await moderator.command("hand_count", proposition="p2", round=1,
                            counts={"agree": 10, "disagree": 4, "neutral": 0}, perspective=None)
    await moderator.command("close")
    asked = await gemeente[0].ask("Wie betaalt de wijkverpleging?", "Anna")
    await moderator.command("question", question=asked["question"], action="approve")

    context, page, dialogs = await open_report(browser, event)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Rapportdebat")
    first = page.locator("section[data-proposition=p1]")
    await expect(first.locator(".report-prop")).to_have_text("Stelling een")
    result = first.locator("table.report-bars")
    await expect(result.get_by_role("columnheader", name="Ronde 1")).to_be_visible()
    await expect(result.get_by_role("columnheader", name="Ronde 2")).to_be_visible()
    agree = result.locator("tr[data-choice=agree]")
    await expect(agree.locator("[data-round='1'][data-count]")).to_have_text("5")
    await expect(agree.locator("[data-round='1'][data-pct]")).to_have_text("63%")  # 5 of 8, rounded half up
    await expect(agree.locator("[data-round='2'][data-count]")).to_have_text("2")
    await expect(agree.locator("[data-round='2'][data-pct]")).to_have_text("25%")
    await expect(result.locator("[data-round='2'][data-voters]")).to_have_text("8")
    await expect(first.locator(".report-shift")).to_contain_text("−37,5")  # 25 % − 62.5 %, in points

    split = first.locator("table.report-split")
    await expect(split.get_by_role("row", name=re.compile("^Gemeente"))).to_contain_text("100%")
    await expect(split.get_by_role("row", name=re.compile("^Anders"))).to_contain_text("te weinig stemmen")
    moved = first.locator("table.report-transitions")
    await expect(moved.get_by_role("row", name=re.compile("^Eens")).locator("td")).to_have_text(["2", "3", "0"])
    await expect(moved.get_by_role("row", name=re.compile("^Oneens")).locator("td")).to_have_text(["0", "3", "0"])

    second = page.locator("section[data-proposition=p2]")
    await expect(second.locator("tr[data-choice=agree] [data-count]")).to_have_text("11")  # 1 phone + 10 hands
    await expect(second.locator("[data-voters]")).to_have_text("16")
    await expect(second.locator(".hand-count-mark")).to_contain_text("Eens 10")
    await expect(second.locator("table.report-transitions")).to_have_count(0)  # no round 2 there

    questions = page.locator(".report-questions")
    await expect(questions.get_by_text("Wie betaalt de wijkverpleging?")).to_be_visible()
    await expect(questions).to_contain_text("Anna")

    await expect(page.get_by_role("button", name="Afdrukken")).to_be_visible()
    href = await page.get_by_role("link", name="Uitslag als CSV").get_attribute("href")
    csv = await page.request.get(server.url + href)
    assert csv.ok and "Stelling een" in await csv.text()

    assert pdf_pages(await page.pdf(format="A4")) == 3  # two propositions + the questions
    assert dialogs == []
    for client in (moderator, *everyone):
        await client.close()
    await context.close()


async def test_report_without_questions_prints_exactly_one_page_per_proposition(server, browser):
    """Three propositions, one with votes and none with questions: the PDF has exactly three A4 pages,
    and a proposition nobody voted on shows zero voters."""
    event = await create_event(server.url, propositions=("Eerste stelling", "Tweede stelling", "Derde stelling " * 30))
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    phone = await Phone(server.ws_url, code).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    assert (await phone.vote("p1", "disagree"))["type"] == "ack"

    context, page, dialogs = await open_report(browser, event)
    await expect(page.locator("section.report-page")).to_have_count(3)
    await expect(page.locator("section[data-proposition=p1] tr[data-choice=disagree] [data-pct]")).to_have_text("100%")
    await expect(page.locator("section[data-proposition=p2] [data-voters]")).to_have_text("0")
    await expect(page.locator(".report-questions")).to_have_count(0)
    assert pdf_pages(await page.pdf(format="A4")) == 3
    assert dialogs == []

    await phone.close()
    await moderator.close()
    await context.close()


async def test_organiser_signs_in_opens_a_report_and_deletes_after_confirming(server, browser):
    """On /events the organiser signs in with the admin password, sees the debate with its links,
    opens its report, and deletes it only after the second, confirming button."""
    event = await create_event(server.url, title="Op te ruimen debat")
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{server.url}/events")
    await page.get_by_label("Beheerderswachtwoord").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="Inloggen").click()
    row = page.get_by_role("row").filter(has_text="Op te ruimen debat")
    await expect(row).to_be_visible()
    await expect(row.get_by_role("link", name="Modereren")).to_have_attribute("href", f"/moderate/{event['code']}")

    await row.get_by_role("link", name="Uitslag").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Op te ruimen debat")
    await page.go_back()

    confirm = row.get_by_role("button", name=f"Ja, verwijder {event['code']}")
    await expect(confirm).to_be_hidden()  # step one only opens the confirmation
    await row.get_by_text("Verwijderen…").click()
    await confirm.click()
    await expect(page.get_by_role("row").filter(has_text="Op te ruimen debat")).to_have_count(0)
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get(f"/api/events/{event['code']}/results")).status_code == 404
    await context.close()
