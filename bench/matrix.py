"""Every proposition, every round, live (issue 12): vote-to-projector and vote-to-console
latency on the first, second and tenth proposition, in round 1 and round 2, with results
hidden and revealed, at about 1,000 votes/s, in one run; medians of --runs runs.

    python -m bench.matrix --phones 2000 --window 2.2 --runs 3 [--visibility revealed] [--json out.json]

One live server (one worker by default, its embedded Redis) for the whole run. Per run and
per visibility, a fresh event with ten propositions and --phones phones; then, one after
another, the paced phase of bench/loadtest.py on p1, p1 round 2, p2, p2 round 2, p10 and
p10 round 2: every phone votes once at a random moment within --window seconds and
--change-share of them change their vote (2,000 phones and 10 % changes in 2.2 s is
1,000 votes/s). "revealed": the moderator reveals right after opening, so phones get
tallies too. Each phase checks the stored tally against the votes acked (exit status 1
when anything is lost or a screen disagrees). Every process started is stopped by pid.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys

from .loadtest import LiveControl, LoadTest, raise_open_files_limit
from .procfs import machine_busy
from .servers import ADMIN_PASSWORD, make_server

CELLS = [(proposition, round_) for proposition in ("p1", "p2", "p10") for round_ in (1, 2)]
TARGET_MS = 250


def cell_name(proposition: str, round_: int, revealed: bool) -> str:
    return f"{proposition} r{round_} {'revealed' if revealed else 'hidden'}"


async def one_pass(url: str, server, phones: int, window: float, change_share: float, revealed: bool,
                   seed: int) -> dict[str, dict]:
    """A fresh event: connect the phones, then the six paced phases."""
    control = LiveControl(url, ADMIN_PASSWORD)
    test = LoadTest(url, control, server, phones, window, change_share, 0, seed=seed)
    try:
        control.code = await control.setup(test.host, test.port, test.run)
        await test.connect_phase()
        found = {}
        for proposition, round_ in CELLS:
            await test.paced_phase(proposition, round_, revealed)
            key = next(reversed(test.report))  # the phase just measured
            figures = test.report[key]
            check = test.report["checks"][key]
            found[cell_name(proposition, round_, revealed)] = {
                "votes": figures["votes"], "votes_per_s": round(figures["votes"] / figures["seconds"], 1),
                "ack_p99": figures["ack_ms"]["p99"],
                "projector": figures["projector_ms"], "console": figures["moderator_ms"],
                "ok": check["lost"] == 0 and check["extra"] == 0 and check["unacked"] == 0
                and check.get("screens_agree", False) and not test.run.errors}
        return found
    finally:
        await test.aclose()


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


async def measure(phones: int, window: float, change_share: float, runs: int, workers: int,
                  server_env: dict[str, str] | None = None, visibilities: tuple[bool, ...] = (False, True)) -> dict:
    server = await make_server("live", workers, server_env).start()
    try:
        results: list[dict] = []
        for run in range(runs):
            busy0, load0 = machine_busy(), load_average()
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            found = {}
            for revealed in visibilities:
                found.update(await one_pass(server.url, server, phones, window, change_share, revealed,
                                            seed=run * 2 + revealed + 1))
            seconds = loop.time() - t0
            results.append({"cells": found, "load_before": load0, "load_after": load_average(),
                            "machine_cores": round((machine_busy() - busy0) / seconds, 2)})
            print(f"run {run + 1}/{runs}: load average {load0} -> {results[-1]['load_after']}, machine busy "
                  f"{results[-1]['machine_cores']} cores, {seconds:.0f} s", flush=True)
        return {"phones": phones, "window": window, "change_share": change_share, "workers": workers,
                "visibilities": list(visibilities), "runs": results}
    finally:
        await server.stop()


def spread(values: list[float]) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    median = statistics.median(values)
    return f"{median:.0f}" if len(values) == 1 else f"{median:.0f} ({min(values):.0f}–{max(values):.0f})"


def table(report: dict) -> str:
    runs = report["runs"]
    lines = [f"{report['phones']} phones, {report['window']} s window, {report['change_share']:.0%} changes, "
             f"{report['workers']} worker(s); medians of {len(runs)} runs (min–max), ms",
             "",
             "| proposition, round, results | votes/s | ack p99 | projector p50 | projector p99 | console p50 "
             "| console p99 | p99 ≤ 250 ms in every run |",
             "|---|---|---|---|---|---|---|---|"]
    for revealed in report.get("visibilities", (False, True)):
        for proposition, round_ in CELLS:
            name = cell_name(proposition, round_, revealed)
            cells = [run["cells"][name] for run in runs]
            worst = max(max(c["projector"]["p99"], c["console"]["p99"]) for c in cells)
            met = "yes" if worst <= TARGET_MS else f"no (worst {worst:.0f})"
            if not all(c["ok"] for c in cells):
                met += "; CHECK FAILED"
            lines.append(f"| {name} | {spread([c['votes_per_s'] for c in cells])} "
                         f"| {spread([c['ack_p99'] for c in cells])} "
                         f"| {spread([c['projector']['p50'] for c in cells])} "
                         f"| {spread([c['projector']['p99'] for c in cells])} "
                         f"| {spread([c['console']['p50'] for c in cells])} "
                         f"| {spread([c['console']['p99'] for c in cells])} | {met} |")
    lines.append("")
    lines.append("load average (1, 5, 15 min) before each run: " + "; ".join(r["load_before"] for r in runs)
                 + "; machine busy (all programs, cores): " + ", ".join(str(r["machine_cores"]) for r in runs))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Vote-to-screen latency on every proposition and round.")
    parser.add_argument("--phones", type=int, default=2000)
    parser.add_argument("--window", type=float, default=2.2, help="seconds in which every phone votes")
    parser.add_argument("--change-share", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--visibility", choices=("both", "hidden", "revealed"), default="both",
                        help="measure only the cells with results hidden, or only revealed")
    parser.add_argument("--timeout", type=float, default=900.0, help="the whole measurement, in seconds")
    parser.add_argument("--json", help="also write the full report to this file")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="environment for the server process only (repeatable), e.g. PYTHONPATH=DIR with uvloop")
    args = parser.parse_args(argv)
    raise_open_files_limit()
    report = asyncio.run(asyncio.wait_for(measure(args.phones, args.window, args.change_share, args.runs,
                                                  args.workers, dict(item.split("=", 1) for item in args.server_env),
                                                  {"both": (False, True), "hidden": (False,),
                                                   "revealed": (True,)}[args.visibility]),
                                          args.timeout))
    print(table(report), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    ok = all(c["ok"] for run in report["runs"] for c in run["cells"].values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
