"""Layout in Chromium: a small phone, text at 200 %, reduced motion, numbers per language, and the
language a participant chose."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from ..support.clients import PERSPECTIVES, Moderator, Phone, create_event

pytestmark = pytest.mark.browser

LONG = ("Gemeenten moeten praktijkonderzoek vaker als kritische vriend gebruiken, ook als de uitkomsten "
        "ongemakkelijk zijn voor het eigen beleid en de wethouder.")
PHONE = {"viewport": {"width": 360, "height": 640}, "has_touch": True, "is_mobile": True}

# Visible buttons (and links styled as buttons) that are smaller than 48 x 48 CSS pixels.
SMALL_BUTTONS = """() => Array.from(document.querySelectorAll('button, [role=button], [role=tab], a.btn'))
    .filter((node) => node.getClientRects().length > 0 && getComputedStyle(node).visibility !== 'hidden')
    .map((node) => ({text: node.textContent.trim().replace(/\\s+/g, ' '), box: node.getBoundingClientRect()}))
    .filter(({box}) => box.width < 47.5 || box.height < 47.5)
    .map(({text, box}) => `${text}: ${Math.round(box.width)}x${Math.round(box.height)}`)"""
# Does the page scroll sideways? If so, which elements stick out (for the failure message).
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return null;
    const clipped = (node) => { for (let up = node.parentElement; up; up = up.parentElement) {
        if (getComputedStyle(up).overflowX !== 'visible') return true; } return false; };
    const out = Array.from(document.querySelectorAll('body *'))
        .filter((node) => node.getClientRects().length > 0 && !clipped(node))
        .filter((node) => node.getBoundingClientRect().right > width + 0.5)
        .map((node) => node.tagName.toLowerCase() + (node.id ? '#' + node.id : '') + '.' + node.className);
    return {scrollWidth: document.documentElement.scrollWidth, width, out: out.slice(0, 8)};
}"""


def create_with_perspectives(base_url: str, propositions=(LONG, "Stelling twee")):
    return create_event(base_url, propositions, perspectives=PERSPECTIVES, min_group=1, premoderation=False,
                        title="Jubileumdebat Werkplaatsen Sociaal Domein: zitten we nog op de juiste koers?")


# The start of the proposition is not hidden under the vote buttons pinned to the bottom.
PROPOSITION_SHOWS = """() => {
    const text = document.getElementById('prop-text');
    if (!text || !text.getClientRects().length) return true;
    window.scrollTo(0, 0);
    const box = text.getBoundingClientRect();
    const line = parseFloat(getComputedStyle(text).lineHeight);
    for (const y of [box.top + line / 2, box.top + line * 1.5]) {
        const hit = document.elementFromPoint(box.left + 4, Math.min(y, box.bottom - 2));
        if (!hit || !text.contains(hit)) return false;
    }
    return true;
}"""


async def check_phone_layout(page, state: str, problems: dict) -> None:
    overflow = await page.evaluate(OVERFLOW)
    small = await page.evaluate(SMALL_BUTTONS)
    counted = await page.evaluate("document.querySelectorAll('button, [role=tab], a.btn').length")
    assert counted >= 2, state  # the check above really looked at buttons
    if overflow:
        problems[f"{state}: horizontal overflow"] = overflow
    if small:
        problems[f"{state}: buttons under 48 px"] = small
    if not await page.evaluate(PROPOSITION_SHOWS):
        problems[f"{state}: the proposition is hidden under the vote buttons"] = True


