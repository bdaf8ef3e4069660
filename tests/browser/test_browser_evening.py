"""The whole evening in Chromium, every role in its own browser context: the organiser creates the
debate through the form, the moderator runs it from the console, twenty phones join by typing the
code and vote by tapping, the projector follows."""

from __future__ import annotations

import asyncio
import re
from collections import Counter

import pytest
from playwright.async_api import expect

from ..support.servers import ADMIN_PASSWORD

from .pages import png

pytestmark = pytest.mark.browser

PHONES = 20
CHOICES = ("agree", "disagree", "neutral")
LABELS = {"agree": "Eens", "disagree": "Oneens", "neutral": "Neutraal"}
# The first tap of each phone, then three phones change their mind while voting is open.
FIRST = ["agree"] * 9 + ["disagree"] * 7 + ["neutral"] * 4
CHANGES = {0: "disagree", 1: "neutral", 9: "neutral"}
ACCENT = "#c0392b"


async def logo_shows(page) -> bool:
    return await page.locator("img.event-logo").evaluate("img => img.complete && img.naturalWidth > 0")


async def accent_of(page) -> str:
    return await page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")


async def join_by_code(browser, url: str, code: str):
    """A phone opens the start page, types the code and taps Deelnemen."""
    context = await browser.new_context(viewport={"width": 360, "height": 640}, has_touch=True, is_mobile=True)
    page = await context.new_page()
    await page.goto(url + "/")
    await page.get_by_label("Code").press_sequentially(code.lower())  # typed as people type: lower case
    await page.get_by_role("button", name="Deelnemen").tap()
    await expect(page).to_have_url(f"{url}/e/{code}")
    await expect(page.get_by_text("Wachten op de eerste stelling")).to_be_visible()
    return context, page


async def tap_vote(page, choice: str) -> None:
    """Tap a choice and wait until the server has acknowledged it (the button stops "sending")."""
    button = page.get_by_role("button", name=LABELS[choice], exact=True)
    await button.tap()
    await expect(button).to_have_attribute("aria-pressed", "true")
    await expect(button).not_to_have_class(re.compile(r"\bis-sending\b"))
    await expect(page.locator("#status")).to_have_text("Uw stem is ontvangen ✓")


