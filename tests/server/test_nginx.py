"""Debian's nginx, with the configuration printed in docs/deploy.md, in front of two app
processes on one Redis: phones, a projector and a moderator connect through it, and the
whole loop works (issue 14, item 4). The documented configuration is the tested one: the
test only puts its own ports in place of 80, 8001 and 8002."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from bench.servers import LiveProcess, bound_socket

from ..support.clients import Moderator, Phone, Screen, create_event

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"

pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="needs Debian's nginx (.ci/run installs it)")


def documented_config() -> str:
    text = DEPLOY.read_text()
    section = text[text.index("## Behind a reverse proxy and load balancer (nginx)"):]
    return re.search(r"```nginx\n(.*?)```", section, re.S).group(1)


def nginx_conf(folder: Path, port: int, upstreams: list[int]) -> str:
    config = documented_config()
    assert "listen 80;" in config and "127.0.0.1:8001" in config and "127.0.0.1:8002" in config
    config = config.replace("listen 80;", f"listen 127.0.0.1:{port};")
    config = config.replace("127.0.0.1:8001", f"127.0.0.1:{upstreams[0]}")
    config = config.replace("127.0.0.1:8002", f"127.0.0.1:{upstreams[1]}")
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                          "uwsgi", "scgi"))
    # One process as the user running the test (no privilege drop), files in `folder`.
    return (f"daemon off;\nmaster_process off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 1024; }}\n"
            f"http {{\n    access_log off;\n{temp}\n{config}\n}}\n")


async def test_whole_loop_through_nginx_in_front_of_two_app_processes(tmp_path, redis_url):
    # LIVE_SERVER_LOG=info: each process logs its sockets, to tell that nginx used both
    apps = [LiveProcess(tmp_path / f"app{i}", env={"REDIS_URL": redis_url, "LIVE_DEMO": "0",
                                                    "LIVE_SECRET_KEY": "nginx-test-secret", "LIVE_SERVER_LOG": "info"})
            for i in range(2)]
    nginx = None
    try:
        await asyncio.gather(*(app.start(timeout=60) for app in apps))
        reserved = bound_socket()
        port = reserved.getsockname()[1]
        reserved.close()
        folder = tmp_path / "nginx"
        folder.mkdir()
        (folder / "nginx.conf").write_text(nginx_conf(folder, port, [app.port for app in apps]))
        nginx = subprocess.Popen([NGINX, "-c", str(folder / "nginx.conf"), "-p", str(folder), "-e",
                                  str(folder / "error.log")], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        url, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=url) as http:
            for _ in range(100):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert nginx.poll() is None, (folder / "error.log").read_text()
                await asyncio.sleep(0.1)

        event = await create_event(url)
        code = event["code"]
        origin = {"Origin": url}  # a browser's: the same-origin check holds behind nginx
        moderator = await Moderator(ws_url, code, event["moderator_key"]).connect()
        screens = [await Screen(ws_url, code).connect() for _ in range(2)]
        phones = [await Phone(ws_url, code, headers=origin).connect() for _ in range(10)]
        clients = [moderator, *screens, *phones]
        await moderator.command("goto", proposition="p1")
        await moderator.command("open")
        for screen in screens:
            await screen.wait_latest("state", lambda m: m["phase"] == "open")
        for index, phone in enumerate(phones):
            assert (await phone.vote("p1", "agree" if index < 6 else "disagree"))["type"] == "ack"
        counts = {"agree": 6, "disagree": 4, "neutral": 0}
        await moderator.wait_latest("tally", lambda m: m.get("counts") == counts)
        await moderator.command("close")
        await moderator.command("reveal")
        for screen in screens:
            assert (await screen.wait_latest("tally", lambda m: "counts" in m))["counts"] == counts
        for phone in phones:
            await phone.wait_latest("tally", lambda m: m.get("counts") == counts)
        # The moderator sees the phones of both processes: nginx spread them.
        await moderator.wait_latest("presence", lambda m: m["online"] == 10, timeout=10)
        for app in apps:
            assert "/ws/" in app.output_text(), "nginx sent no socket to one of the app processes"
        for client in clients:
            await client.close()
    finally:
        if nginx is not None and nginx.poll() is None:
            nginx.send_signal(signal.SIGQUIT)
            try:
                nginx.wait(10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()
        for app in apps:
            await app.stop()
