"""Colour is never the only signal (issue 16, item 2): the projector's bars, photographed in Chromium, stay
clearly apart for a person with deuteranopia (and protanopia), in the dark and the light theme; every bar
names its choice and disagree and neutral carry a pattern."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from ..support.clients import Moderator, Phone, create_event
from .colour import DEUTERANOPIA, PROTANOPIA, delta_e, hex_rgb, main_colour, read_png, simulate
from .pages import open_page

pytestmark = pytest.mark.browser

# ΔE*ab (CIE76) of at least 40 between agree and disagree as simulated: far beyond "just noticeable" (about
# 2.3) and beyond "clearly another colour" (about 10), also on a washed-out projector. docs/accessibility.md
THRESHOLD = 40
# The green and red of before this issue, for the record: 7.4 apart under deuteranopia (they fail).
OLD_DARK = ("#45c267", "#ff6f64")


async def test_projector_bars_stay_apart_with_deuteranopia(server, browser):
    """Screenshot the revealed bars, take each bar's own colour from the pixels, simulate deuteranopia and
    protanopia (Machado 2009) and require ΔE ≥ 40 between agree and disagree, in both themes; the old
    green/red pair fails the same check."""
    event = await create_event(server.url, allow_neutral=True)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    phones = [await Phone(server.ws_url, code).connect() for _ in range(6)]
    for phone, choice in zip(phones, ["agree", "agree", "disagree", "disagree", "disagree", "neutral"]):
        assert (await phone.vote("p1", choice))["type"] == "ack"
    await moderator.command("close")
    await moderator.command("reveal")
    context, page, _ = await open_page(browser, f"{server.url}/projector/{code}", (1920, 1080))
    measured = {}
    try:
        for theme in ("dark", "light"):
            if theme == "light":
                await page.keyboard.press("t")
            await expect(page.locator("body")).to_have_class("page-projector" + (" theme-light" if theme == "light" else ""))
            await expect(page.locator("[data-result=disagree] .bar-pct")).to_have_text("50%")
            await page.wait_for_function("() => document.getAnimations().filter(a => a.playState === 'running'"
                                         " && a.effect.getComputedTiming().endTime !== Infinity).length === 0")
            shot = read_png(await page.screenshot())
            colours = {}
            for choice in ("agree", "disagree", "neutral"):
                box = await page.locator(f"[data-result={choice}] .bar-fill").bounding_box()
                colours[choice] = main_colour(shot, box)
            for matrix in (DEUTERANOPIA, PROTANOPIA):
                seen = {choice: simulate(rgb, matrix) for choice, rgb in colours.items()}
                measured[theme, matrix is DEUTERANOPIA] = round(delta_e(seen["agree"], seen["disagree"]), 1)
                assert delta_e(seen["agree"], seen["disagree"]) >= THRESHOLD, (theme, colours)
                # neutral is told apart from both by its pattern and label; its colour differs too
                assert min(delta_e(seen["neutral"], seen[c]) for c in ("agree", "disagree")) >= 15, (theme, colours)
            # the bars name their choice in text; disagree and neutral carry a pattern, not only a colour
            assert await page.locator("[data-result] .bar-label").all_text_contents() == ["Eens", "Oneens", "Neutraal"]
            patterns = await page.evaluate("""() => ['agree', 'disagree', 'neutral'].map((c) =>
                getComputedStyle(document.querySelector(`[data-result=${c}] .bar-fill`)).backgroundImage)""")
            assert patterns[0] == "none" and "gradient" in patterns[1] and "gradient" in patterns[2]
            assert patterns[1] != patterns[2]
        old = [simulate(hex_rgb(c)) for c in OLD_DARK]
        assert delta_e(*old) < 10  # the check tells a bad pair from a good one
        print("ΔE agree/disagree (theme, deuteranopia?):", measured)
    finally:
        await context.close()
        for phone in phones:
            await phone.close()
        await moderator.close()
