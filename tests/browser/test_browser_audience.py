"""The phone page in a real browser: questions from the floor, hostile text, perspectives."""

from __future__ import annotations

import asyncio

import pytest

from ..support.clients import PERSPECTIVES, Moderator, Phone, create_event
from .pages import XSS, open_page

pytestmark = pytest.mark.browser

PHONE = (360, 640)


def question(page, text: str):
    """The list item of the question with exactly this text."""
    return page.locator("#q-list > li").filter(has=page.locator(".q-text").get_by_text(text, exact=True))


async def test_question_is_asked_approved_and_upvoted(server, browser):
    """A question typed on one phone waits for approval, appears on another phone once approved,
    and an upvote there shows 1 on both phones."""
    event = await create_event(server.url, premoderation=True)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()

    asker_context, asker, asker_dialogs = await open_page(browser, f"{server.url}/e/{code}", PHONE, mobile=True)
    await asker.get_by_role("tab", name="Vragen").tap()
    text = "Hoe verdelen we de rollen tussen gemeente en zorgaanbieders?"
    await asker.get_by_label("Uw vraag").fill(text)
    await asker.get_by_text(f"{len(text)}/280").wait_for()
    await asker.get_by_label("Uw naam").fill("Anna")
    await asker.get_by_role("button", name="Vraag versturen").tap()
    await asker.get_by_text("Verstuurd. Uw vraag verschijnt zodra de moderator hem heeft goedgekeurd.").wait_for()
    mine = question(asker, text)
    await mine.get_by_text("Wacht op goedkeuring").wait_for()
    assert await asker.get_by_label("Uw vraag").input_value() == ""

    waiting = await moderator.wait_latest("questions", lambda m: any(i["text"] == text for i in m["items"]))
    item = next(i for i in waiting["items"] if i["text"] == text)
    assert item["status"] == "waiting" and item["name"] == "Anna"
    await moderator.command("question", question=item["id"], action="approve")
    await mine.get_by_text("Wacht op goedkeuring").wait_for(state="detached")

    other_context, other, other_dialogs = await open_page(browser, f"{server.url}/e/{code}", PHONE, mobile=True)
    await other.get_by_role("tab", name="Vragen").tap()
    listed = question(other, text)
    await listed.wait_for()
    assert await listed.locator(".q-name").text_content() == "Anna"
    upvote = listed.get_by_role("button", name="Steun deze vraag")
    assert await upvote.get_attribute("aria-pressed") == "false"
    await upvote.tap()
    await listed.locator(".q-votes").filter(has_text="1").wait_for()
    assert await upvote.get_attribute("aria-pressed") == "true"
    await mine.locator(".q-votes").filter(has_text="1").wait_for()  # the asker sees the upvote too

    assert asker_dialogs == other_dialogs == []
    for context in (asker_context, other_context):
        await context.close()
    await moderator.close()


async def test_hostile_questions_and_names_show_as_literal_text(server, browser):
    """Markup, script URLs and template syntax in questions and names (typed in the form and sent by
    other phones) appear on the phone exactly as typed, and nothing runs."""
    event = await create_event(server.url, premoderation=False)
    code = event["code"]
    page_context, page, dialogs = await open_page(browser, f"{server.url}/e/{code}", PHONE, mobile=True)
    await page.get_by_role("tab", name="Vragen").tap()

    # The first payload through the form itself; the others from phones over the WebSocket
    # (three questions a minute per participant).
    await page.get_by_label("Uw vraag").fill(XSS[0])
    await page.get_by_label("Uw naam").fill(XSS[1])
    await page.get_by_role("button", name="Vraag versturen").tap()
    await page.get_by_text("Verstuurd. Uw vraag staat in de lijst.").wait_for()
    phones = [await Phone(server.ws_url, code).connect() for _ in range(2)]
    for index, payload in enumerate(XSS[1:], start=1):
        reply = await phones[index % 2].ask(payload, XSS[(index + 1) % len(XSS)])
        assert reply["type"] == "ack", reply

    for index, payload in enumerate(XSS):
        row = question(page, payload)
        await row.wait_for()
        assert await row.locator(".q-text").text_content() == payload
        assert await row.locator(".q-name").text_content() == XSS[(index + 1) % len(XSS)]
    assert await page.locator("#q-list").locator("script, img, svg, a").count() == 0
    assert dialogs == []

    for phone in phones:
        await phone.close()
    await page_context.close()


