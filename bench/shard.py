"""One Redis shard driven to saturation with the app's own vote script (issue 14, item 6).

    python -m bench.shard [--seconds 5] [--processes 2] [--concurrency 400]

Starts Debian's `redis-server` (7) on a free loopback port, append-only file with
`appendfsync everysec` as `live` runs its own, and measures the script that counts every
vote (live/store/lua/vote.lua) in two ways:

  app      --processes client processes, each with --concurrency voters casting votes
           through the app's store code (`VoteStore.cast_vote`: the same keys, the same
           per-tick pipeline). Votes/s, Redis CPU per vote script call, client CPU per vote.
  saturate Redis alone at its limit: `redis-benchmark` (C, pipelined) sends the same
           EVALSHA with the same six keys, random participants among --participants and
           agree/disagree from two concurrent benchmarks (so votes change, as in a hall).
           Votes/s with Redis's core full, and its CPU per call.

Redis's own `INFO commandstats` (microseconds inside the script per call) is printed next
to its process CPU (everything: parsing, networking, the AOF). Bounded in time; every
process started is stopped by pid.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .procfs import machine_busy, usage
from .servers import bound_socket

PREFIX = "shard"
CODE = "SHARD1"
EXPIRES_MS = 86_400_000


def free_port() -> int:
    sock = bound_socket()
    try:
        return sock.getsockname()[1]
    finally:
        sock.close()


class RedisServer:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="live-shard-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                             text=True).stdout.strip() != "PONG":
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.1)
        return self

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def cpu(self) -> float:
        return usage(self.process.pid)[1]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def store_for(url: str):
    from redis.asyncio import BlockingConnectionPool, Redis

    from live.keys import Keys
    from live.store.votes import VoteStore
    pool = BlockingConnectionPool.from_url(url, max_connections=64, timeout=60, decode_responses=True)
    return VoteStore(Redis.from_pool(pool), Keys(PREFIX))


async def prepare(url: str) -> tuple[str, list[str]]:
    """An event with an open proposition (as bench/loadtest.py's BareControl writes it); the
    script's SHA and keys."""
    store = store_for(url)
    keys = store.keys
    await store.redis.hset(keys.props(CODE), mapping={f"p{i}": str(i) for i in range(1, 11)})
    await store.redis.hset(keys.state(CODE), mapping={"current": "p1", "phase:p1": "open", "round:p1": "1"})
    outcome = await store.cast_vote(CODE, "p1", "warm-up", "agree", int(time.time() * 1000) + EXPIRES_MS)
    assert outcome.error is None, outcome
    sha = store._vote_script.sha
    vote_keys = [keys.props(CODE), keys.state(CODE), keys.votes(CODE, "p1"), keys.counts(CODE, "p1"),
                 keys.perspectives(CODE), keys.flagged(CODE)]
    await store.redis.aclose()
    return sha, vote_keys


async def client(url: str, seconds: float, concurrency: int, participants: int, seed: int) -> dict:
    """One client process: `concurrency` voters through VoteStore.cast_vote until the time is up."""
    store = store_for(url)
    rnd = random.Random(seed)
    expires = int(time.time() * 1000) + EXPIRES_MS
    count = errors = 0
    end = time.monotonic() + seconds

    async def voter() -> None:
        nonlocal count, errors
        while time.monotonic() < end:
            outcome = await store.cast_vote(CODE, "p1", f"{seed}-{rnd.randrange(participants)}",
                                            rnd.choice(("agree", "disagree", "neutral")), expires)
            count += 1
            errors += outcome.error is not None

    start_cpu = time.process_time()
    await asyncio.gather(*(voter() for _ in range(concurrency)))
    cpu = time.process_time() - start_cpu
    await store.redis.aclose()
    return {"votes": count, "errors": errors, "cpu_s": cpu}


async def commandstats(url: str) -> tuple[int, int]:
    """(calls, microseconds) of EVALSHA so far, as Redis counts them."""
    from redis.asyncio import Redis
    redis = Redis.from_url(url)
    try:
        stats = await redis.info("commandstats")
    finally:
        await redis.aclose()
    found = stats.get("cmdstat_evalsha", {})
    return int(found.get("calls", 0)), int(found.get("usec", 0))


def measure_phase(redis: RedisServer, commands: list[list[str]], seconds: float) -> dict:
    """Run the client commands at once for `seconds`; Redis's CPU and commandstats around them."""
    calls0, usec0 = asyncio.run(commandstats(redis.url))
    cpu0, busy0, t0 = redis.cpu(), machine_busy(), time.monotonic()
    processes = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                 for argv in commands]
    outputs = []
    try:
        for process in processes:
            out, _ = process.communicate(timeout=seconds + 60)
            outputs.append(out)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    elapsed = time.monotonic() - t0
    cpu, busy = redis.cpu() - cpu0, machine_busy() - busy0
    calls1, usec1 = asyncio.run(commandstats(redis.url))
    calls = calls1 - calls0
    return {"calls": calls, "seconds": round(elapsed, 2), "votes_per_s": round(calls / elapsed),
            "redis_cores": round(cpu / elapsed, 2),
            "redis_us_per_call": round(1e6 * cpu / max(1, calls), 2),
            "redis_script_us_per_call": round((usec1 - usec0) / max(1, calls), 2),
            "machine_cores": round(busy / elapsed, 2), "outputs": outputs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="One Redis shard at its limit with live's vote script.")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--processes", type=int, default=2, help="client processes through the app's store code")
    parser.add_argument("--concurrency", type=int, default=400, help="voters per client process")
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--pipeline", type=int, default=32, help="redis-benchmark's pipeline depth")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client:
        print(json.dumps(asyncio.run(client(args.url, args.seconds, args.concurrency, args.participants,
                                            args.seed))))
        return 0

    redis = RedisServer().start()
    try:
        sha, keys = asyncio.run(prepare(redis.url))
        report = {"redis": subprocess.run(["redis-server", "--version"], capture_output=True,
                                          text=True).stdout.strip(),
                  "load_before": " ".join(f"{v:.2f}" for v in os.getloadavg())}
        app = measure_phase(redis, [[sys.executable, "-m", "bench.shard", "--client", "--url", redis.url,
                                     "--seconds", str(args.seconds), "--concurrency", str(args.concurrency),
                                     "--participants", str(args.participants), "--seed", str(i + 1)]
                                    for i in range(args.processes)], args.seconds)
        clients = [json.loads(line) for line in app.pop("outputs") if line.strip()]
        votes = sum(c["votes"] for c in clients)
        app["client_cores"] = round(sum(c["cpu_s"] for c in clients) / app["seconds"], 2)
        app["client_us_per_vote"] = round(1e6 * sum(c["cpu_s"] for c in clients) / max(1, votes), 1)
        app["errors"] = sum(c["errors"] for c in clients)
        report["app"] = app
        # Redis alone: two C benchmarks (agree / disagree) for a fixed number of calls each.
        total = max(100_000, int(app["votes_per_s"] * 4 * args.seconds))
        bench = [["redis-benchmark", "-h", "127.0.0.1", "-p", str(redis.port), "-c", "25", "-P", str(args.pipeline),
                  "-n", str(total // 2), "-r", str(args.participants), "-q",
                  "EVALSHA", sha, "6", *keys, "p1", "__rand_int__", choice, str(int(time.time() * 1000) + EXPIRES_MS)]
                 for choice in ("agree", "disagree")]
        saturate = measure_phase(redis, bench, args.seconds)
        saturate.pop("outputs")
        report["saturate"] = saturate
        stored = subprocess.run(["redis-cli", "-p", str(redis.port), "hlen", keys[2]], capture_output=True,
                                text=True).stdout.strip()
        report["stored_votes"] = int(stored or 0)
    finally:
        redis.stop()
    a, s = report["app"], report["saturate"]
    print(f"{report['redis']}; load average before: {report['load_before']}")
    print("| drive | votes/s | Redis cores | Redis CPU µs/call (process) | in the script µs/call "
          "| client cores | client CPU µs/vote | machine cores |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| app's store code ({args.processes} × {args.concurrency} voters) | {a['votes_per_s']} | "
          f"{a['redis_cores']} | {a['redis_us_per_call']} | {a['redis_script_us_per_call']} | {a['client_cores']} | "
          f"{a['client_us_per_vote']} | {a['machine_cores']} |")
    print(f"| redis-benchmark, pipeline {args.pipeline} (saturation) | {s['votes_per_s']} | {s['redis_cores']} | "
          f"{s['redis_us_per_call']} | {s['redis_script_us_per_call']} | – | – | {s['machine_cores']} |")
    full = s["votes_per_s"] / max(0.01, s["redis_cores"])
    print(f"one shard's core, full: ≈ {full:.0f} votes/s (saturation votes/s / Redis cores); "
          f"app errors {a['errors']}; votes stored {report['stored_votes']}")
    report["shard_votes_per_s_at_one_core"] = round(full)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0 if a["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
