"""Every configuration, several runs each, on a quiet machine; medians, spread and ratios.

    python -m bench.suite --sizes 1000,5000,10000 --runs 3 --out bench/results/run.jsonl
    python -m bench.suite --summary bench/results/run.jsonl      (the tables again, from a file)

Each run is `python -m bench.loadtest` in its own process with its own server (bounded by
--timeout), so nothing carries over between runs. Runs are interleaved (one of each
configuration, then the next round) so that slow drifts touch every configuration alike.
Before each run the machine must be quiet; a run during which other programs used more
than --max-others cores is repeated (up to --retries times) and marked if still noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .servers import ROOT, machine_busy

FAST = os.environ.get("BENCH_FAST_PATH", "")
CONFIGS = {  # name: loadtest arguments
    "bare-starlette": ["--target", "bare-starlette"],
    "bare-starlette-batched": ["--target", "bare-starlette-batched"],
    "bare-websockets": ["--target", "bare-websockets"],
    "bare-websockets-batched": ["--target", "bare-websockets-batched"],
    "live-1w": ["--target", "live", "--workers", "1"],
    "live-2w": ["--target", "live", "--workers", "2"],
    # The collector setting of docs/performance.md applied from outside (bench/gcfix). live
    # ships it since 3c75fe8, so there live-*-gc measure the same as live-*; the bare -gc
    # baselines are the fair reference for it.
    "bare-starlette-gc": ["--target", "bare-starlette", "--server-env", f"PYTHONPATH={ROOT / 'bench' / 'gcfix'}"],
    "bare-starlette-batched-gc": ["--target", "bare-starlette-batched",
                                  "--server-env", f"PYTHONPATH={ROOT / 'bench' / 'gcfix'}"],
    "live-1w-gc": ["--target", "live", "--workers", "1", "--server-env", f"PYTHONPATH={ROOT / 'bench' / 'gcfix'}"],
    "live-2w-gc": ["--target", "live", "--workers", "2", "--server-env", f"PYTHONPATH={ROOT / 'bench' / 'gcfix'}"],
    # uvloop and hiredis (issue 14), measured before choosing them: `-fast` puts the folder in
    # BENCH_FAST_PATH (made with `pip install --target DIR uvloop hiredis`) on the servers'
    # path; uvicorn then runs on uvloop and redis-py parses replies with hiredis.
    "bare-starlette-batched-gc-fast": ["--target", "bare-starlette-batched", "--server-env",
                                       f"PYTHONPATH={ROOT / 'bench' / 'gcfix'}:{FAST}"],
    "live-1w-fast": ["--target", "live", "--workers", "1", "--server-env", f"PYTHONPATH={FAST}"],
}


def wait_quiet(max_cores: float, probe: float = 2.0, timeout: float = 60.0) -> float:
    """Wait until the machine's other programs use less than `max_cores`; return the last reading."""
    deadline = time.monotonic() + timeout
    while True:
        start = machine_busy()
        time.sleep(probe)
        busy = (machine_busy() - start) / probe
        if busy < max_cores or time.monotonic() > deadline:
            return round(busy, 2)


def others(report: dict) -> float:
    """The most cores other programs used during any measured phase."""
    phases = [report.get("connect", {}), report.get("paced", {}), report.get("flood", {})]
    return max((p["cpu"]["others"]["cores"] for p in phases if "cpu" in p), default=0.0)


def run_one(config: str, phones: int, args) -> dict:
    out = Path(args.out).with_suffix(".last.json")
    argv = [sys.executable, "-m", "bench.loadtest", *CONFIGS[config], "--phones", str(phones),
            "--window", str(args.window), "--flood", str(args.flood), "--json", str(out),
            "--timeout", str(args.timeout), "--nice", str(args.nice), "--later", args.later]
    try:
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=args.timeout + 60)
    except subprocess.TimeoutExpired:
        return {"config": config, "phones": phones, "ok": False, "failure": "timeout"}
    print(done.stdout, end="", flush=True)
    if not out.exists():
        return {"config": config, "phones": phones, "ok": False, "failure": done.stderr[-2000:]}
    report = json.loads(out.read_text())
    out.unlink()
    return {"config": config, **report, "exit": done.returncode}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--configs", help="comma-separated, in this order (default: all but the -gc ones; "
                        "with --summary: every configuration found)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--later", default="", help="loadtest's --later (later propositions: bench/matrix.py)")
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--flood", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=115.0, help="per run, in seconds")
    parser.add_argument("--max-others", type=float, default=0.3, help="cores other programs may use")
    parser.add_argument("--retries", type=int, default=1)
    parser.add_argument("--nice", type=int, default=-10,
                        help="priority of the measured processes, so that other programs disturb them less")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "suite.jsonl"))
    parser.add_argument("--summary", help="only print the tables of these results files (comma-separated; "
                        "a configuration and size in a later file replaces its runs in earlier ones)")
    args = parser.parse_args(argv)
    if args.summary:
        results = merge(args.summary.split(","))
        if args.configs:
            results = [r for r in results if r["config"] in args.configs.split(",")]
        print(tables(results, args.configs.split(",") if args.configs else None))
        return 0
    args.configs = args.configs or ",".join(c for c in CONFIGS if not c.endswith(("-gc", "-fast")))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    results = []
    for phones in [int(n) for n in args.sizes.split(",")]:
        for round_ in range(args.runs):
            for config in args.configs.split(","):
                for attempt in range(args.retries + 1):
                    quiet = wait_quiet(args.max_others)
                    print(f"## {config} phones={phones} run={round_ + 1} attempt={attempt + 1} "
                          f"(machine busy before: {quiet} cores)", flush=True)
                    result = run_one(config, phones, args)
                    result["run"], result["others_cores"] = round_ + 1, others(result) if "connect" in result else None
                    result["noisy"] = result["others_cores"] is None or result["others_cores"] > args.max_others
                    if not result["noisy"]:
                        break
                results.append(result)
                with open(args.out, "a") as f:
                    f.write(json.dumps(result) + "\n")
    print(tables(results))
    return 0 if all(r.get("ok") for r in results) else 1


