"""The audience page's weight and load time, in Chromium on a throttled network.

    python -m bench.pageweight [--runs 3] [--json out.json]

Starts live (as bench.servers does), creates an event like the demo (with perspectives),
and opens /e/{code} in Debian's Chromium as a phone, cache off, the network throttled
through CDP (Network.emulateNetworkConditions) to DevTools' "Fast 3G" and "Slow 3G".
Reports per resource the bytes on the wire (Resource Timing transferSize, headers
included), the body as served and decoded, and its gzip size (what it would weigh if the
server compressed it); totals of HTML + CSS + JS; every request to another origin (there
must be none); and timings from navigation start: DOMContentLoaded, load, the first
WebSocket message, and the page showing the live state (#connecting hidden).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import statistics
import sys
import time
from urllib.parse import urlsplit

import httpx
import msgspec
from playwright.async_api import async_playwright

from live.definition import demo

from .servers import ADMIN_PASSWORD, LiveServer

DEMO = demo()

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# DevTools' presets (bytes per second, milliseconds)
NETWORKS = {
    "fast-3g": {"latency": 562.5, "downloadThroughput": 180_000, "uploadThroughput": 84_375},
    "slow-3g": {"latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000},
}
BUDGET = 30 * 1024  # HTML + CSS + JS, compressed
KINDS = {"navigation": "html", "link": "css", "css": "css", "script": "js"}

TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return {dom_content_loaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
          resources: [nav, ...performance.getEntriesByType('resource')].map(r => ({
            url: r.name, type: r.initiatorType, transfer: r.transferSize,
            encoded: r.encodedBodySize, decoded: r.decodedBodySize}))};
}"""


async def create_event(base_url: str) -> str:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        response = await http.post("/api/events", headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"},
                                   json={"title": DEMO.title, "propositions": msgspec.to_builtins(DEMO.propositions),
                                         "perspectives": DEMO.perspectives, "allow_neutral": True, "language": "nl"})
        response.raise_for_status()
        return response.json()["code"]


async def gzip_sizes(urls: list[str]) -> dict[str, int]:
    """What each resource would weigh gzipped (level 6, as a server would typically send it)."""
    async with httpx.AsyncClient(timeout=30) as http:
        return {url: len(gzip.compress((await http.get(url)).content, 6)) for url in urls}


async def visit(browser, url: str, network: dict) -> dict:
    context = await browser.new_context(**PHONE)
    try:
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        await cdp.send("Network.enable")
        await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        await cdp.send("Network.emulateNetworkConditions", {"offline": False, **network})
        origin = urlsplit(url).netloc
        requests, first_message = [], []
        page.on("request", lambda request: requests.append(request.url))
        page.on("websocket", lambda ws: ws.on(
            "framereceived", lambda _: first_message or first_message.append(time.perf_counter())))
        start = time.perf_counter()
        await page.goto(url, wait_until="load", timeout=120_000)
        try:
            await page.wait_for_selector("#connecting", state="hidden", timeout=60_000)
            shown = (time.perf_counter() - start) * 1000
        except Exception:  # noqa: BLE001 - the page may no longer have this element
            shown = None
        figures = await page.evaluate(TIMINGS)
        foreign = [u for u in requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                   and urlsplit(u).netloc != origin]
        return {"dom_content_loaded_ms": round(figures["dom_content_loaded"]),
                "load_ms": round(figures["load"]),
                "first_ws_message_ms": round((first_message[0] - start) * 1000) if first_message else None,
                "state_shown_ms": round(shown) if shown is not None else None,
                "resources": figures["resources"], "requests": len(requests), "third_party": foreign}
    finally:
        await context.close()


async def measure(runs: int) -> dict:
    server = await LiveServer(1).start()
    try:
        code = await create_event(server.url)
        url = f"{server.url}/e/{code}"
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                visits = {name: [await visit(browser, url, network) for _ in range(runs)]
                          for name, network in NETWORKS.items()}
            finally:
                await browser.close()
        first = visits["fast-3g"][0]
        sizes = await gzip_sizes([r["url"] for r in first["resources"]])
    finally:
        await server.stop()
    resources = [{"path": urlsplit(r["url"]).path, "kind": KINDS.get(r["type"], r["type"]),
                  "transfer": r["transfer"], "served": r["encoded"], "decoded": r["decoded"],
                  "gzip": sizes[r["url"]]} for r in first["resources"]]
    counted = [r for r in resources if r["kind"] in ("html", "css", "js")]
    report = {"resources": resources,
              "total": {key: sum(r[key] for r in counted) for key in ("transfer", "served", "decoded", "gzip")},
              # bodies under 1 KiB are commonly left uncompressed (GZipMiddleware's minimum is 500 B)
              "served_compressed": all(r["served"] < r["decoded"] for r in counted if r["decoded"] >= 1024),
              "third_party": sorted({u for v in visits.values() for run in v for u in run["third_party"]}),
              "timings": {name: {key: statistics.median(run[key] for run in runs_)
                                 if all(run[key] is not None for run in runs_) else None
                                 for key in ("dom_content_loaded_ms", "load_ms", "first_ws_message_ms",
                                             "state_shown_ms")}
                          for name, runs_ in visits.items()},
              "networks": NETWORKS, "runs": runs}
    report["within_budget"] = (max(report["total"]["transfer"], report["total"]["gzip"]) <= BUDGET
                               and not report["third_party"])
    return report


def summary(report: dict) -> str:
    lines = ["| resource | kind | on the wire (B) | body as served | decoded | gzip -6 |", "|---|---|---|---|---|---|"]
    for r in report["resources"]:
        lines.append(f"| {r['path']} | {r['kind']} | {r['transfer']} | {r['served']} | {r['decoded']} | {r['gzip']} |")
    t = report["total"]
    lines.append(f"| **HTML+CSS+JS** | | {t['transfer']} | {t['served']} | {t['decoded']} | {t['gzip']} |")
    lines.append("")
    lines.append(f"Served compressed (bodies of 1 KiB or more): {report['served_compressed']}. "
                 f"Budget {BUDGET} B compressed: on the wire {t['transfer']} B, gzip {t['gzip']} B -> "
                 f"{'within' if max(t['transfer'], t['gzip']) <= BUDGET else 'OVER'}. "
                 f"Requests to other origins: {report['third_party'] or 'none'}.")
    lines.append("")
    lines.append(f"| network (median of {report['runs']}) | DOMContentLoaded ms | load ms | first WebSocket message ms "
                 "| state shown ms |")
    lines.append("|---|---|---|---|---|")
    for name, t in report["timings"].items():
        lines.append(f"| {name} | {t['dom_content_loaded_ms']} | {t['load_ms']} | {t['first_ws_message_ms']} "
                     f"| {t['state_shown_ms']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", help="also write the full report to this file")
    args = parser.parse_args(argv)
    report = asyncio.run(asyncio.wait_for(measure(args.runs), 600))
    print(summary(report))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0 if report["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
