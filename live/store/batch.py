"""Commands that arrive within one event-loop tick (a few milliseconds, while busy), sent to
Redis as one pipeline.

Still one command and one answer each; only the round trips are shared, which is what
dominates the cost of a small command on the hot paths (a hall's votes, a hall joining at
once: see docs/performance.md). Not a transaction: each command is as atomic as on its own.

A batcher with a `window` waits that long for company while it is busy (its last pipeline
went less than two windows ago): a hall joining at once, or voting at its own pace, arrives
one handshake or vote per tick, so one tick holds one command, and a pipeline costs the
worker ~0.15 ms whatever it carries. When quiet, a command still goes in the next tick.
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from ..errors import StoreUnavailable
from .base import REDIS_ERRORS


class TickBatcher:
    """One pipeline per tick (or window) of whatever was submitted in it; a script that
    Redis lost (a restart) is loaded again and only the commands that needed it are sent
    again."""

    def __init__(self, redis: Redis, window: float = 0.0):
        self._redis = redis
        self._window = window  # seconds
        self._flushed = -1.0  # loop time of the last pipeline
        self._pending: list[tuple[tuple, object, asyncio.Future]] = []

    def command(self, *command) -> asyncio.Future:
        return self._submit(command, None)

    def script(self, script, keys: list[str], args: list) -> asyncio.Future:
        # (execute_command: a cluster pipeline refuses pipe.evalsha, not EVALSHA itself)
        return self._submit(("EVALSHA", script.sha, len(keys), *keys, *args), script)

    def _submit(self, command: tuple, script) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((command, script, future))
        if len(self._pending) == 1:
            if self._window and loop.time() - self._flushed < 2 * self._window:
                loop.call_later(self._window, self._flush)
            else:
                loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        self._flushed = asyncio.get_running_loop().time()
        asyncio.get_running_loop().create_task(self._run(batch))

    async def _execute(self, batch) -> list:
        async with self._redis.pipeline(transaction=False) as pipe:
            for command, _, _ in batch:
                pipe.execute_command(*command)
            return await pipe.execute(raise_on_error=False)

    async def _run(self, batch) -> None:
        try:
            results = await self._execute(batch)
            lost = [i for i, result in enumerate(results) if isinstance(result, NoScriptError)]
            if lost:
                for script in {id(batch[i][1]): batch[i][1] for i in lost}.values():
                    await self._redis.script_load(script.script)
                for i, result in zip(lost, await self._execute([batch[i] for i in lost])):
                    results[i] = result
        except REDIS_ERRORS as error:
            results = [error] * len(batch)
        for (_, _, future), result in zip(batch, results):
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(StoreUnavailable(str(result)))
            else:
                future.set_result(result)


class VoteBatcher(TickBatcher):
    """The votes of one tick (or window) as one pipeline (one vote script each), optionally followed by
    WAIT on each connection that wrote them: a vote is acknowledged only once that many
    replicas have it (else retry_later, and the phone sends it again)."""

    def __init__(self, redis: Redis, script, wait: tuple[int, int] = (0, 0), window: float = 0.0):
        super().__init__(redis, window)
        self._script = script
        self._wait = (wait[0], max(1, wait[1]))  # (WAIT n 0 would wait for ever)

    def submit(self, keys: list[str], args: list) -> asyncio.Future:
        return self.script(self._script, keys, args)

    async def _execute(self, batch) -> list:
        async with self._redis.pipeline(transaction=False) as pipe:
            for command, _, _ in batch:
                pipe.execute_command(*command)
            waits = self._wait_targets(batch) if self._wait[0] else []
            for target in waits:  # on a cluster, one per master that the batch wrote to
                pipe.execute_command("WAIT", *self._wait, **target)
            results = await pipe.execute(raise_on_error=False)
        replicated = all(isinstance(r, int) and r >= self._wait[0] for r in results[len(batch):])
        return results[:len(batch)] if replicated else [StoreUnavailable("not replicated in time")] * len(batch)

    def _wait_targets(self, batch) -> list[dict]:
        if not hasattr(self._redis, "get_node_from_key"):
            return [{}]
        # EVALSHA sha numkeys key1 ...: the first key names the event's slot
        nodes = {node.name: node for node in (self._redis.get_node_from_key(command[3]) for command, _, _ in batch)}
        return [{"target_nodes": node} for node in nodes.values()]