async def test_every_phone_state_fits_a_small_phone_with_big_enough_buttons(server, browser):
    """At 360x640 the phone page never scrolls sideways, every button is at least 48 x 48 px and the pinned
    vote buttons leave the proposition readable: the perspective prompt, the lobby, an open long proposition,
    revealed results with the split, the questions tab; in Dutch and in English."""
    event = await create_with_perspectives(server.url)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    voters = []
    for perspective, choice in [("Gemeente", "agree"), ("Professional", "disagree"), ("Anders", "neutral")]:
        voter = await Phone(server.ws_url, code).connect()
        await voter.request({"type": "perspective", "value": perspective})
        voters.append((voter, choice))
    asker = voters[0][0]
    for text, name in [("Wie betaalt de rekening als het misgaat in de wijk?", "Annemarie van den Berg-Oosterhout"),
                       ("Waarom?", None), ("Hoe_lang_duurt_een_indicatie_nog_voordat_iemand_hulp_krijgt?", "Bo")]:
        assert (await asker.ask(text, name))["type"] == "ack"

    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    problems: dict = {}
    await page.goto(f"{server.url}/e/{code}")
    prompt = page.get_by_role("region", name="Vanuit welk perspectief stemt u?")
    await expect(prompt).to_be_visible()
    await check_phone_layout(page, "perspective prompt", problems)
    await prompt.get_by_role("button", name="Burger / cliënt").tap()
    await expect(prompt).to_be_hidden()
    await expect(page.get_by_text("Wachten op de eerste stelling")).to_be_visible()
    await check_phone_layout(page, "lobby", problems)

    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    await expect(page.locator("#prop-text")).to_have_text(LONG)
    await check_phone_layout(page, "open", problems)
    await page.get_by_role("button", name="Neutraal", exact=True).tap()
    await expect(page.locator("#status")).to_have_text("Uw stem is ontvangen ✓")
    await check_phone_layout(page, "voted", problems)

    for voter, choice in voters:
        assert (await voter.vote("p1", choice))["type"] == "ack"
    await moderator.command("close")
    await moderator.command("reveal")
    await expect(page.locator("#split-list .split-row").first).to_be_visible()
    await check_phone_layout(page, "revealed", problems)

    await page.get_by_role("tab", name="Vragen").tap()
    await expect(page.locator("#q-list > li")).to_have_count(3)
    await check_phone_layout(page, "questions", problems)
    await context.close()

    # English labels are longer ("Disagree"): the same checks, voting open on the next proposition
    await moderator.command("goto", proposition="p2")
    await moderator.command("open")
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await page.goto(f"{server.url}/e/{code}?lang=en")
    await page.get_by_role("button", name="Skip").tap()
    await expect(page.locator("#status")).to_have_text("Tap your choice.")
    await check_phone_layout(page, "open, English", problems)
    await page.get_by_role("tab", name="Questions").tap()
    await check_phone_layout(page, "questions, English", problems)

    assert problems == {}
    await context.close()
    for voter, _ in voters:
        await voter.close()
    await moderator.close()


async def zoom_text(page) -> None:
    """Text at 200 %, as a browser's text-size setting does (the test sets it, not the page)."""
    await page.evaluate("document.documentElement.style.fontSize = '200%'")


async def test_text_at_200_percent_still_fits(server, browser):
    """With text at 200 % nothing scrolls sideways on the phone page (360 and 720 wide, open and revealed)
    or in the console (laptop and phone), the vote buttons no longer hide the proposition, and every vote
    button stays whole: inside the screen, its label not clipped, nothing on top of it."""
    event = await create_with_perspectives(server.url)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    problems: dict = {}

    for width in (360, 720):
        context = await browser.new_context(**{**PHONE, "viewport": {"width": width, "height": 640}})
        page = await context.new_page()
        await page.goto(f"{server.url}/e/{code}")
        await page.get_by_role("button", name="Sla over").tap()
        await expect(page.locator("#prop-text")).to_have_text(LONG)
        await zoom_text(page)
        if overflow := await page.evaluate(OVERFLOW):
            problems[f"phone {width}: overflow"] = overflow
        if not await page.evaluate(PROPOSITION_SHOWS):
            problems[f"phone {width}: the proposition is hidden under the vote buttons"] = True
        for label in ("Eens", "Oneens", "Neutraal"):
            button = page.get_by_role("button", name=label, exact=True)
            await button.scroll_into_view_if_needed()
            box = await button.bounding_box()
            fits = await button.evaluate("""(node) => {
                const box = node.getBoundingClientRect();
                const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
                return node.scrollWidth <= node.clientWidth + 1 && node.scrollHeight <= node.clientHeight + 1
                    && !!hit && node.contains(hit);
            }""")
            if not (box["x"] >= 0 and box["x"] + box["width"] <= width and box["height"] <= 640 and fits):
                problems[f"phone {width}: {label}"] = {**box, "label fits": fits}
        await page.get_by_role("button", name="Eens", exact=True).tap()
        await expect(page.locator("#status")).to_have_text("Uw stem is ontvangen ✓")
        await context.close()

    await moderator.command("close")
    await moderator.command("reveal")
    for width in (360, 720):
        context = await browser.new_context(**{**PHONE, "viewport": {"width": width, "height": 640}})
        page = await context.new_page()
        await page.goto(f"{server.url}/e/{code}")
        await expect(page.locator("#results")).to_be_visible()
        await zoom_text(page)
        if overflow := await page.evaluate(OVERFLOW):
            problems[f"phone {width} revealed: overflow"] = overflow
        await page.get_by_role("tab", name="Vragen").tap()
        if overflow := await page.evaluate(OVERFLOW):
            problems[f"phone {width} questions: overflow"] = overflow
        await context.close()

    for width, options in ((1280, {}), (360, PHONE)):
        context = await browser.new_context(**{**options, "viewport": {"width": width, "height": 800}})
        page = await context.new_page()
        await page.goto(event["urls"]["moderator"])
        await expect(page.locator("#cur-text")).to_have_text(LONG)
        await zoom_text(page)
        if overflow := await page.evaluate(OVERFLOW):
            problems[f"console {width}: overflow"] = overflow
        await context.close()

    assert problems == {}
    await moderator.close()


