"""The `browser` fixture: real Chromium (Debian's package) driven by Playwright; no browser download.
Helpers for the tests (open_page, the console, test data) are in pages.py."""

from __future__ import annotations

import shutil

import pytest
import pytest_asyncio
from playwright.async_api import expect

# Assertions wait for their condition up to 15 s (Playwright's default is 5): a busy machine
# is slower, not failing.
expect.set_options(timeout=15_000)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is not installed: .ci/run installs Debian's chromium package")
    return path


@pytest_asyncio.fixture
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            await instance.close()
