"""Screenshots of every view for the README: docs/screenshots/*.png.

    python scripts/screenshots.py [--out docs/screenshots]

Starts the app itself (`python -m live` on a free loopback port, through bench's
LiveProcess, with its own embedded Redis in a temporary folder), creates a debate like the demo one (with perspectives),
lets a few dozen WebSocket "phones" vote and ask questions, and photographs the pages in
Debian's Chromium through Playwright: phones at 390x844 and 360x640, the projector at
1920x1080 and 1280x720, the moderator's laptop at 1366x768 and phone at 360x740. Needs the test extras
(`pip install -e '.[test]'`) and Chromium (`apt-get install chromium`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import msgspec
from playwright.async_api import async_playwright
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import LiveProcess  # noqa: E402
from live.definition import demo  # noqa: E402

DEMO = demo()

PASSWORD = "screenshots-" + os.urandom(6).hex()
PUBLIC_URL = "https://debat.example.nl"  # what the projector shows and the QR code opens
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--font-render-hinting=none"]
DUTCH = {"locale": "nl-NL"}
PHONE = {**DUTCH, "viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SMALL_PHONE = {**PHONE, "viewport": {"width": 360, "height": 640}}
REMOTE = {**PHONE, "viewport": {"width": 360, "height": 740}}  # the second moderator's phone
LAPTOP = {**DUTCH, "viewport": {"width": 1366, "height": 768}}
PROJECTOR = {**DUTCH, "viewport": {"width": 1920, "height": 1080}}
PROJECTOR_720 = {**DUTCH, "viewport": {"width": 1280, "height": 720}}

# Who is in the hall: (perspective, vote on proposition 1). Split so that the result is
# interesting: professionals agree, the municipality disagrees ("Verdeeld").
HALL = ([("Professional", "agree")] * 9 + [("Professional", "neutral")] * 2
        + [("Gemeente", "disagree")] * 7 + [("Gemeente", "agree")] * 2
        + [("Burger / cliënt", "agree")] * 5 + [("Burger / cliënt", "disagree")] * 3
        + [("Anders", "neutral")] * 2 + [(None, "agree")] * 3)
QUESTIONS = [
    ("Hoe zorgen we dat de cliënt echt aan tafel zit, en niet alleen op papier?", "Fatima", "Gemeente", 11),
    ("Wie betaalt de wijkverpleging als de regels weer veranderen?", None, None, 7),
    ("Wat heeft de werkplaats de afgelopen tien jaar concreet opgeleverd voor professionals?", "Joost",
     "Professional", 4),
    ("Kunnen we de resultaten van vanavond meenemen naar de gemeenteraad?", "Ilse", None, 2),
    ("Waarom duurt een indicatie nog steeds zes weken?", None, None, 0),
]


def post_json(url: str, body: dict, password: str) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {password}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


class Socket:
    """One WebSocket client speaking the live protocol; answers are matched by id."""

    def __init__(self, url: str, headers: dict | None = None):
        self.url, self.headers = url, headers or {}
        self.replies: dict[str, asyncio.Future] = {}
        self.ids = iter(range(1, 1_000_000))

    async def open(self) -> "Socket":
        self.ws = await connect(self.url, additional_headers=self.headers, compression=None)
        self.reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        async for frame in self.ws:
            message = json.loads(frame)
            waiter = self.replies.pop(str(message.get("id")), None) if message["type"] in ("ack", "error") else None
            if waiter is not None and not waiter.done():
                waiter.set_result(message)

    async def request(self, **message) -> dict:
        key = str(next(self.ids))
        self.replies[key] = asyncio.get_running_loop().create_future()
        await self.ws.send(json.dumps({**message, "id": key}))
        reply = await asyncio.wait_for(self.replies[key], 10)
        if reply["type"] != "ack":
            raise RuntimeError(f"{message} -> {reply}")
        return reply

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


async def settle(page) -> None:
    """Wait until fonts are loaded and every animation and transition has finished."""
    await page.evaluate("""async () => {
        await document.fonts.ready;
        const finite = document.getAnimations()
            .filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
        await Promise.all(finite.map((a) => a.finished.catch(() => {})));
    }""")
    await page.wait_for_timeout(150)


async def shoot(page, out: Path, name: str, full_page: bool = False) -> None:
    await settle(page)
    await page.screenshot(path=str(out / f"{name}.png"), full_page=full_page, animations="disabled")
    print(f"  {name}.png", flush=True)


async def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="live-shots-") as tmp:
        app = LiveProcess(Path(tmp) / "data", env={"LIVE_ADMIN_PASSWORD": PASSWORD, "LIVE_DEMO": "0",
                                                   "LIVE_PUBLIC_URL": PUBLIC_URL})
        try:
            await app.start()
            await photograph(app, out)
        finally:
            await app.stop()


async def photograph(app: LiveProcess, out: Path) -> None:
    random.seed(7)
    event = post_json(app.url + "/api/events", {
        "title": DEMO.title, "propositions": msgspec.to_builtins(DEMO.propositions), "allow_neutral": True, "language": "nl",
        "perspectives": DEMO.perspectives, "min_group": 3, "premoderation": True}, PASSWORD)
    code, key = event["code"], event["moderator_key"]
    # the links name the public address; the browser here talks to the local one
    event["urls"] = {role: url.replace(PUBLIC_URL, app.url) for role, url in event["urls"].items()}
    moderator = await Socket(f"{app.ws_url}/ws/{code}/moderator", {"Authorization": f"Bearer {key}"}).open()
    phones = [await Socket(f"{app.ws_url}/ws/{code}/audience").open() for _ in HALL]
    for phone, (perspective, _) in zip(phones, HALL):
        if perspective:
            await phone.request(type="perspective", value=perspective)

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            await views(browser, app, out, code, event, moderator, phones)
        finally:
            await browser.close()
    for client in (moderator, *phones):
        await client.close()


async def views(browser, app: LiveProcess, out: Path, code: str, event: dict, moderator: Socket, phones: list) -> None:
    # --- before the debate: the join page and the organiser's form ---------------------
    phone_context = await browser.new_context(**PHONE)
    phone = await phone_context.new_page()
    await phone.goto(app.url + "/")
    await phone.get_by_label("Code").fill(code)
    await shoot(phone, out, "phone-join")

    laptop_context = await browser.new_context(**LAPTOP)
    form = await laptop_context.new_page()
    await form.goto(app.url + "/new")
    await form.get_by_label("Titel").fill("Jubileumdebat Werkplaatsen Sociaal Domein")
    await form.get_by_label("Stellingen").fill("\n".join(
        line for item in DEMO.propositions
        for line in ([item] if isinstance(item, str) else [item.text, "> " + item.plain])))
    await form.get_by_label("Perspectieven").fill("\n".join(DEMO.perspectives))
    await form.evaluate("document.activeElement.blur()")
    await shoot(form, out, "new-event", full_page=True)
    await form.close()

    # --- proposition 1 open: phones vote, the projector counts --------------------------
    await moderator.request(type="goto", proposition="p1")
    await moderator.request(type="open")
    await phone.goto(f"{app.url}/e/{code}")
    prompt = phone.get_by_role("region", name="Vanuit welk perspectief stemt u?")
    await prompt.get_by_role("button", name="Professional").tap()
    await prompt.wait_for(state="hidden")
    await phone.get_by_role("button", name="Eens", exact=True).tap()
    await phone.get_by_text("Uw stem is ontvangen").wait_for()
    first = len(HALL) * 2 // 3
    for client, (_, choice) in zip(phones[:first], HALL[:first]):
        await client.request(type="vote", proposition="p1", choice=choice)
    await phone.get_by_test_id("plain").wait_for()
    await shoot(phone, out, "phone-plain")  # the proposition with its plain-language line
    await phone.get_by_role("button", name="Eenvoudige taal").tap()
    await phone.get_by_test_id("plain").wait_for(state="hidden")
    await shoot(phone, out, "phone-vote")

    small_context = await browser.new_context(**SMALL_PHONE)
    small = await small_context.new_page()
    await small.goto(f"{app.url}/e/{code}")
    await small.get_by_role("button", name="Sla over").tap()
    await shoot(small, out, "phone-vote-360")

    screen_context = await browser.new_context(**PROJECTOR)
    screen = await screen_context.new_page()
    await screen.goto(f"{app.url}/screen/{code}")
    await screen.get_by_test_id("voters").filter(has_text=f"{first + 1} stemmen").wait_for()
    await moderator.request(type="countdown", seconds=45, close=False)
    await screen.get_by_test_id("countdown").wait_for()
    await shoot(screen, out, "projector-open")

    console_context = await browser.new_context(**LAPTOP)
    console = await console_context.new_page()
    await console.goto(event["urls"]["moderator"])
    await console.locator("#voters").filter(has_text=str(first + 1)).wait_for()
    await shoot(console, out, "moderator")

    remote_context = await browser.new_context(**REMOTE)
    remote = await remote_context.new_page()
    await remote.goto(event["urls"]["moderator"])
    await remote.locator("#voters").filter(has_text=str(first + 1)).wait_for()

    # --- everyone has voted; results revealed ---------------------------------------------
    for client, (_, choice) in zip(phones[first:], HALL[first:]):
        await client.request(type="vote", proposition="p1", choice=choice)
    await moderator.request(type="countdown", seconds=None)
    await moderator.request(type="close")
    await moderator.request(type="reveal")
    await screen.get_by_test_id("marker").wait_for()
    await shoot(screen, out, "projector-results")
    await screen.set_viewport_size(PROJECTOR_720["viewport"])
    await shoot(screen, out, "projector-results-720")
    await screen.set_viewport_size(PROJECTOR["viewport"])
    await phone.locator("#split-list .split-row").first.wait_for()
    await shoot(phone, out, "phone-results", full_page=True)
    await console.locator("#marker").wait_for()
    await shoot(console, out, "moderator-results")

    # --- questions from the floor -------------------------------------------------------
    asked = []
    for index, (text, name, to, _) in enumerate(QUESTIONS):
        message = {"type": "ask", "text": text, "name": name}
        if to:
            message["to"] = to
        asked.append((await phones[index].request(**message))["question"])
    for question_id in asked[:4]:
        await moderator.request(type="question", question=question_id, action="approve")
    for question_id, (*_, upvotes) in zip(asked, QUESTIONS):
        for voter in phones[-upvotes:] if upvotes else []:
            await voter.request(type="upvote", question=question_id, on=True)
    await moderator.request(type="question", question=asked[0], action="pin")
    await phone.get_by_role("tab", name="Vragen").tap()
    await phone.locator("#q-list > li").nth(3).wait_for()
    await shoot(phone, out, "phone-questions", full_page=True)

    await moderator.request(type="screen", show="questions")
    await screen.get_by_test_id("wall").locator(".wall-item").nth(2).wait_for()
    await shoot(screen, out, "projector-questions")

    await console.locator("#q-list > li").first.wait_for()
    await console.locator("#questions").scroll_into_view_if_needed()
    await shoot(console, out, "moderator-questions")
    # the phone as a remote, working in the questions: the primary controls stay at the top
    await remote.locator("#q-list > li").first.wait_for()
    await remote.locator("#questions").scroll_into_view_if_needed()
    await shoot(remote, out, "moderator-phone")
    await remote.locator("#q-list > li").last.scroll_into_view_if_needed()
    await shoot(remote, out, "moderator-phone-questions")

    # --- afterwards: the printable report -------------------------------------------------
    await moderator.request(type="screen", show="proposition")
    await moderator.request(type="goto", proposition="p2")
    await moderator.request(type="open")
    for client, (_, choice) in zip(phones, HALL):
        await client.request(type="vote", proposition="p2", choice=random.choice(["agree", "disagree", "neutral"]))
    await moderator.request(type="close")
    report = await console_context.new_page()
    await report.set_viewport_size({"width": 1366, "height": 1100})
    await report.goto(f"{app.url}/results/{code}")
    await shoot(report, out, "results-report")

    # --- round 2 on proposition 1: round 1 beside round 2 ----------------------------------
    await moderator.request(type="goto", proposition="p1")
    await moderator.request(type="open", round=2)
    for client, (perspective, choice) in zip(phones, HALL):
        # after the debate some of the municipality and the undecided come round
        moved = "agree" if (perspective == "Gemeente" and random.random() < 0.6) or choice == "neutral" else choice
        await client.request(type="vote", proposition="p1", choice=moved)
    await moderator.request(type="reveal")
    await moderator.request(type="close")
    await screen.get_by_test_id("before-after").locator("#before-shift").filter(has_text="+").wait_for()
    await shoot(screen, out, "projector-before-after")
    await screen.set_viewport_size(PROJECTOR_720["viewport"])
    await shoot(screen, out, "projector-before-after-720")
    await moderator.request(type="compare", show="who_moved")
    await screen.locator("#before-moved").wait_for()
    await shoot(screen, out, "projector-who-moved-720")
    await screen.set_viewport_size(PROJECTOR["viewport"])
    await shoot(screen, out, "projector-who-moved")

    for context in (phone_context, laptop_context, small_context, screen_context, console_context, remote_context):
        await context.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    asyncio.run(main(parser.parse_args().out))
