"""A worker killed in the middle of a reduction (issue 15): the archive is written, the event not yet
deleted. What is left is consistent (the full event and the full archive; the figures read from the
archive equal those of the evening), and the next retention pass, once the dead worker's lock has
expired, finishes the reduction."""

from __future__ import annotations

import signal

import httpx
import pytest
import redis.asyncio as aioredis

from bench.servers import LiveProcess

from ..server.test_history import ORGANISER, cast, post_event, run_votes
from ..support.clients import Phone
from .faults import until

pytestmark = pytest.mark.faults
DAY_MS = 86_400_000


async def results(url: str, code: str) -> tuple[dict, dict]:
    async with httpx.AsyncClient(base_url=url) as http:
        public = (await http.get(f"/api/events/{code}/results")).json()
        organiser = (await http.get(f"/api/events/{code}/results", headers=ORGANISER)).json()
    for body in (public, organiser):
        body.pop("archived", None)
    return public, organiser


async def test_worker_killed_between_archive_and_deletion(private_redis, tmp_path, live_apps):
    """SIGKILL while the reduction is paused between its steps: event and archive both whole, figures
    unchanged; a later pass deletes every participant-level key and the figures are still the same."""
    redis = aioredis.Redis.from_url(private_redis.url, decode_responses=True)
    common = {"REDIS_URL": private_redis.url, "LIVE_DEMO": "0"}
    later = {**common, "LIVE_CLOCK_OFFSET_MS": str(31 * DAY_MS), "LIVE_ARCHIVE_EVERY_SECONDS": "0.2",
             "LIVE_ARCHIVE_LOCK_SECONDS": "2"}
    try:
        evening = LiveProcess(tmp_path / "evening", env=common)
        live_apps.append(evening)
        await evening.start()
        event = await post_event(evening.url, {"title": "Jubileum", "propositions": ["Koers?", "Wonen"],
                                               "perspectives": ["Burger", "Gemeente"], "min_group": 3})
        code = event["code"]
        await run_votes(evening, event, {"p1": cast([("Burger", 3, 1), ("Gemeente", 1, 2)]),
                                         "p2": cast([(None, 2, 2)])})
        phone = await Phone(evening.ws_url, code).connect()
        assert (await phone.ask("Een vraag"))["type"] == "ack"
        await phone.close()
        before = await results(evening.url, code)
        keys_before = {key async for key in redis.scan_iter(f"live:{{{code}}}:*")}
        votes_before = await redis.hgetall(f"live:{{{code}}}:votes:p1")
        await evening.stop()

        paused = LiveProcess(tmp_path / "paused", env={**later, "LIVE_FAULT_PAUSE_ARCHIVE": "1"})
        live_apps.append(paused)
        await paused.start()
        await until(lambda: redis.hget(f"live:{{{code}}}:archive", "complete"), 60, "no archive was written")
        assert await paused.stop(signal.SIGKILL) == -signal.SIGKILL  # the worker, by its pid

        # Consistent: the whole event is still there next to the whole archive.
        assert {key async for key in redis.scan_iter(f"live:{{{code}}}:*")} == keys_before | {
            f"live:{{{code}}}:archive"}
        assert await redis.hgetall(f"live:{{{code}}}:votes:p1") == votes_before
        assert await redis.exists("live:lock:archiver")  # the dead worker's lock, expiring by itself

        resumed = LiveProcess(tmp_path / "resumed", env=later)
        live_apps.append(resumed)
        await resumed.start()
        assert await results(resumed.url, code) == before  # read from the archive, even before the rerun

        async def finished():
            return [key async for key in redis.scan_iter(f"live:{{{code}}}:*")] == [f"live:{{{code}}}:archive"]
        await until(finished, 60, "the reduction was not finished")
        assert await results(resumed.url, code) == before
    finally:
        await redis.aclose()
