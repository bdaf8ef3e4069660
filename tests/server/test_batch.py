"""The join batcher (store/batch.py) against a real Redis: quiet, a command goes in the next
tick on its own; busy, the commands of a window share one pipeline, each with its own
answer."""

from __future__ import annotations

import asyncio
import uuid

from live.store.batch import TickBatcher
from live.store.connect import open_clients


class CountingBatcher(TickBatcher):
    """Records the commands of each pipeline it sends."""

    def __init__(self, redis, window: float):
        super().__init__(redis, window)
        self.pipelines: list[list[str]] = []

    async def _execute(self, batch) -> list:
        self.pipelines.append([command[1] for command, _, _ in batch])
        return await super()._execute(batch)


async def test_busy_commands_share_a_pipeline_and_a_quiet_one_goes_alone(redis_url):
    clients = await open_clients(redis_url)
    prefix = f"batch-test:{{{uuid.uuid4().hex[:8]}}}"  # one slot on a cluster
    try:
        await clients.redis.set(f"{prefix}:a", "1")
        await clients.redis.hset(f"{prefix}:h", mapping={"x": "1", "y": "2"})
        batcher = CountingBatcher(clients.redis, window=1.0)
        assert await batcher.command("GET", f"{prefix}:a") == "1"  # quiet: alone, at once

        # Busy now (a pipeline just went): commands of later ticks wait for company.
        first = batcher.command("HGETALL", f"{prefix}:h")
        await asyncio.sleep(0)
        second = batcher.command("INCR", f"{prefix}:a")
        await asyncio.sleep(0)
        third = batcher.command("GET", f"{prefix}:missing")
        assert await asyncio.gather(first, second, third) == [{"x": "1", "y": "2"}, 2, None]
        assert batcher.pipelines == [[f"{prefix}:a"], [f"{prefix}:h", f"{prefix}:a", f"{prefix}:missing"]]
    finally:
        await clients.redis.delete(f"{prefix}:a", f"{prefix}:h")
        await clients.aclose()


async def test_without_a_window_every_tick_is_a_pipeline(redis_url):
    clients = await open_clients(redis_url)
    key = f"batch-test:{{{uuid.uuid4().hex[:8]}}}:n"
    try:
        batcher = CountingBatcher(clients.redis, window=0.0)
        await batcher.command("INCR", key)
        first = batcher.command("INCR", key)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        second = batcher.command("INCR", key)
        assert await asyncio.gather(first, second) == [2, 3]
        assert batcher.pipelines == [[key], [key], [key]]
    finally:
        await clients.redis.delete(key)
        await clients.aclose()
