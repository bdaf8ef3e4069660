"""The app as a user runs it: the `live` command in its own process, on a socket we bound."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from .conftest import ADMIN_PASSWORD, bound_socket


class LiveProcess:
    def __init__(self, data_dir: Path, env: dict[str, str] | None = None, workers: int = 1):
        self.data_dir = data_dir
        self.workers = workers
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None
        self.output = data_dir / "live.log"

    async def start(self, timeout: float = 30, port: int = 0) -> "LiveProcess":
        self.socket = bound_socket(port)
        self.socket.listen(128)
        port = self.port = self.socket.getsockname()[1]
        self.url, self.ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update(LIVE_DATA_DIR=str(self.data_dir), LIVE_ADMIN_PASSWORD=ADMIN_PASSWORD, **self.extra_env)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.output, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "live", "--fd", str(self.socket.fileno()), "--workers", str(self.workers)],
                pass_fds=[self.socket.fileno()], env=env, stdout=log, stderr=subprocess.STDOUT,
                cwd=Path(__file__).resolve().parent.parent)
        async with httpx.AsyncClient(base_url=self.url) as http:
            deadline = asyncio.get_running_loop().time() + timeout
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"live exited early:\n{self.output.read_text()}")
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError(self.output.read_text())
                await asyncio.sleep(0.1)

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if self.process is None or self.process.poll() is not None:
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
