"""The projector read from the back row (issue 16, item 1): at 1920×1080 and 1280×720, with the longest
proposition the app accepts and revealed results split by perspective, the type is large enough, every bar
is labelled, nothing overlaps or is cut off, and the join panel shrinks to a corner and grows back."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from live.definition import MAX_PROPOSITION

from ..support.clients import PERSPECTIVES, Moderator, Phone, create_event
from .pages import Console, open_page

pytestmark = pytest.mark.browser

_WORDS = ("Gemeenten moeten samen met cliënten, professionals en onderzoekers een vaste werkplaats inrichten "
          "waar elk nieuw beleid in de wijk eerst wordt beproefd, met de uitkomsten openbaar, ook als die "
          "ongemakkelijk zijn voor de wethouder, de raad of de zorgaanbieders die het geld ontvangen. ")
# The longest proposition the app accepts, in real Dutch words (long words wrap worse than short ones).
LONGEST = (_WORDS * 4)[:MAX_PROPOSITION].rstrip()[:-1] + "?"

# Font sizes as a fraction of the viewport's height: the proposition, and the names and shares of the split.
SIZES = """() => {
    const vh = innerHeight;
    const size = (node) => parseFloat(getComputedStyle(node).fontSize) / vh;
    const all = (selector) => Array.from(document.querySelectorAll(selector)).filter((n) => n.getClientRects().length);
    return {
        proposition: size(document.getElementById('prop-text')),
        names: all('#split-list .split-name').map(size),
        shares: all('#split-list .seg').filter((n) => n.textContent).map(size),
        bars: all('.bars-projector .bar-label, .bars-projector .bar-pct').map(size),
    };
}"""

# Every piece of text or bar on the stage and the join panel: inside the screen, not cut off by a box
# that clips (its own or an ancestor's), and not on top of any other piece.
LAYOUT = """(selectors) => {
    const boxes = [];
    for (const selector of selectors) {
        for (const node of document.querySelectorAll(selector)) {
            if (!node.getClientRects().length || getComputedStyle(node).visibility === 'hidden') continue;
            boxes.push({name: selector + ' ' + (node.textContent || '').trim().slice(0, 30), node,
                        box: node.getBoundingClientRect()});
        }
    }
    const problems = [];
    for (const {name, node, box} of boxes) {
        if (box.left < -0.5 || box.top < -0.5 || box.right > innerWidth + 0.5 || box.bottom > innerHeight + 0.5)
            problems.push('outside the screen: ' + name);
        const own = getComputedStyle(node);
        const clips = own.overflowX !== 'visible' || own.overflowY !== 'visible';
        if (clips && (node.scrollWidth > node.clientWidth + 1 || node.scrollHeight > node.clientHeight + 1))
            problems.push('cut off: ' + name + ` (${node.scrollWidth}x${node.scrollHeight} in ${node.clientWidth}x${node.clientHeight})`);
        for (let up = node.parentElement; up; up = up.parentElement) {
            const style = getComputedStyle(up);
            if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
            const clip = up.getBoundingClientRect();
            if (box.top < clip.top - 0.5 || box.bottom > clip.bottom + 0.5 || box.left < clip.left - 0.5
                || box.right > clip.right + 0.5) problems.push('clipped by ' + up.className + ': ' + name);
        }
    }
    for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i], b = boxes[j];
            if (a.node.contains(b.node) || b.node.contains(a.node)) continue;
            const apart = a.box.right <= b.box.left + 0.5 || b.box.right <= a.box.left + 0.5
                || a.box.bottom <= b.box.top + 0.5 || b.box.bottom <= a.box.top + 0.5;
            if (!apart) problems.push('overlap: ' + a.name + ' / ' + b.name);
        }
    }
    return problems;
}"""
PIECES = ["#prop-label", "#prop-text", "#phase-text", "#vote-count", ".bars-projector .bar-label",
          ".bars-projector .bar-track", ".bars-projector .bar-value", "#marker", "#equal-weight",
          "#split-list .split-name", "#split-list .split-bar", "#split-list .seg", "#split-list .split-voters", "#split-list .split-none",
          ".join-panel .qr", ".join-panel .join-text", ".join-panel .join-code", ".projector-title"]

HALL = [("Gemeente", "agree"), ("Gemeente", "agree"), ("Gemeente", "disagree"), ("Professional", "disagree"),
        ("Professional", "disagree"), ("Professional", "neutral"), ("Anders", "agree"), ("Anders", "neutral"),
        ("Burger / cliënt", "agree"), ("Burger / cliënt", "agree"), ("Burger / cliënt", "disagree"),
        ("Burger / cliënt", "agree"), ("Burger / cliënt", "neutral")]  # 60 / 20 / 20: narrow segments too


async def panel(page) -> str:
    return await page.locator("#projector").get_attribute("data-join-panel")


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
async def test_results_are_legible_from_the_back_row_with_the_longest_proposition(server, browser, size):
    """With the longest proposition and revealed results per perspective, the proposition is at least 5 % of
    the screen's height, names, shares and bar labels at least 3.5 %, each bar names its choice, nothing
    overlaps or is cut off; the join panel is full size while voting is open, a corner once the results are
    up, and follows the moderator's join_panel command (full, corner, auto)."""
    assert len(LONGEST) == MAX_PROPOSITION
    event = await create_event(server.url, propositions=(LONGEST, "Twee"), perspectives=PERSPECTIVES, min_group=2,
                               title="Jubileumdebat Werkplaatsen Sociaal Domein: zitten we nog op de juiste koers?")
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    phones = []
    for perspective, choice in HALL:
        phone = await Phone(server.ws_url, code).connect()
        assert (await phone.request({"type": "perspective", "value": perspective}))["type"] == "ack"
        assert (await phone.vote("p1", choice))["type"] == "ack"
        phones.append(phone)
    width, height = size
    context, page, dialogs = await open_page(browser, f"{server.url}/projector/{code}", size)
    try:
        await expect(page.get_by_test_id("voters")).to_have_text("13 stemmen")
        assert await panel(page) == "full"  # latecomers still need the QR code while voting is open
        full_qr = (await page.locator(".join-panel .qr").bounding_box())["height"]
        assert full_qr >= 0.3 * height
        assert await page.evaluate(LAYOUT, PIECES) == []

        await moderator.command("close")
        await moderator.command("reveal")
        await expect(page.get_by_test_id("marker")).to_have_text("Verdeeld")
        await expect(page.locator("#split-list .split-row")).to_have_count(4)
        await expect(page.locator("#projector")).to_have_attribute("data-join-panel", "corner")
        await page.evaluate("document.fonts.ready")
        await page.wait_for_function("() => document.getAnimations().filter(a => a.playState === 'running'"
                                     " && a.effect.getComputedTiming().endTime !== Infinity).length === 0")
        sizes = await page.evaluate(SIZES)
        assert sizes["proposition"] >= 0.05, sizes
        assert len(sizes["names"]) == 4 and min(sizes["names"]) >= 0.035, sizes
        assert sizes["shares"] and min(sizes["shares"]) >= 0.035, sizes
        assert len(sizes["bars"]) == 6 and min(sizes["bars"]) >= 0.035, sizes
        # each bar names its choice; the split's segments have a pattern as well as a colour
        assert await page.locator("[data-result] .bar-label").all_text_contents() == ["Eens", "Oneens", "Neutraal"]
        assert await page.evaluate(LAYOUT, PIECES) == []
        corner_qr = (await page.locator(".join-panel .qr").bounding_box())["height"]
        assert corner_qr <= 0.2 * height and corner_qr >= 0.1 * height  # small, still scannable up close

        await moderator.command("join_panel", size="full")
        await expect(page.locator("#projector")).to_have_attribute("data-join-panel", "full")
        await page.wait_for_function("h => document.querySelector('.join-panel .qr').getBoundingClientRect().height > h",
                                     arg=0.3 * height)
        assert await page.evaluate(LAYOUT, PIECES) == []
        await moderator.command("join_panel", size="auto")
        await expect(page.locator("#projector")).to_have_attribute("data-join-panel", "corner")
        await moderator.command("join_panel", size="corner")
        await moderator.command("hide")
        await expect(page.locator("#results")).to_be_hidden()
        assert await panel(page) == "corner"  # the moderator's choice holds while results are hidden
        assert dialogs == []
    finally:
        await context.close()
        for phone in phones:
            await phone.close()
        await moderator.close()


async def test_console_switches_the_join_panel(server, browser):
    """The console's "QR-code op het scherm" buttons make the projector's panel large, small or automatic again,
    and show which one is chosen."""
    event = await create_event(server.url)
    console = await Console.open(browser, event)
    context, page, _ = await open_page(browser, f"{server.url}/projector/{event['code']}", (1280, 720))
    try:
        group = console.page.get_by_role("group", name="QR-code op het scherm")
        await expect(group.get_by_role("button", name="Automatisch")).to_have_attribute("aria-pressed", "true")
        await expect(page.locator("#projector")).to_have_attribute("data-join-panel", "full")
        await group.get_by_role("button", name="Klein, in de hoek").click()
        await expect(page.locator("#projector")).to_have_attribute("data-join-panel", "corner")
        await expect(group.get_by_role("button", name="Klein, in de hoek")).to_have_attribute("aria-pressed", "true")
        await group.get_by_role("button", name="Automatisch").click()
        await expect(page.locator("#projector")).to_have_attribute("data-join-panel", "full")  # the lobby: large
    finally:
        await context.close()
        await console.close()
