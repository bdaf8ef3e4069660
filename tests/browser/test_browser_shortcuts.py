"""The console's shortcuts always mean the debate: whatever control was clicked last, each key
does exactly what the legend says (checked on the projector's socket) and nothing else changes;
only a text field keeps its keys while the moderator types, and Escape leaves it."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from ..support.clients import PERSPECTIVES, Moderator, Phone, Screen, create_event
from .pages import Console

pytestmark = pytest.mark.browser

IDS = ["p1", "p2", "p3"]
KEYS = ["Space", "r", "q", "ArrowRight", "ArrowLeft", "PageDown", "PageUp"]
UPPER = {"r": "R", "q": "Q"}  # every other control gets the capitals
FIELDS = ("phase", "revealed", "round", "screen", "deadline", "auto_close")

# Every control of the console: (selector, how it gets focus). "click" really clicks it (so it
# also does what it does), "focus" only focuses it (links that open windows, logging out, the
# selects whose pop-up would take the keys), "type" is a text field: clicked, then left with Escape.
CONTROLS = [
    ("[data-command=prev]", "click"), ("[data-command=next]", "click"),
    ("[data-command=open]", "click"), ("[data-command=close]", "click"),
    ("[data-command=reveal]", "click"), ("[data-command=hide]", "click"),
    ("[data-command=round2]", "click"),  # asks first; the test answers Cancel
    ("[data-screen=questions]", "click"), ("[data-screen=proposition]", "click"),
    ("#cd-seconds", "type"), ("#cd-close", "click"), ("#cd-start", "click"), ("#cd-stop", "click"),
    ("#set-premoderation", "click"), ("#wall-balanced", "click"), ("#wall-votes", "click"),
    ("[data-tab=visible]", "click"), ("[data-tab=waiting]", "click"),
    ("#q-sort", "focus"), ("#q-from", "focus"), ("#q-to", "focus"),
    ("#hand-agree", "type"), ("#hand-group", "focus"), ("#hand-submit", "focus"),
    ("#prop-list .prop-item >> nth=0", "click"), ("#waiting-badge", "click"),
    (".mod-links a >> nth=0", "focus"), ("#logout-form button", "focus"), ("#logout-all-form button", "focus"),
    ("#rotate-form button", "focus"), ("#add-text", "type"), ("#add-after", "click"), ("#add-submit", "focus"),
    ("#prop-list [data-tool=up] >> nth=1", "focus"), ("#prop-list [data-tool=edit] >> nth=0", "focus"),
    ("#prop-list [data-tool=remove] >> nth=0", "focus"),
]


def view(state: dict) -> dict:
    return {"proposition": state["proposition"]["id"] if state["proposition"] else None,
            **{name: state.get(name) for name in FIELDS}}


def expected(key: str, before: dict) -> dict | None:
    """What the projector must show after `key`, from what it showed before (None: no change
    is possible, e.g. → on the last proposition)."""
    after = dict(before)
    at = IDS.index(before["proposition"])
    if key in ("ArrowRight", "PageDown", "ArrowLeft", "PageUp"):
        step = 1 if key in ("ArrowRight", "PageDown") else -1
        if not 0 <= at + step < len(IDS):
            return None
        return {"proposition": IDS[at + step]}  # its own status; a countdown stays behind
    if key == "Space":
        if before["phase"] == "open":
            after.update(phase="closed", deadline=None, auto_close=False)
        else:
            after["phase"] = "open"
    elif key in ("r", "R"):
        after["revealed"] = not before["revealed"]
    else:
        after["screen"] = "questions" if before["screen"] == "proposition" else "proposition"
    return after


def matches(state: dict, want: dict) -> bool:
    return all(view(state)[name] == value for name, value in want.items())


async def console_settings(page) -> tuple:
    return tuple(await page.evaluate("""() => [document.getElementById('set-premoderation').checked,
        (document.querySelector('#wall-order input:checked') || {}).value || null]"""))


async def shown(page, screen) -> dict:
    """What the projector shows once it shows what the console shows."""
    dom = await page.evaluate("""() => ({
        proposition: (document.querySelector('#prop-list [aria-current]') || {dataset: {}}).dataset.id || null,
        phase: document.getElementById('cur-phase').dataset.phase,
        revealed: document.getElementById('cur-revealed').dataset.revealed === 'true',
        screen: document.querySelector('[data-screen][aria-pressed=true]').dataset.screen})""")
    state = await screen.wait_latest("state", lambda m: matches(m, dom))
    return view(state)


async def settled(page):
    await expect(page.locator("#cmd-status")).to_have_text("")


# A console may send 20 commands a second (burst 40): the controls are split over three
# consoles, so that the test, not the rate limit, decides the pace.
PARTS = 3


@pytest.mark.parametrize("part", range(PARTS))
async def test_every_control_then_every_shortcut_acts_on_the_debate(server, browser, part):
    event = await create_event(server.url, propositions=("Stelling een", "Stelling twee", "Stelling drie"),
                               perspectives=PERSPECTIVES, min_group=1, premoderation=True)
    code = event["code"]
    screen = await Screen(server.ws_url, code).connect()
    phone = await Phone(server.ws_url, code).connect()
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    console = await Console.open(browser, event, width=1366, height=768)
    console.answer = False  # round 2 asks first: Cancel
    page = console.page
    await phone.wait_latest("questions", lambda m: m["premoderation"] is True)
    LOG = []
    page.on("console", lambda m: LOG.append(m.text))
    await page.evaluate("""document.addEventListener('keydown', (e) => console.log('kd', e.key, e.target.id, document.activeElement.id, document.getElementById('cmd-status').textContent), true)""")

    for number, (selector, how) in enumerate(CONTROLS[part::PARTS]):
        # start every control in the middle, so that both directions can move
        await moderator.command("goto", proposition="p2")
        control = page.locator(selector)
        if how == "click":
            if await control.get_attribute("aria-disabled") == "true":  # Playwright clicks only enabled ones
                await control.focus()
                await control.dispatch_event("click")  # it does nothing
            else:
                await control.click()
        else:
            await control.focus()
        if how == "type":
            await page.keyboard.press("Escape")
        await settled(page)
        settings = await console_settings(page)  # a click on a setting changes it: that is the click's
        await phone.wait_latest("questions", lambda m: (m["premoderation"], m.get("wall")) == settings)
        for key in KEYS:
            key = UPPER.get(key, key) if number % 2 else key
            await control.focus()  # the control has the focus again for every key
            if how == "type":
                await page.keyboard.press("Escape")
            before = await shown(page, screen)
            count = len(screen.messages)
            await page.keyboard.press(key)
            want = expected(key, before)
            if want is not None:
                try:
                    await screen.wait_for(lambda m: m["type"] == "state" and matches(m, want), start=count)
                except TimeoutError:
                    raise AssertionError((selector, key, before, want, [view(m) for m in screen.messages[count:]
                                                                        if m["type"] == "state"], LOG[-5:]))
            await settled(page)
            state = screen.latest("state")
            if want is None:
                assert view(state) == before, (selector, key)
            else:
                assert matches(state, want), (selector, key, before, view(state))
            assert await page.evaluate("document.activeElement === document.body"), (selector, key)
            assert all("ronde 2" in d.lower() for d in console.dialogs), (selector, key, console.dialogs)
        assert await console_settings(page) == settings, selector
        latest = phone.latest("questions")
        assert (latest["premoderation"], latest.get("wall")) == settings, selector

    # no shortcut saved a show of hands, anywhere
    async with httpx.AsyncClient(base_url=server.url) as http:
        results = (await http.get(f"/api/events/{code}/results")).json()
    assert all(not p["rounds"]["1"].get("manual") for p in results["propositions"])
    assert all("ronde 2" in d.lower() for d in console.dialogs), console.dialogs
    for client in (screen, phone, moderator):
        await client.close()
    await console.close()


async def test_a_text_field_keeps_its_keys_until_escape(server, browser):
    """While typing in the countdown's seconds, → and Space are the field's; Escape leaves it
    and the next key is the debate's."""
    event = await create_event(server.url)
    screen = await Screen(server.ws_url, event["code"]).connect()
    console = await Console.open(browser, event)
    page = console.page
    await page.keyboard.press("ArrowRight")
    await screen.wait_latest("state", lambda m: m["proposition"] and m["proposition"]["id"] == "p1")

    seconds = page.get_by_label("Seconden")
    await seconds.fill("")
    await page.keyboard.type("45 ")
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("r")
    await expect(seconds).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(seconds).not_to_be_focused()
    await page.keyboard.press("Space")
    state = await screen.wait_latest("state", lambda m: m["phase"] == "open")
    assert state["proposition"]["id"] == "p1" and state["revealed"] is False  # → and r were typed
    await screen.close()
    await console.close()


