"""The servers under test, each in its own processes; their memory and CPU read from /proc.

`LiveServer` runs `python -m live --fd N --workers W` with its embedded Redis, exactly as a
user starts it. `BareServer` runs a reference server from bench/bare.py on an embedded
Redis started the same way. Both stop every process they started, by pid.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from redis.asyncio import Redis
from redis.exceptions import RedisError

from live.embedded_redis import EmbeddedRedis, socket_path_for

from .procfs import children, cmdline, machine_busy, usage

__all__ = ["ADMIN_PASSWORD", "LiveProcess", "LiveServer", "BareServer", "bound_socket", "machine_busy"]

ROOT = Path(__file__).resolve().parent.parent
ADMIN_PASSWORD = "admin-test-password"  # the organiser's password of every app that tests and bench start


def bound_socket(port: int = 0, backlog: int = 2048) -> socket.socket:
    """A listening loopback socket on a free port (or on `port` again, to restart a server in
    place) that a child process can inherit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


async def poll(ready, process: subprocess.Popen, log_text, name: str, timeout: float) -> None:
    """Await `ready()` every 0.1 s until it is true; fail if `process` exits first, or after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{log_text()}")
        if await ready():
            return
        if loop.time() > deadline:
            raise TimeoutError(f"{name} not ready:\n{log_text()}")
        await asyncio.sleep(0.1)


class LiveProcess:
    """`python -m live --fd N --workers W` in its own process, as a user runs it, on a socket
    bound here (kept, so that a restart can take the same port); ready when /healthz answers.
    Its embedded Redis lives in `data_dir`; output goes to `log` (default data_dir/live.log)."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None, workers: int = 1,
                 log: Path | None = None):
        self.data_dir = data_dir
        self.workers = workers
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None
        self.socket: socket.socket | None = None
        self.output = log or data_dir / "live.log"

    async def start(self, timeout: float = 30, port: int = 0) -> "LiveProcess":
        import httpx

        self.socket = bound_socket(port)
        port = self.port = self.socket.getsockname()[1]
        self.url, self.ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update(LIVE_DATA_DIR=str(self.data_dir), LIVE_ADMIN_PASSWORD=ADMIN_PASSWORD)
        env.update(self.extra_env)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.output, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "live", "--fd", str(self.socket.fileno()), "--workers", str(self.workers)],
                pass_fds=[self.socket.fileno()], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        async with httpx.AsyncClient(base_url=self.url) as http:
            async def healthy() -> bool:
                try:
                    return (await http.get("/healthz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await poll(healthy, self.process, self.output_text, "live", timeout)
        return self

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        """Send `sig` and wait (SIGKILL after `timeout`); the exit code."""
        if self.process is None or self.process.poll() is not None:
            if self.socket is not None:
                self.socket.close()
            return self.process.returncode if self.process else 0
        self.process.send_signal(sig)
        loop = asyncio.get_running_loop()
        try:
            code = await loop.run_in_executor(None, self.process.wait, timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = await loop.run_in_executor(None, self.process.wait)
        self.socket.close()
        return code

    def output_text(self) -> str:
        return self.output.read_text(errors="replace")


class Server:
    """Processes by role: `app` serves the sockets (the workers), `redis` is the store."""

    name = "server"
    workers = 1

    def __init__(self, env: dict[str, str] | None = None):
        self.env = env or {}  # extra environment for the server processes only
        self.dir = Path(tempfile.mkdtemp(prefix="live-bench-"))
        self.process: subprocess.Popen | None = None
        self.pids: dict[str, list[int]] = {"app": [], "redis": []}
        self.url = ""
        self.redis_url = ""

    def sample(self) -> dict[str, dict]:
        """Per role: summed RSS (KiB) and CPU seconds, and the per-process figures."""
        out = {}
        for role, pids in self.pids.items():
            figures = [usage(pid) for pid in pids]
            out[role] = {"rss_kib": sum(r for r, _ in figures), "cpu_s": sum(c for _, c in figures),
                         "per_process": figures}
        return out

    def _spawn(self, argv: list[str], env: dict[str, str]) -> None:
        sock = bound_socket()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with open(self.dir / "server.log", "ab") as log:
            self.process = subprocess.Popen([*argv, "--fd", str(sock.fileno())], pass_fds=[sock.fileno()],
                                            env={**env, **self.env}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        sock.close()  # the server holds its own copy

    def log_tail(self, lines: int = 30) -> str:
        text = (self.dir / "server.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    async def _ready(self, redis_url: str, subscribers: int, timeout: float = 60) -> None:
        """Wait until the Redis answers and `subscribers` processes hold a pub/sub subscription."""
        async def subscribed() -> bool:
            try:
                redis = Redis.from_url(redis_url, socket_timeout=2)
                try:
                    clients = await redis.client_list()
                finally:
                    await redis.aclose()
            except (RedisError, OSError):
                return False  # still starting
            return sum(1 for c in clients if int(c.get("psub", 0)) > 0) >= subscribers

        await poll(subscribed, self.process, self.log_tail, self.name, timeout)

    async def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the server (it stops its workers and Redis), then SIGKILL to any of
        its processes that outlived it, recognised by pid and command line."""
        if self.process is None:
            return
        ours = {pid: cmdline(pid) for pid in children(self.process.pid)}
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.get_running_loop().run_in_executor(None, self.process.wait, timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid, line in ours.items():
            if line and cmdline(pid) == line:
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


class LiveServer(Server):
    def __init__(self, workers: int = 1, env: dict[str, str] | None = None):
        super().__init__(env)
        self.workers = workers
        self.name = f"live-{workers}w"
        self.live: LiveProcess | None = None

    async def start(self) -> "LiveServer":
        self.live = LiveProcess(self.dir / "data", env={"LIVE_DEMO": "0", **self.env}, workers=self.workers,
                                log=self.dir / "server.log")
        try:
            await self.live.start(timeout=60)
        finally:
            self.process = self.live.process
        self.url = self.live.url
        self.redis_url = f"unix://{socket_path_for((self.dir / 'data').resolve())}"
        await self._ready(self.redis_url, subscribers=self.workers)
        kids = children(self.process.pid)
        self.pids["redis"] = [p for p in kids if "redis-server" in cmdline(p)]
        if self.workers == 1:
            self.pids["app"] = [self.process.pid]
        else:  # uvicorn's supervisor only watches; its workers serve
            self.pids["app"] = [p for p in kids if "multiprocessing" in cmdline(p) and "spawn_main" in cmdline(p)]
        return self

    async def stop(self, timeout: float = 20) -> None:
        try:
            await super().stop(timeout)
        finally:
            if self.live is not None and self.live.socket is not None:
                self.live.socket.close()


class BareServer(Server):
    def __init__(self, kind: str, batched: bool, env: dict[str, str] | None = None):
        super().__init__(env)
        self.kind, self.batched = kind, batched
        self.name = f"bare-{kind}" + ("-batched" if batched else "")
        self.redis = EmbeddedRedis(self.dir / "data")

    async def start(self) -> "BareServer":
        self.redis_url = self.redis.start()
        self.pids["redis"] = [self.redis.process.pid]
        argv = [sys.executable, "-m", "bench.bare", self.kind, "--redis-url", self.redis_url]
        self._spawn(argv + (["--batched"] if self.batched else []), dict(os.environ))
        self.pids["app"] = [self.process.pid]
        await self._ready_socket()
        return self

    async def _ready_socket(self, timeout: float = 30) -> None:
        from .wsclient import WebSocket, connect
        port = int(self.url.rsplit(":", 1)[1])

        async def accepts() -> bool:
            try:
                (await connect(lambda: WebSocket(f"127.0.0.1:{port}", "/ws/READY/audience"), "127.0.0.1", port)).abort()
            except OSError:
                return False
            return True

        await poll(accepts, self.process, self.log_tail, self.name, timeout)

    async def stop(self, timeout: float = 20) -> None:
        try:
            await super().stop(timeout)
        finally:
            self.redis.stop()


def make_server(target: str, workers: int = 1, env: dict[str, str] | None = None) -> Server:
    if target == "live":
        return LiveServer(workers, env)
    kind = target.removeprefix("bare-").removesuffix("-batched")
    return BareServer(kind, target.endswith("-batched"), env)


TARGETS = ["live", "bare-starlette", "bare-starlette-batched", "bare-websockets", "bare-websockets-batched"]