def merge(paths: list[str]) -> list[dict]:
    results: list[dict] = []
    for path in paths:
        newer = [json.loads(line) for line in open(path)]
        replaced = {(r["config"], r["phones"]) for r in newer}
        results = [r for r in results if (r["config"], r["phones"]) not in replaced] + newer
    return results


# --- the tables ---------------------------------------------------------------------------

FIGURES = [  # (column, path in a report)
    ("connect/s", ("connect", "per_second")),
    ("connect CPU ms/phone", ("connect", "server_cpu_ms_per_phone")),
    ("KiB/phone", ("idle", "kib_per_phone")),
    ("ack p50", ("paced", "ack_ms", "p50")),
    ("ack p95", ("paced", "ack_ms", "p95")),
    ("ack p99", ("paced", "ack_ms", "p99")),
    ("proj p50", ("paced", "projector_ms", "p50")),
    ("proj p99", ("paced", "projector_ms", "p99")),
    ("moderator p99", ("paced", "moderator_ms", "p99")),
    ("open fan-out ms", ("paced", "open_fanout_ms")),
    ("tallies/s", ("paced", "projector_tallies_per_s")),
    ("busiest s", ("paced", "projector_busiest_second")),
    ("msg/vote", ("paced", "messages_per_vote")),
    ("CPU ms/vote", ("paced", "server_cpu_ms_per_vote")),
    ("reveal ms", ("reveal_fanout_ms",)),
    ("flood votes/s", ("flood", "votes_per_s")),
    ("flood app cores", ("flood", "cpu", "app", "cores")),
    ("flood CPU ms/vote", ("flood", "server_cpu_ms_per_vote")),
    ("flood Redis CPU ms/vote", ("flood", "redis_cpu_ms_per_vote")),
    ("Redis B/stored vote", ("redis", "bytes_per_stored_vote")),
    ("others' cores", ("others_cores",)),
]


def pick(report: dict, path: tuple):
    for key in path:
        if not isinstance(report, dict) or key not in report:
            return None
        report = report[key]
    return report


def spread(values: list) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    median = statistics.median(values)
    text = f"{median:.4g}"
    if len(values) > 1:
        text += f" ({min(values):.4g}–{max(values):.4g})"
    return text


def medians(results: list[dict]) -> dict:
    """(config, phones) -> {column: median} over the runs that were not noisy."""
    groups: dict = {}
    for r in results:
        if r.get("connect"):
            groups.setdefault((r["config"], r["phones"]), []).append(r)
    return {key: {col: statistics.median(v) if (v := [pick(r, path) for r in runs if pick(r, path) is not None])
                  else None for col, path in FIGURES} for key, runs in groups.items()}


def tables(results: list[dict], order: list[str] | None = None) -> str:
    lines = []
    sizes = sorted({r["phones"] for r in results})
    configs = [c for c in order or CONFIGS if any(r["config"] == c for r in results)]
    for phones in sizes:
        lines += [f"\n### {phones} phones (median, min–max)\n",
                  "| figure | " + " | ".join(configs) + " |", "|---|" + "---|" * len(configs)]
        for column, path in FIGURES:
            cells = []
            for config in configs:
                runs = [r for r in results if r["config"] == config and r["phones"] == phones and r.get("connect")]
                cells.append(spread([pick(r, path) for r in runs]))
            lines.append(f"| {column} | " + " | ".join(cells) + " |")
        counted = []
        for config in configs:
            runs = [r for r in results if r["config"] == config and r["phones"] == phones]
            counted.append(f"{sum(1 for r in runs if r.get('ok'))}/{len(runs)} ok, "
                           f"{sum(1 for r in runs if r.get('noisy'))} noisy, lost {sum(r.get('lost', 0) for r in runs)}")
        lines.append("| runs | " + " | ".join(counted) + " |")
    lines.append(ratios(medians(results), sizes))
    return "\n".join(lines)


def ratios(med: dict, sizes: list[int]) -> str:
    pairs = [(a, b, "flood votes/s") for a, b in [
        ("live-1w", "bare-starlette"), ("live-1w", "bare-starlette-batched"), ("live-1w", "bare-starlette-gc"),
        ("live-1w", "bare-starlette-batched-gc"), ("live-1w-gc", "bare-starlette-gc"),
        ("live-1w-gc", "bare-starlette-batched-gc"), ("live-2w", "live-1w"), ("live-2w-gc", "live-1w-gc"),
        ("live-1w-gc", "live-1w")]] + [("live-1w", "bare-starlette", "KiB/phone")]
    pairs = [(a, b, col) for a, b, col in pairs if any((a, n) in med for n in sizes) and any((b, n) in med for n in sizes)]
    lines = ["\n### Ratios of medians (flood ingestion; memory per idle phone)\n",
             "| phones | " + " | ".join(f"{a} / {b}" + (" (KiB)" if col == "KiB/phone" else "")
                                     for a, b, col in pairs) + " |",
             "|---|" + "---|" * len(pairs)]
    for phones in sizes:
        cells = []
        for a, b, column in pairs:
            x, y = med.get((a, phones), {}).get(column), med.get((b, phones), {}).get(column)
            cells.append(f"{x / y:.2f}" if x and y else "–")
        lines.append(f"| {phones} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