async def test_reduced_motion_means_no_moving_bars(server, browser):
    """With prefers-reduced-motion the projector's bars appear at their size at once: no transition."""
    event = await create_event(server.url)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    voter = await Phone(server.ws_url, code).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    assert (await voter.vote("p1", "agree"))["type"] == "ack"
    await moderator.command("close")

    durations = {}
    for motion in ("no-preference", "reduce"):
        context = await browser.new_context(viewport={"width": 1280, "height": 720}, reduced_motion=motion)
        page = await context.new_page()
        await page.goto(f"{server.url}/screen/{code}")
        await expect(page.get_by_test_id("voters")).to_have_text("1 stem")
        if motion == "no-preference":
            await moderator.command("reveal")
        fill = page.locator("[data-result=agree] .bar-fill")
        await expect(fill).to_be_visible()
        durations[motion] = await fill.evaluate("node => getComputedStyle(node).transitionDuration")
        if motion == "reduce":
            # already at full width: nothing animates towards it
            assert await fill.evaluate("node => document.getAnimations().length") == 0
            track = await page.locator("[data-result=agree] .bar-track").bounding_box()
            assert abs((await fill.bounding_box())["width"] - track["width"]) < 1
        await context.close()
    assert durations["no-preference"] != "0s"  # the bars do grow when motion is welcome
    assert durations["reduce"] == "0s"
    await voter.close()
    await moderator.close()


async def test_numbers_follow_the_language(server, browser):
    """The same revealed result reads "1.214 stemmen" in Dutch and "1,214 votes" in English on the projector,
    and the console's equal-weight shares carry a decimal comma in Dutch and a point in English."""
    event = await create_with_perspectives(server.url, propositions=("Stelling een", "Stelling twee"))
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    # Gemeente: 1 agree (100 %); Professional: 1 agree, 2 disagree (33.3 %) → equal weight 66.7 / 33.3
    phones = []
    for perspective, choice in [("Gemeente", "agree"), ("Professional", "agree"), ("Professional", "disagree"),
                                ("Professional", "disagree")]:
        phone = await Phone(server.ws_url, code).connect()
        await phone.request({"type": "perspective", "value": perspective})
        assert (await phone.vote("p1", choice))["type"] == "ack"
        phones.append(phone)
    await moderator.command("hand_count", proposition="p1", round=1,
                            counts={"agree": 1208, "disagree": 2, "neutral": 0}, perspective=None)
    await moderator.command("close")
    await moderator.command("reveal")

    expected = {"nl": ("1.214 stemmen", "(1.210)", "Eens 66,7%"), "en": ("1,214 votes", "(1,210)", "Agree 66.7%")}
    for language, (voters, agree, equal) in expected.items():
        context = await browser.new_context(viewport={"width": 1280, "height": 720})
        screen = await context.new_page()
        await screen.goto(f"{server.url}/screen/{code}?lang={language}")
        await expect(screen.get_by_test_id("voters")).to_have_text(voters)
        await expect(screen.locator("[data-result=agree] .bar-count")).to_have_text(agree)
        console = await context.new_page()
        await console.goto(event["urls"]["moderator"].replace("?key=", f"?lang={language}&key="))
        await expect(console.locator("#voters")).to_have_text(voters.split()[0])
        await expect(console.locator("#equal-weight")).to_contain_text(equal)
        await context.close()

    for phone in phones:
        await phone.close()
    await moderator.close()


async def test_the_chosen_language_is_remembered(server, browser):
    """Tapping "English" on the start page switches it, and the debate page opened afterwards (without
    ?lang) is in English too, although the debate's own language is Dutch."""
    event = await create_event(server.url)
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await page.goto(server.url + "/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Doe mee met het debat")
    await page.get_by_role("link", name="English").tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Join the debate")
    await expect(page.locator("html")).to_have_attribute("lang", "en")

    await page.goto(f"{server.url}/e/{event['code']}")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_text("Waiting for the first proposition")).to_be_visible()
    await expect(page.get_by_role("tab", name="Questions")).to_be_visible()
    await expect(page.get_by_role("link", name="Nederlands")).to_be_visible()  # and the way back
    await context.close()