async def test_space_after_saving_hands_then_next_saves_nothing_again(server, browser):
    """The evening of the issue: "Handopsteken opslaan" clicked, then Space and →: voting opens and
    the next proposition is shown; the show of hands stays on the first proposition only."""
    event = await create_event(server.url, propositions=("Een", "Twee", "Drie"))
    screen = await Screen(server.ws_url, event["code"]).connect()
    console = await Console.open(browser, event)
    page = console.page
    await page.keyboard.press("ArrowRight")
    await screen.wait_latest("state", lambda m: m["proposition"] and m["proposition"]["id"] == "p1")
    # The console's own state too: a new proposition empties the form, so type only once it aims at p1.
    await expect(page.locator("#hand-target")).to_have_text("Voor stelling 1, ronde 1.")
    hand = page.locator("#hand-form")
    await hand.get_by_label("Eens", exact=True).fill("10")
    await hand.get_by_role("button", name="Handopsteken opslaan").click()
    await expect(page.locator("#hand-status")).to_have_text("Opgeslagen ✓")
    await page.keyboard.press("Space")
    await screen.wait_latest("state", lambda m: m["phase"] == "open")
    await page.keyboard.press("ArrowRight")
    await screen.wait_latest("state", lambda m: m["proposition"]["id"] == "p2")
    await settled(page)
    async with httpx.AsyncClient(base_url=server.url) as http:
        results = (await http.get(f"/api/events/{event['code']}/results")).json()
    voters = [p["voters"] for p in results["propositions"]]
    assert voters == [10, 0, 0]
    await screen.close()
    await console.close()
