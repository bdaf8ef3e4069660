"""What one pipeline costs the worker, by how many joins it carries.

    python -m bench.pipeline_cost [--joins 4000]

A join's Redis work is two commands (the event's HGETALL and the identity record, a
script), sent through the store's batcher (live/store/batch.py) against an embedded Redis.
Prints this process's CPU per join with 1, 2, 4 and 8 joins per pipeline: the difference
is the fixed cost of a pipeline (redis-py and the event loop), which the batcher's window
shares out (docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time

from live.embedded_redis import EmbeddedRedis
from live.store.batch import TickBatcher
from live.store.connect import standalone_clients

NOTE = "return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])"  # stands in for note.lua


async def measure(url: str, joins: int) -> None:
    clients = standalone_clients(url)
    redis = clients.redis
    try:
        await redis.hset("bench:event", mapping={f"field{i}": "x" * 40 for i in range(20)})
        note = redis.register_script(NOTE)
        await note(keys=["bench:ids"], args=["warm", "up"])
        batcher = TickBatcher(redis)  # no window: each loop below is one pipeline
        for per in (1, 2, 4, 8):
            rounds = joins // per
            started = time.process_time()
            for i in range(rounds):
                futures = []
                for j in range(per):
                    futures.append(batcher.command("HGETALL", "bench:event"))
                    futures.append(batcher.script(note, ["bench:ids"], [f"p{i}-{j}", "socket:1"]))
                await asyncio.gather(*futures)
            cpu = time.process_time() - started
            print(f"{per} join(s) per pipeline: {1e6 * cpu / (rounds * per):6.1f} µs of CPU per join, "
                  f"{1e6 * cpu / rounds:6.1f} per pipeline")
        await redis.delete("bench:event", "bench:ids")
    finally:
        await clients.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--joins", type=int, default=4000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        redis = EmbeddedRedis(folder)
        redis.start()
        try:
            import uvloop  # as the server runs
            uvloop.install()
            asyncio.run(measure(f"unix://{redis.socket}", args.joins))
        finally:
            redis.stop()


if __name__ == "__main__":
    main()
