"""Real parts for every test: a real Redis server, a real uvicorn server on a free
loopback port, real WebSocket clients. The fixtures only; their parts live in tests/support/.

Redis: the one `LIVE_TEST_REDIS` names (embedded, the default; redis7; cluster), else
`REDIS_URL` if set, started once for the session in a temporary folder. Each app gets its own key prefix, so tests never
share state.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_asyncio

from .support import redis_servers, servers
from .support.servers import Server, make_settings


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> str:
    yield from servers.redis_url(tmp_path_factory)


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory):
    """A Redis Cluster of three masters with one replica each, from Debian's redis-server, for
    the tests that look at its shards (tests/server/test_cluster.py); skipped without the binary."""
    if not Path(redis_servers.REDIS_SERVER).exists():
        pytest.skip(f"{redis_servers.REDIS_SERVER} is missing: apt-get install redis-server (.ci/run does)")
    cluster = redis_servers.RedisCluster(tmp_path_factory.mktemp("cluster")).start()
    yield cluster
    cluster.stop()


@pytest_asyncio.fixture
async def server(redis_url):
    running = await Server(make_settings(redis_url)).start()
    yield running
    await running.stop()


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
