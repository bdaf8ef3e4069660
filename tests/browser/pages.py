"""Helpers of the browser tests: a page in its own context, the moderator's console, test data."""

from __future__ import annotations

import struct
import zlib

from playwright.async_api import expect

XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>',
       "javascript:alert(1)", "{{7*7}}"]


# Every word of the elements a selector matches whose range spans more than one line box:
# a word broken inside (by overflow-wrap, word-break or hyphenation). Returns those words.
WORDS_ON_ONE_LINE = """(selector) => {
  // every word of every matching element whose range spans more than one line box: broken mid-word
  const broken = [];
  for (const element of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


async def open_page(browser, url: str, viewport: tuple[int, int], mobile: bool = False):
    """`url` in a fresh context of this size (a touch phone if `mobile`); dialogs are recorded
    and dismissed. Returns (context, page, dialogs)."""
    width, height = viewport
    options = {"has_touch": True, "is_mobile": True} if mobile else {}
    context = await browser.new_context(viewport={"width": width, "height": height}, **options)
    page = await context.new_page()
    dialogs: list[str] = []

    async def dismiss(dialog):
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    await page.goto(url)
    return context, page, dialogs


class Console:
    """The console page, signed in through the moderator link; dialogs are recorded and answered
    with `self.answer` (True: OK, False: Cancel)."""

    def __init__(self, context, page):
        self.context = context
        self.page = page
        self.dialogs: list[str] = []
        self.answer = True

    @classmethod
    async def open(cls, browser, event: dict, width: int = 1280, height: int = 900, **options):
        context = await browser.new_context(viewport={"width": width, "height": height}, **options)
        console = cls(context, await context.new_page())
        console.page.on("dialog", console._on_dialog)
        await console.page.goto(event["urls"]["moderator"])
        await expect(console.page.locator("#conn-status")).to_have_text("Verbonden")
        # the first snapshot has arrived: the controls are live (in the lobby, Volgende is the way in)
        await expect(console.page.get_by_role("button", name="Volgende")).to_have_attribute("aria-disabled", "false")
        return console

    async def _on_dialog(self, dialog):
        self.dialogs.append(dialog.message)
        if self.answer:
            await dialog.accept()
        else:
            await dialog.dismiss()

    def question(self, text: str):
        """The console's list item of the question with exactly this text."""
        return self.page.locator("#q-list > li").filter(has=self.page.locator(".mq-text").get_by_text(text, exact=True))

    async def close(self):
        await self.context.close()


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small, valid PNG of one colour (a stand-in for the organiser's logo)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
