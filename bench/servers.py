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

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
ADMIN_PASSWORD = "bench-admin-password"


def bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def children(pid: int) -> list[int]:
    """Every descendant of `pid`."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found += kids
        frontier += kids
    return found


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def usage(pid: int) -> tuple[int, float]:
    """(resident memory in KiB, CPU seconds used so far: user + system)."""
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return rss, (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy() -> float:
    """CPU seconds all processes of the machine have used since boot (user, nice, system;
    not interrupts, which the loopback traffic of our own sockets causes)."""
    with open("/proc/stat") as f:
        user, nice, system = (int(x) for x in f.readline().split()[1:4])
    return (user + nice + system) / TICKS


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
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                redis = Redis.from_url(redis_url, socket_timeout=2)
                try:
                    clients = await redis.client_list()
                finally:
                    await redis.aclose()
                if sum(1 for c in clients if int(c.get("psub", 0)) > 0) >= subscribers:
                    return
            except (RedisError, OSError):
                pass  # still starting
            if loop.time() > deadline:
                raise TimeoutError(f"{self.name} not ready:\n{self.log_tail()}")
            await asyncio.sleep(0.1)

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

    async def start(self) -> "LiveServer":
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update(LIVE_DATA_DIR=str(self.dir / "data"), LIVE_ADMIN_PASSWORD=ADMIN_PASSWORD, LIVE_DEMO="0")
        self._spawn([sys.executable, "-m", "live", "--workers", str(self.workers)], env)
        self.redis_url = f"unix://{socket_path_for((self.dir / 'data').resolve())}"
        await self._ready(self.redis_url, subscribers=self.workers)
        kids = children(self.process.pid)
        self.pids["redis"] = [p for p in kids if "redis-server" in cmdline(p)]
        if self.workers == 1:
            self.pids["app"] = [self.process.pid]
        else:  # uvicorn's supervisor only watches; its workers serve
            self.pids["app"] = [p for p in kids if "multiprocessing" in cmdline(p) and "spawn_main" in cmdline(p)]
        return self


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
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                (await connect(lambda: WebSocket(f"127.0.0.1:{port}", "/ws/READY/audience"), "127.0.0.1", port)).abort()
                return
            except OSError:
                if loop.time() > deadline:
                    raise
                await asyncio.sleep(0.1)

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
