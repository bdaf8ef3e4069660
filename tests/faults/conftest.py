"""Fixtures of the fault tests: a Redis of one test alone, and the apps a test starts as processes."""

from __future__ import annotations

import pytest

from bench.servers import LiveProcess
from live.embedded_redis import EmbeddedRedis

from .faults import embedded_url, kill_if_alive, redis_pid


@pytest.fixture
def private_redis(tmp_path):
    """A Redis of this test alone (faults here kill, pause and starve it)."""
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if server.process is not None and server.process.poll() is None:
            server.process.kill()
            server.process.wait(5)


@pytest.fixture
async def live_apps():
    """LiveProcess instances started by a test; stopped afterwards, with their embedded Redis."""
    apps: list[LiveProcess] = []
    yield apps
    for app in apps:
        pid = await redis_pid(embedded_url(app.data_dir))
        await app.stop()
        kill_if_alive(pid)
