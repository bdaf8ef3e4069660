"""The printable results report in a real browser: the figures of two rounds, the split by
perspective with its small-group guard, and an A4 PDF with one page per proposition."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import expect

from ..support.clients import PERSPECTIVES, Moderator, Phone, create_event
from ..support.servers import ADMIN_PASSWORD
from .pages import WORDS_ON_ONE_LINE

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
    """Three propositions, one opened and none with questions: a page for the opened one and one page
    listing the two that were never put to the vote (issue 11: never a page of empty figures)."""
    event = await create_event(server.url, propositions=("Eerste stelling", "Tweede stelling", "Derde stelling " * 30))
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    phone = await Phone(server.ws_url, code).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    assert (await phone.vote("p1", "disagree"))["type"] == "ack"

    context, page, dialogs = await open_report(browser, event)
    await expect(page.locator("section.report-page")).to_have_count(2)
    await expect(page.locator("section[data-proposition=p1] tr[data-choice=disagree] [data-pct]")).to_have_text("100%")
    unopened = page.locator(".report-unopened-list li")
    await expect(unopened).to_have_count(2)
    await expect(unopened.first).to_contain_text("Stelling 2 van 3: Tweede stelling")
    await expect(page.locator("section[data-proposition=p2]")).to_have_count(0)
    await expect(page.locator(".report-questions")).to_have_count(0)
    assert pdf_pages(await page.pdf(format="A4")) == 2
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



async def test_the_printed_report_is_honest_and_readable(server, browser):
    """The report as printed: a never-opened proposition has no page but is listed as not put to
    the vote; the time is the event's (Europe/Amsterdam by default) and the zone is named; every
    set of percentages adds up to 100; no table header breaks inside a word; every question is
    at least as large as its metadata; hand counts are shown apart from the phones and together."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    names = ["Ervaringsdeskundigen", "Professional", "Gemeente"]
    event = await create_event(server.url, propositions=("Eerste", "Nooit geopend", "Derde"), perspectives=names,
                               min_group=1)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    phones = [p for name in names for p in await phones_with(server.ws_url, code, name, 2)]
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    await vote_all(phones, "p1", ["agree", "disagree", "neutral", "agree", "disagree", "neutral"])
    await moderator.command("hand_count", proposition="p1", round=1, counts={"agree": 1}, perspective=None)
    await moderator.command("close")
    await moderator.command("open", round=2)
    await vote_all(phones, "p1", ["agree", "agree", "disagree", "neutral", "neutral", "neutral"])
    await moderator.command("close")
    await moderator.command("goto", proposition="p3")
    await moderator.command("open")
    await vote_all(phones[:3], "p3", ["agree", "disagree", "neutral"])  # a third each: 34 + 33 + 33
    await moderator.command("close")
    for text in ("Wie betaalt de wijkverpleging als het budget op is?", "Hoe meten we of de koers klopt?"):
        asked = await phones[0].ask(text, "Anna")
        await moderator.command("question", question=asked["question"], action="approve")

    amsterdam = ZoneInfo("Europe/Amsterdam")
    before = datetime.now(amsterdam)
    context, page, dialogs = await open_report(browser, event)
    after = datetime.now(amsterdam)
    await page.set_viewport_size({"width": 720, "height": 1000})  # about an A4 page's width
    await page.emulate_media(media="print")

    # never opened: no page of empty figures, but listed as not put to the vote
    await expect(page.locator("section[data-proposition=p2]")).to_have_count(0)
    await expect(page.locator(".report-unopened-list li[data-proposition=p2]")).to_contain_text(
        "Stelling 2 van 3: Nooit geopend")
    await expect(page.locator("section[data-proposition=p3] h2")).to_have_text("Stelling 3 van 3")

    # the time in the event's zone, and the zone named
    head = await page.locator(".report-head").inner_text()
    assert any(moment.strftime("%H:%M") in head for moment in (before, after)), head
    await expect(page.locator("[data-time-zone]")).to_have_attribute("data-time-zone", "Europe/Amsterdam")
    await expect(page.locator("[data-time-zone]")).to_contain_text("(Europe/Amsterdam)")

    # percentages add up to 100: per round of the result, and per perspective in the split
    for proposition, rounds in (("p1", ("1", "2")), ("p3", ("1",))):
        section = page.locator(f"section[data-proposition={proposition}]")
        for key in rounds:
            cells = await section.locator(f"[data-round='{key}'][data-pct]").all_inner_texts()
            assert sum(int(cell.rstrip("%")) for cell in cells) == 100, (proposition, key, cells)
        for row in await section.locator(".report-split tbody tr").all():
            shares = [int(t.rstrip("%")) for t in await row.locator("td").all_inner_texts() if t.endswith("%")]
            for start in range(0, len(shares), 3):
                assert sum(shares[start:start + 3]) in (100, 0), shares
    assert await page.locator("section[data-proposition=p3] [data-round='1'][data-pct]").all_inner_texts() == [
        "34%", "33%", "33%"]
    await expect(page.locator("section[data-proposition=p1] .report-equal").first).to_contain_text("%")

    # hand counts apart and together
    await expect(page.locator("section[data-proposition=p1] [data-apart]")).to_have_text(
        "Telefoons: 6 · handopsteken: 1 · samen: 7")

    # no table header breaks inside a word, and none may (computed style)
    assert await page.evaluate(WORDS_ON_ONE_LINE, ".report-table th") == []
    styles = await page.eval_on_selector_all(".report-table th", "(cells) => cells.map((c) => [getComputedStyle(c)"
                                             ".wordBreak, getComputedStyle(c).overflowWrap])")
    assert styles and all(word == "normal" and wrap in ("normal", "break-word") for word, wrap in styles), styles

    # questions at least as large as their metadata
    sizes = await page.eval_on_selector_all(".report-questions-list li", """(items) => items.map((li) => [
        parseFloat(getComputedStyle(li.querySelector('.report-question-text')).fontSize),
        parseFloat(getComputedStyle(li.querySelector('.report-question-meta')).fontSize)])""")
    assert len(sizes) == 2 and all(text >= meta for text, meta in sizes), sizes

    # and on paper: a page per opened proposition, one for the never-opened list, one for the questions
    assert pdf_pages(await page.pdf(format="A4")) == 4
    assert dialogs == []
    for client in (moderator, *phones):
        await client.close()
    await context.close()
