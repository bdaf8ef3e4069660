"""The console on a 1366x768 laptop and on a 360x740 phone: while the moderator works in the
questions and hand-count panels, the current proposition, its phase and round and the primary
controls stay in view; on the phone the rest is folded."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from ..support.clients import PERSPECTIVES, Phone, create_event
from .pages import WORDS_ON_ONE_LINE, Console

pytestmark = pytest.mark.browser

PRIMARY = ["#cur-label", "#cur-text", "#cur-phase", "#cur-round", "[data-command=prev]", "[data-command=next]",
           "[data-command=open]", "[data-command=close]", "[data-command=reveal]", "[data-command=hide]"]


async def visible_and_uncovered(page, selector: str) -> bool:
    return await page.eval_on_selector(selector, """(node) => {
        const box = node.getBoundingClientRect();
        if (box.width === 0 || box.bottom <= 0 || box.top >= innerHeight) return false;
        const x = box.left + Math.min(box.width / 2, 20), y = box.top + box.height / 2;
        const top = document.elementFromPoint(x, y);
        return !!top && (top === node || node.contains(top));
    }""")


async def test_primary_controls_stay_in_view_at_1366x768(server, browser):
    event = await create_event(server.url, perspectives=PERSPECTIVES, min_group=1, premoderation=True)
    phones = [await Phone(server.ws_url, event["code"]).connect() for _ in range(3)]
    for index in range(9):
        await phones[index % 3].ask(f"Vraag nummer {index + 1}: hoe houden we de koers vast als het budget krimpt?")
    console = await Console.open(browser, event, width=1366, height=768)
    page = console.page
    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#cur-text")).to_have_text("Stelling een")
    await expect(page.locator("#q-list > li")).to_have_count(9)

    for panel in ("#q-list > li >> nth=8", "#hand-submit", "#hand-saved-none", "#countdown-form"):
        await page.locator(panel).scroll_into_view_if_needed()
        for selector in PRIMARY:
            assert await visible_and_uncovered(page, selector), (panel, selector)
    await page.get_by_role("button", name="Stemmen openen").click()
    await expect(page.locator("#cur-phase")).to_have_text("Stemmen open")
    for phone in phones:
        await phone.close()
    await console.close()


REMOTE_PROPOSITIONS = (
    "Het perspectief van burgers is voldoende in beeld bij de ontwikkeling van gemeentelijk beleid.",
    "Ervaringsdeskundigheid hoort bij elke jeugdzorgorganisatie aan tafel.",
    "Gemeenten moeten praktijkonderzoek vaker als kritische vriend gebruiken.",
    "We zitten in het sociaal domein nog op de juiste koers.",
)


async def in_viewport(page, selector: str) -> bool:
    return await page.eval_on_selector(selector, """(node) => {
        const box = node.getBoundingClientRect();
        return box.width > 0 && box.top >= 0 && box.bottom <= innerHeight;
    }""")


async def test_a_360_phone_console_is_a_remote(server, browser):
    """At 360x740, working in the questions panel, the current proposition with its phase and
    round and the primary controls are at the top, whole and uncovered; the rest is folded and
    unfolds with a tap; no word of the proposition list is broken inside."""
    event = await create_event(server.url, propositions=REMOTE_PROPOSITIONS, perspectives=PERSPECTIVES, min_group=1)
    phones = [await Phone(server.ws_url, event["code"]).connect() for _ in range(3)]
    for index in range(9):
        await phones[index % 3].ask(f"Vraag nummer {index + 1}: hoe houden we de koers vast als het budget krimpt?")
    remote = await Console.open(browser, event, width=360, height=740, is_mobile=True, has_touch=True)
    page = remote.page
    await page.get_by_role("button", name="Volgende").tap()
    await expect(page.locator("#cur-text")).to_have_text(REMOTE_PROPOSITIONS[0])
    await expect(page.locator("#q-list > li")).to_have_count(9)

    # folded: the countdown, the hand counts, the list's tools, the links; a tap unfolds one
    for folded in ("#countdown-form", "#hand-form", "#add-form", "#rotate-form", "[data-command=round2]"):
        await expect(page.locator(folded)).to_be_hidden()
    for panel in ("#q-list > li >> nth=0", "#q-list > li >> nth=8"):
        await page.locator(panel).scroll_into_view_if_needed()
        for selector in PRIMARY:
            assert await visible_and_uncovered(page, selector) and await in_viewport(page, selector), (panel, selector)
    await page.get_by_role("button", name="Stemmen openen").tap()
    await expect(page.locator("#cur-phase")).to_have_text("Stemmen open")

    await page.locator("summary", has_text="Aftellen").tap()
    await expect(page.locator("#countdown-form")).to_be_visible()

    # the proposition list: no word broken inside, and no style that would allow it
    await page.locator("summary", has_text="Stellingen").tap()
    await page.locator("#prop-list").scroll_into_view_if_needed()
    await expect(page.locator("#prop-list .prop-item-text")).to_have_count(len(REMOTE_PROPOSITIONS))
    assert await page.evaluate(WORDS_ON_ONE_LINE, "#prop-list .prop-item-text") == []
    styles = await page.eval_on_selector_all("#prop-list .prop-item-text", "(nodes) => nodes.map((n) => "
                                             "[getComputedStyle(n).wordBreak, getComputedStyle(n).overflowWrap])")
    assert all(word == "normal" and wrap != "anywhere" for word, wrap in styles), styles
    # the measure does see a broken word: the same list with break-all in a narrow column
    await page.eval_on_selector_all("#prop-list .prop-item-text", "(nodes) => nodes.forEach((n) => "
                                    "Object.assign(n.style, {wordBreak: 'break-all', width: '90px'}))")
    assert await page.evaluate(WORDS_ON_ONE_LINE, "#prop-list .prop-item-text") != []
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    for phone in phones:
        await phone.close()
    await remote.close()
