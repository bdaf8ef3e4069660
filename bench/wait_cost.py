"""What `LIVE_REDIS_WAIT_REPLICAS=1` costs per vote on a Redis Cluster (issue 14, item 3).

Starts a three-master, three-replica cluster from Debian's redis-server on loopback
(tests/support/redis_servers.py), then casts votes through the app's own VoteStore (the
vote script, batched per event-loop tick) without and with WAIT 1: one at a time (the
latency of a phone's ack) and in bursts of concurrent votes (a hall's throughput).

    .venv/bin/python -m bench.wait_cost [--votes 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from live.keys import Keys
from live.store.connect import cluster_clients
from live.store.votes import VoteStore
from tests.support.redis_servers import RedisCluster

EXPIRES = int(time.time() * 1000) + 3_600_000


async def measure(url: str, wait: tuple[int, int], votes: int) -> dict:
    clients = cluster_clients(url)
    keys = Keys(f"w{wait[0]}x{time.monotonic_ns()}")
    store = VoteStore(clients.redis, keys, wait)
    code = "WAITCO"
    await clients.redis.hset(keys.props(code), "p1", "x")
    await clients.redis.hset(keys.state(code), mapping={"current": "p1", "phase:p1": "open", "seq": "1"})
    try:
        latencies = []
        for i in range(min(votes, 500)):
            started = time.perf_counter()
            await store.cast_vote(code, "p1", f"s{i}", "agree", EXPIRES)
            latencies.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        for start in range(0, votes, 500):
            await asyncio.gather(*(store.cast_vote(code, "p1", f"b{i}", "agree", EXPIRES)
                                   for i in range(start, min(votes, start + 500))))
        burst = votes / (time.perf_counter() - started)
        # Redis CPU per vote script on the event's shard: its saturation is ~1e6 / this (votes/s).
        master = clients.redis.get_node_from_key(keys.state(code))
        stats = await clients.redis.info("commandstats", target_nodes=master)
        usec_per_vote = stats["cmdstat_evalsha"]["usec_per_call"]
    finally:
        await clients.aclose()
    latencies.sort()
    return {"median_ms": statistics.median(latencies), "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
            "burst_votes_per_s": burst, "redis_us_per_vote": usec_per_vote}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=2000)
    args = parser.parse_args()
    cluster = RedisCluster(Path(tempfile.mkdtemp(prefix="live-wait-"))).start()
    try:
        print("| ack waits for | one vote, median | one vote, p99 | burst of concurrent votes | shard CPU per vote |")
        print("|---|---|---|---|---|")
        for wait, label in (((0, 0), "the master only"), ((1, 100), "one replica (WAIT 1 100)")) * 2:
            figures = await measure(cluster.url, wait, args.votes)
            print(f"| {label} | {figures['median_ms']:.2f} ms | {figures['p99_ms']:.2f} ms | "
                  f"{figures['burst_votes_per_s']:,.0f} votes/s | {figures['redis_us_per_vote']:.1f} µs |")
    finally:
        cluster.stop()


if __name__ == "__main__":
    asyncio.run(main())
