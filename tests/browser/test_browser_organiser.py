"""The new-debate form in Chromium: the event's own colour and logo, their errors, and the import of a
prepared definition file that carries them."""

from __future__ import annotations

import base64
import json

import pytest
from playwright.async_api import expect

from ..support.servers import ADMIN_PASSWORD
from .pages import png

pytestmark = pytest.mark.browser


async def open_form(browser):
    context = await browser.new_context(viewport={"width": 1100, "height": 900})
    page = await context.new_page()
    await page.goto("about:blank")
    return context, page


async def fill_basics(page) -> None:
    await page.get_by_label("Titel").fill("Huisstijldebat")
    await page.get_by_label("Stellingen").fill("Een\nTwee")
    await page.get_by_label("Beheerderswachtwoord").fill(ADMIN_PASSWORD)


async def test_colour_is_sent_only_when_chosen_and_logo_errors_show(server, browser):
    """The colour picker is off until "Eigen kleur gebruiken" is ticked; a file that is no image comes back
    with the server's error at the logo field (the colour kept), a logo over 256 KB is stopped before it is
    sent, and a bad colour comes back with its error at the colour field."""
    context, page = await open_form(browser)
    await page.goto(server.url + "/new")
    colour = page.get_by_label("Accentkleur")
    await expect(colour).to_be_disabled()  # a colour input always has a value: off means not sent
    await page.get_by_label("Eigen kleur gebruiken").check()
    await expect(colour).to_be_enabled()
    await colour.fill("#2e7d32")

    await fill_basics(page)
    logo = page.get_by_label("Logo")
    await logo.set_input_files(files=[{"name": "logo.png", "mimeType": "image/png", "buffer": b"<svg>not a png</svg>"}])
    await page.get_by_role("button", name="Debat aanmaken").click()
    error = page.locator("#logo-error")
    await expect(error).to_have_text("Het logo moet een PNG-, JPEG- of WebP-afbeelding zijn.")
    await expect(logo).to_have_attribute("aria-invalid", "true")
    assert "logo-error" in await logo.get_attribute("aria-describedby")
    await expect(page.get_by_label("Eigen kleur gebruiken")).to_be_checked()
    await expect(colour).to_have_value("#2e7d32")

    big = png(300, 300, (1, 2, 3))[:8] + bytes(300 * 1024)  # a PNG signature, and far too big
    await fill_basics(page)
    await logo.set_input_files(files=[{"name": "groot.png", "mimeType": "image/png", "buffer": big}])
    assert await logo.evaluate("input => input.validationMessage") == \
        "Dit logo is groter dan 256 KB. Kies een kleiner bestand."
    await page.get_by_role("button", name="Debat aanmaken").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Nieuw debat")  # nothing was sent
    await expect(page.locator("#logo-error")).to_have_count(1)  # still the earlier page

    # A colour that is not #rrggbb (only possible without the picker, e.g. a hand-made form)
    await logo.set_input_files(files=[])
    await colour.evaluate("input => { input.type = 'text'; input.value = 'rood'; }")
    await page.get_by_role("button", name="Debat aanmaken").click()
    await expect(page.locator("#accent-error")).to_have_text("Kies een kleur zoals #1a5fb4.")
    await expect(page.get_by_label("Accentkleur")).to_have_attribute("aria-invalid", "true")
    await context.close()


async def test_import_fills_colour_and_logo_and_creates_the_event(server, browser):
    """A definition file with an accent colour and a logo fills the picker and the logo field; creating
    the debate then gives it that colour and that logo."""
    logo = png(60, 20, (200, 30, 30))
    definition = {"title": "Voorbereid met huisstijl", "propositions": ["Een", "Twee"], "perspectives": [],
                  "min_group": 5, "allow_neutral": True, "language": "nl", "premoderation": True,
                  "accent": "#8E24AA", "logo": "data:image/png;base64," + base64.b64encode(logo).decode()}
    context, page = await open_form(browser)
    await page.goto(server.url + "/new")
    await page.get_by_label("Importeren").set_input_files(
        files=[{"name": "debat.json", "mimeType": "application/json", "buffer": json.dumps(definition).encode()}])
    await expect(page.locator("#import-status")).to_contain_text("Geïmporteerd")
    await expect(page.get_by_label("Titel")).to_have_value("Voorbereid met huisstijl")
    await expect(page.get_by_label("Eigen kleur gebruiken")).to_be_checked()
    await expect(page.get_by_label("Accentkleur")).to_have_value("#8e24aa")
    assert await page.get_by_label("Logo").evaluate("input => input.files.length && input.files[0].size") == len(logo)

    await page.get_by_label("Beheerderswachtwoord").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="Debat aanmaken").click()
    await expect(page.get_by_role("heading", name="Debat aangemaakt")).to_be_visible()
    code = (await page.locator(".lead .code").text_content()).strip()
    theme = await page.request.get(f"{server.url}/theme/{code}.css")
    assert (await theme.text()).strip() == ":root { --accent: #8e24aa; }"
    stored = await page.request.get(f"{server.url}/logo/{code}")
    assert stored.ok and await stored.body() == logo

    # A definition without a colour clears an earlier choice.
    await page.goto(server.url + "/new")
    await page.get_by_label("Eigen kleur gebruiken").check()
    plain = {key: value for key, value in definition.items() if key not in ("accent", "logo")}
    await page.get_by_label("Importeren").set_input_files(
        files=[{"name": "debat.json", "mimeType": "application/json", "buffer": json.dumps(plain).encode()}])
    await expect(page.get_by_label("Eigen kleur gebruiken")).not_to_be_checked()
    await expect(page.get_by_label("Accentkleur")).to_be_disabled()
    await context.close()
