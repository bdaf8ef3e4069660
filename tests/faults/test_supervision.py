"""The `live` command supervises its embedded Redis (docs/test-plan.md E15): killed, it is
started again on the same data folder, nothing acknowledged is lost, and /healthz comes
back to 200 without anyone restarting the app."""

from __future__ import annotations

import os
import signal

import httpx
import pytest

from bench.procfs import alive
from bench.servers import ADMIN_PASSWORD, LiveProcess

from ..support.clients import Moderator, Phone, create_event
from .faults import embedded_url, redis_pid, until

pytestmark = pytest.mark.faults


async def test_live_restarts_its_embedded_redis(tmp_path, live_apps):
    """SIGKILL the embedded Redis of a running `live`: it is restarted with the same data (the acknowledged vote
    and the event are still there), the log says so, and /healthz is 200 again by itself within seconds."""
    app = LiveProcess(tmp_path / "data", env={"LIVE_DEMO": "0"})
    live_apps.append(app)
    await app.start()
    url = embedded_url(app.data_dir)
    event = await create_event(app.url)
    code = event["code"]
    moderator = await Moderator(app.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    phone = await Phone(app.ws_url, code).connect()
    assert (await phone.vote("p1", "agree"))["type"] == "ack"
    for client in (phone, moderator):
        await client.close()

    before = await redis_pid(url)
    assert before is not None
    os.kill(before, signal.SIGKILL)
    await until(lambda: not alive(before), 5, "Redis did not die")

    async with httpx.AsyncClient(base_url=app.url, timeout=5) as http:
        async def healthy() -> bool:
            try:
                return (await http.get("/healthz")).status_code == 200
            except httpx.HTTPError:
                return False

        async def restarted() -> bool:
            pid = await redis_pid(url)
            return pid is not None and pid != before and await healthy()

        await until(restarted, 20, lambda: f"Redis not back or /healthz not 200:\n{app.output_text()[-2000:]}")
        # Unrevealed counts are the organiser's (hidden means hidden).
        results = await http.get(f"/api/events/{code}/results", headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"})
    assert results.status_code == 200
    assert results.json()["propositions"][0]["counts"]["agree"] == 1  # the acked vote survived
    log = app.output_text()
    assert "embedded Redis exited" in log and "embedded Redis is back" in log


async def test_sigterm_with_stuck_handshakes_finishes_within_the_grace_period(tmp_path, live_apps):
    """`live` raises its open-file limit to the hard limit; with 100 silent connections, 100 half-sent WebSocket
    handshakes and 50 connected phones, SIGTERM ends it within its 5 s grace period (E19)."""
    import asyncio
    import resource
    import time
    from pathlib import Path

    app = LiveProcess(tmp_path / "data", env={"LIVE_DEMO": "0"})
    live_apps.append(app)
    await app.start()
    limits = Path(f"/proc/{app.process.pid}/limits").read_text()
    soft = int(next(line for line in limits.splitlines() if line.startswith("Max open files")).split()[3])
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    assert soft == min(hard, 1 << 20) or hard == resource.RLIM_INFINITY
    event = await create_event(app.url)
    writers, phones = [], []
    try:
        for i in range(200):
            _, writer = await asyncio.open_connection("127.0.0.1", app.port)
            if i % 2:
                writer.write(f"GET /ws/{event['code']}/audience HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                             .encode())
            writers.append(writer)
        for _ in range(50):
            phones.append(await Phone(app.ws_url, event["code"]).connect())
        started = time.monotonic()
        code = await app.stop(timeout=15)
        elapsed = time.monotonic() - started
    finally:
        for writer in writers:
            writer.close()
    print(f"E19: SIGTERM to exit {elapsed:.2f} s, exit code {code}")
    assert elapsed < 7 and code == 0