async def test_the_whole_evening_with_twenty_phones(server, browser):
    """Organiser → form with colour and logo; moderator → keyboard and buttons; twenty phones join by code,
    vote by tapping, three change their vote; the projector counts 20 while hidden and then shows exactly
    the expected bars; the console's live counts match; proposition 2 reaches the phones."""
    contexts = []

    # --- the organiser creates the debate at /new -------------------------------------------
    organiser_context = await browser.new_context(viewport={"width": 1280, "height": 900})
    contexts.append(organiser_context)
    organiser = await organiser_context.new_page()
    await organiser.goto(server.url + "/new")
    await organiser.get_by_label("Titel").fill("Debatavond in de bibliotheek")
    await organiser.get_by_label("Stellingen").fill("De bibliotheek moet ook op zondag open.\nLezen is een recht.")
    await organiser.get_by_label("Ook “Neutraal” toestaan als antwoord").check()
    await organiser.get_by_label("Eigen kleur gebruiken").check()
    await organiser.get_by_label("Accentkleur").fill(ACCENT)
    await organiser.get_by_label("Logo").set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": png(120, 40, (20, 60, 160))}])
    await organiser.get_by_label("Beheerderswachtwoord").fill(ADMIN_PASSWORD)
    await organiser.get_by_role("button", name="Debat aanmaken").click()
    await expect(organiser.get_by_role("heading", name="Debat aangemaakt")).to_be_visible()
    code = (await organiser.locator(".lead .code").text_content()).strip()
    links = organiser.locator("dl.links")
    audience_url = await links.get_by_role("link").nth(0).get_attribute("href")
    projector_url = await links.get_by_role("link").nth(1).get_attribute("href")
    moderator_url = await links.get_by_role("link").nth(2).get_attribute("href")
    assert audience_url == f"{server.url}/e/{code}" and projector_url == f"{server.url}/projector/{code}"
    assert moderator_url.startswith(f"{server.url}/moderate/{code}?key=")

    # --- the moderator signs in with the link; the projector opens ---------------------------
    console_context = await browser.new_context(viewport={"width": 1280, "height": 900})
    contexts.append(console_context)
    console = await console_context.new_page()
    await console.goto(moderator_url)
    await expect(console).to_have_url(f"{server.url}/moderate/{code}")  # the key is gone from the address bar
    await expect(console.locator("#conn-status")).to_have_text("Verbonden")
    await expect(console.get_by_role("button", name="Volgende")).to_have_attribute("aria-disabled", "false")

    screen_context = await browser.new_context(viewport={"width": 1280, "height": 720})
    contexts.append(screen_context)
    screen = await screen_context.new_page()
    await screen.goto(projector_url)
    await expect(screen.get_by_text("Wachten op de eerste stelling")).to_be_visible()
    # the organiser's colour and logo reach the projector and the console
    assert await accent_of(screen) == ACCENT and await accent_of(console) == ACCENT
    assert await logo_shows(screen) and await logo_shows(console)

    # --- twenty phones join by typing the code --------------------------------------------------
    joined = await asyncio.gather(*(join_by_code(browser, server.url, code) for _ in range(PHONES)))
    contexts += [context for context, _ in joined]
    phones = [page for _, page in joined]
    assert await logo_shows(phones[0]) and await accent_of(phones[0]) == ACCENT
    await expect(console.locator("#presence-count")).to_have_text(str(PHONES))

    # --- proposition 1: next and open with the keyboard -----------------------------------------
    await console.keyboard.press("ArrowRight")
    await expect(console.locator("#cur-text")).to_have_text("De bibliotheek moet ook op zondag open.")
    await console.keyboard.press("Space")
    await expect(console.locator("#cur-phase")).to_have_text("Stemmen open")
    await asyncio.gather(*(expect(phone.locator("#status")).to_have_text("Tik op uw keuze.") for phone in phones))

    await asyncio.gather(*(tap_vote(phone, choice) for phone, choice in zip(phones, FIRST)))
    await asyncio.gather(*(tap_vote(phones[index], choice) for index, choice in CHANGES.items()))
    final = [CHANGES.get(index, choice) for index, choice in enumerate(FIRST)]
    expected = Counter(final)
    assert sum(expected.values()) == PHONES and expected != Counter(FIRST)

    # The projector counts every phone once, and shows no figures while the results are hidden.
    await expect(screen.get_by_test_id("voters")).to_have_text(f"{PHONES} stemmen")
    assert not await screen.locator("#results").is_visible()
    # The console counts what the phones chose, changes included.
    for choice in CHOICES:
        await expect(console.locator(f"[data-result={choice}] .bar-count")).to_have_text(str(expected[choice]))
    await expect(console.locator("#voters")).to_have_text(str(PHONES))

    # --- close and reveal with the buttons --------------------------------------------------------
    await console.get_by_role("button", name="Stemmen sluiten").click()
    await expect(console.locator("#cur-phase")).to_have_text("Stemmen gesloten")
    await expect(phones[3].locator("#status")).to_have_text("Het stemmen is gesloten.")
    await console.get_by_role("button", name="Uitslag tonen").click()
    await expect(console.locator("#cur-revealed")).to_have_text("Uitslag op scherm")

    for choice in CHOICES:
        row = screen.locator(f"[data-result={choice}]")
        await expect(row.locator(".bar-count")).to_have_text(f"({expected[choice]})")
        await expect(row.locator(".bar-pct")).to_have_text(f"{expected[choice] * 100 // PHONES}%")
        share = await row.locator(".bar-fill").evaluate("node => getComputedStyle(node).getPropertyValue('--share')")
        assert share.strip() == str(expected[choice] * 100 // PHONES)
    # every phone sees the same result
    await asyncio.gather(*(expect(phone.locator("#voters")).to_have_text(f"{PHONES} stemmen") for phone in phones))
    agree = phones[-1].locator("[data-result=agree] .bar-count")
    await expect(agree).to_have_text(f"({expected['agree']})")

    # --- on to proposition 2 ---------------------------------------------------------------------
    await console.get_by_role("button", name="Volgende").click()
    await expect(console.locator("#cur-text")).to_have_text("Lezen is een recht.")
    phone = phones[7]
    await expect(phone.locator("#prop-text")).to_have_text("Lezen is een recht.")
    await expect(phone.locator("#prop-label")).to_have_text("Stelling 2 van 2")
    await expect(phone.locator("#status")).to_have_text("Het stemmen is nog niet begonnen.")
    await expect(phone.locator("#results")).to_be_hidden()
    await expect(screen.locator("#prop-text")).to_have_text("Lezen is een recht.")

    await asyncio.gather(*(context.close() for context in contexts))