async def test_perspective_prompt_choice_counts_in_its_group(server, browser):
    """On joining, the phone asks for a perspective; the chosen one is stored with the participant, so the
    moderator's split counts the phone's vote in that group and a question "to" another perspective carries both."""
    event = await create_event(server.url, title="Perspectievendebat", perspectives=PERSPECTIVES, min_group=1)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")

    context, page, dialogs = await open_page(browser, f"{server.url}/e/{code}", PHONE, mobile=True)
    prompt = page.get_by_role("region", name="Vanuit welk perspectief stemt u?")
    await prompt.wait_for()
    await prompt.get_by_role("button", name="Gemeente").tap()
    await prompt.wait_for(state="hidden")
    await page.get_by_role("button", name="Uw perspectief: Gemeente").wait_for()

    await page.get_by_role("button", name="Eens", exact=True).tap()
    await page.get_by_text("Uw stem is ontvangen").wait_for()
    tally = await moderator.wait_latest(
        "tally", lambda m: (m.get("by_perspective") or {}).get("Gemeente") is not None
        and m["by_perspective"]["Gemeente"]["counts"]["agree"] == 1)
    assert tally["by_perspective"]["Professional"] is None  # nobody voted there: withheld

    # A question addressed to a perspective carries it; the moderator also learns the asker's.
    await page.get_by_role("tab", name="Vragen").tap()
    await page.get_by_label("Uw vraag").fill("Wat kost dit de gemeente?")
    await page.get_by_label("Vraag aan…").select_option("Professional")
    await page.get_by_role("button", name="Vraag versturen").tap()
    await question(page, "Wat kost dit de gemeente?").get_by_text("Aan: Professional").wait_for()
    asked = await moderator.wait_latest("questions", lambda m: any(i["text"] == "Wat kost dit de gemeente?"
                                                                   for i in m["items"]))
    item = next(i for i in asked["items"] if i["text"] == "Wat kost dit de gemeente?")
    assert (item["to"], item["perspective"]) == ("Professional", "Gemeente")

    # The server remembers it: no prompt after a reload, the chosen perspective still shown.
    await page.reload()
    await page.get_by_role("button", name="Uw perspectief: Gemeente").wait_for()
    assert not await prompt.is_visible()

    # Withdrawing it: change → "Geen perspectief opgeven".
    await page.get_by_role("button", name="Uw perspectief: Gemeente").tap()
    await prompt.get_by_role("button", name="Geen perspectief opgeven").tap()
    await page.get_by_role("button", name="Uw perspectief: Geen perspectief").wait_for()

    assert dialogs == []
    await context.close()
    await moderator.close()


async def test_skipping_the_perspective_prompt_is_remembered(server, browser):
    """"Sla over" hides the prompt for good on this phone: after a reload it does not come back."""
    event = await create_event(server.url, title="Perspectievendebat", perspectives=PERSPECTIVES, min_group=1)
    code = event["code"]
    context, page, _ = await open_page(browser, f"{server.url}/e/{code}", PHONE, mobile=True)
    prompt = page.get_by_role("region", name="Vanuit welk perspectief stemt u?")
    await prompt.get_by_role("button", name="Sla over").tap()
    await prompt.wait_for(state="hidden")
    await page.reload()
    await page.get_by_role("button", name="Uw perspectief: Geen perspectief").wait_for()
    assert not await prompt.is_visible()
    await context.close()


async def test_questions_tab_module_loads_when_the_tab_first_opens(server, browser):
    """The phone page does not fetch the questions tab's module (audience-questions.js) until
    the tab opens (the page's weight, docs/performance.md); what came in before is shown then:
    the questions in the server's order and the participant's own upvote (from the snapshot
    after a reload, while the tab was closed)."""
    event = await create_event(server.url, premoderation=False)
    code = event["code"]
    asker = await Phone(server.ws_url, code).connect()
    await asker.ask("Eerste vraag")
    await asker.ask("Tweede vraag")

    context, page, dialogs = await open_page(browser, f"{server.url}/e/{code}", PHONE, mobile=True)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    await page.get_by_role("tab", name="Vragen").tap()
    await question(page, "Eerste vraag").get_by_role("button", name="Steun deze vraag").tap()
    await question(page, "Eerste vraag").locator(".q-votes").filter(has_text="1").wait_for()
    await page.get_by_role("tab", name="Stemmen").tap()

    fetched.clear()
    await page.reload()
    await page.locator("#connecting").wait_for(state="hidden")
    await asker.ask("Derde vraag")  # arrives while the tab is closed
    await page.wait_for_timeout(500)
    assert not [url for url in fetched if url.endswith("/audience-questions.js")]
    assert await page.locator("#q-list > li").count() == 0

    await page.get_by_role("tab", name="Vragen").tap()
    texts = page.locator("#q-list .q-text")
    await texts.nth(2).wait_for()
    assert [t.strip() for t in await texts.all_text_contents()] == ["Eerste vraag", "Derde vraag", "Tweede vraag"]
    upvote = question(page, "Eerste vraag").get_by_role("button", name="Steun deze vraag")
    assert await upvote.get_attribute("aria-pressed") == "true"
    assert await page.locator("#q-empty").is_hidden()
    assert [url for url in fetched if url.endswith("/audience-questions.js")]
    assert dialogs == []
    await context.close()
    await asker.close()


async def test_question_sent_before_the_tabs_module_arrives_is_sent_once_it_does(server, browser):
    """On a slow line the questions tab can be used before its module has arrived: a question
    sent and a sort tapped in that moment take effect once it is there (no page reload)."""
    event = await create_event(server.url, premoderation=False)
    code = event["code"]
    context, page, dialogs = await open_page(browser, f"{server.url}/e/{code}", PHONE, mobile=True)
    await page.locator("#connecting").wait_for(state="hidden")

    async def slow(route):
        await asyncio.sleep(1.5)
        await route.continue_()

    await page.route("**/audience-questions.js", slow)
    await page.get_by_role("tab", name="Vragen").tap()
    await page.get_by_label("Uw vraag").fill("Vroege vraag")
    await page.get_by_role("button", name="Vraag versturen").tap()
    await page.get_by_role("button", name="Nieuwste").tap()
    await question(page, "Vroege vraag").wait_for()
    await page.get_by_text("Verstuurd. Uw vraag staat in de lijst.").wait_for()
    assert await page.get_by_role("button", name="Nieuwste").get_attribute("aria-pressed") == "true"
    assert page.url == f"{server.url}/e/{code}"
    assert dialogs == []
    await context.close()
