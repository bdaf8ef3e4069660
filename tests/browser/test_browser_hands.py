"""Hand counts in the console: the form says what it counts for, is empty on another
proposition, and the saved counts are listed, corrected and cleared."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from ..support.clients import PERSPECTIVES, Screen, create_event
from .pages import Console

pytestmark = pytest.mark.browser


async def voters(server, code: str) -> list[int]:
    async with httpx.AsyncClient(base_url=server.url) as http:
        results = (await http.get(f"/api/events/{code}/results")).json()
    return [p["voters"] for p in results["propositions"]]


async def test_hand_counts_say_what_they_count_and_can_be_corrected_and_cleared(server, browser):
    event = await create_event(server.url, propositions=("Een", "Twee", "Drie"), perspectives=PERSPECTIVES,
                               min_group=1)
    code = event["code"]
    screen = await Screen(server.ws_url, code).connect()
    console = await Console.open(browser, event)
    page = console.page
    form = page.locator("#hand-form")
    meaning = page.locator("#hand-meaning")
    saved = page.locator("#hand-saved > li")
    await page.keyboard.press("ArrowRight")
    await screen.wait_latest("state", lambda m: m["proposition"] and m["proposition"]["id"] == "p1")
    await expect(page.locator("#hand-target")).to_have_text("Voor stelling 1, ronde 1.")

    await expect(meaning).to_contain_text("hele zaal")
    await form.get_by_label("Groep").select_option("Gemeente")
    await expect(meaning).to_contain_text("Alleen voor het perspectief Gemeente")
    await form.get_by_label("Groep").select_option("")
    await expect(meaning).to_contain_text("hele zaal")
    await expect(page.locator("#hand-saved-none")).to_be_visible()

    await form.get_by_label("Eens", exact=True).fill("7")
    await form.get_by_label("Oneens", exact=True).fill("2")
    await form.get_by_role("button", name="Handopsteken opslaan").click()
    await expect(page.locator("#hand-status")).to_have_text("Opgeslagen ✓")
    await expect(saved).to_have_count(1)
    await expect(saved.first).to_contain_text("Stelling 1, ronde 1 · hele zaal")
    await expect(page.locator("#hand-saved-none")).to_be_hidden()
    assert await voters(server, code) == [9, 0, 0]

    # another proposition: an empty form for it; the saved count stays listed
    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#hand-target")).to_have_text("Voor stelling 2, ronde 1.")
    for label in ("Eens", "Oneens", "Neutraal"):
        await expect(form.get_by_label(label, exact=True)).to_have_value("")
    await expect(page.locator("#hand-status")).to_have_text("")
    await expect(saved).to_have_count(1)

    # correct it: back in the form, for proposition 1
    await saved.first.get_by_role("button", name="Corrigeren").click()
    await expect(page.locator("#hand-target")).to_have_text("Voor stelling 1, ronde 1.")
    await expect(form.get_by_label("Eens", exact=True)).to_have_value("7")
    await form.get_by_label("Eens", exact=True).fill("8")
    await form.get_by_role("button", name="Handopsteken opslaan").click()
    await expect(saved.first).to_contain_text("8")
    assert await voters(server, code) == [10, 0, 0]

    # clear it, after confirming
    await saved.first.get_by_role("button", name="Wissen").click()
    await expect(saved).to_have_count(0)
    await expect(page.locator("#hand-saved-none")).to_be_visible()
    assert await voters(server, code) == [0, 0, 0]
    assert len(console.dialogs) == 1 and "wissen" in console.dialogs[0].lower()
    state = screen.latest("state")
    assert state["proposition"]["id"] == "p2" and state["phase"] == "waiting"  # no shortcut took part
    await screen.close()
    await console.close()


async def test_the_form_says_which_kind_is_saved_and_refuses_the_other(server, browser):
    """With the whole hall saved for this round, the form says so; saving for a perspective
    is refused with the reason next to the button and the figures stay as they were."""
    event = await create_event(server.url, propositions=("Een", "Twee"), perspectives=PERSPECTIVES, min_group=1)
    code = event["code"]
    console = await Console.open(browser, event)
    page = console.page
    form = page.locator("#hand-form")
    mode = page.locator("#hand-mode")
    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#hand-target")).to_have_text("Voor stelling 1, ronde 1.")
    await expect(mode).to_be_hidden()
    await form.get_by_label("Eens", exact=True).fill("5")
    await form.get_by_role("button", name="Handopsteken opslaan").click()
    await expect(mode).to_have_text("Opgeslagen voor deze ronde: de hele zaal. Wis dat eerst om per perspectief te tellen.")

    await form.get_by_label("Groep").select_option("Gemeente")
    await form.get_by_label("Eens", exact=True).fill("3")
    await form.get_by_role("button", name="Handopsteken opslaan").click()
    await expect(page.locator("#hand-status")).to_contain_text("wis dat eerst, zodat niemand dubbel wordt geteld")
    assert await voters(server, code) == [5, 0]

    # cleared: the form no longer warns, and the perspective is saved
    await page.locator("#hand-saved > li").first.get_by_role("button", name="Wissen").click()
    await expect(mode).to_be_hidden()
    await form.get_by_label("Groep").select_option("Gemeente")
    await form.get_by_label("Eens", exact=True).fill("3")
    await form.get_by_role("button", name="Handopsteken opslaan").click()
    await expect(mode).to_have_text("Opgeslagen voor deze ronde: per perspectief (Gemeente). "
                                    "Wis die eerst om de hele zaal te tellen.")
    assert await voters(server, code) == [3, 0]
    await page.keyboard.press("ArrowRight")  # another proposition: nothing saved for it
    await expect(page.locator("#hand-target")).to_have_text("Voor stelling 2, ronde 1.")
    await expect(mode).to_be_hidden()
    await console.close()
