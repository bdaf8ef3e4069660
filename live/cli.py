"""`live`: start Redis if needed, load the demo debate, print the links, serve.

    live [--host 127.0.0.1] [--port 8000] [--workers 1] [--fd N]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

import uvicorn

from .app import services
from .connections import GuardedH11Protocol, raise_open_file_limit
from .embedded_redis import EmbeddedRedis
from .settings import Settings
from .web import event_urls

log = logging.getLogger("live")


def uvicorn_options(settings: Settings) -> dict:
    """Server options that matter for a hall full of phones (see docs/performance.md)."""
    return {
        "http": GuardedH11Protocol,  # h11 with a deadline on every request head (live/connections.py)
        "ws": "websockets-sansio",  # fairer under load than the legacy protocol
        "ws_per_message_deflate": False,  # deflate triples memory per connection
        "ws_max_size": max(settings.max_message_bytes * 4, 16 * 1024),
        "ws_ping_interval": 20.0,
        "ws_ping_timeout": 20.0,
        "timeout_graceful_shutdown": 5,
        "lifespan": "on",
        "server_header": False,
        # uvicorn's info lines are one to three per socket and page (30,000 for a hall of
        # 10,000, and a tenth of a join's CPU): off unless asked for; live's own log stays.
        "log_level": os.environ.get("LIVE_SERVER_LOG", "warning").lower(),
    }


async def _prepare(settings: Settings, base_url: str) -> list[str]:
    """Generated secrets and the demo debate, once, before the workers start."""
    async with services(settings) as running:
        await running.access.signer()
        lines = []
        if settings.load_demo:
            event, key = await running.debate.ensure_demo()
            urls = event_urls(base_url, event.code, key)
            lines += [f"Demo debate: {event.title}",
                      f"  audience   {urls['audience']}   (code {event.code})",
                      f"  projector  {urls['projector']}",
                      f"  moderator  {urls['moderator']}   (keep this link secret)"]
        lines.append(f"New event:    {base_url}/new")
        if not settings.organiser_password:
            lines.append(f"  admin password (generated; set LIVE_ADMIN_PASSWORD to choose one): "
                         f"{await running.access.organiser_password()}")
        return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="live", description="Run the live debate app.")
    parser.add_argument("--host", default=os.environ.get("LIVE_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))
    parser.add_argument("--fd", type=int, default=None, help="serve on an already bound socket (tests)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    log.info("open-file limit %d", raise_open_file_limit())  # the workers inherit it

    settings = Settings.from_env()
    embedded = None
    if not settings.redis_url:
        embedded = EmbeddedRedis(settings.data_dir)
        os.environ["REDIS_URL"] = embedded.start()  # the workers read it from the environment
        settings = Settings.from_env()
        log.info("embedded Redis serving %s (data in %s)", embedded.url, embedded.data_dir)
        embedded.supervise()
    try:
        shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
        if shown_host not in ("127.0.0.1", "localhost") and not settings.public_url and not settings.extra_hosts:
            log.warning("listening on %s without LIVE_PUBLIC_URL: only requests to localhost and 127.0.0.1 are "
                        "accepted (DNS rebinding); set LIVE_PUBLIC_URL to the address phones use", args.host)
        base_url = settings.public_url or f"http://{shown_host}:{args.port}"
        lines = asyncio.run(_prepare(settings, base_url))
        print("\n".join(["", *lines, ""]), flush=True)
        options = uvicorn_options(settings)
        if args.fd is not None:
            options["fd"] = args.fd
        else:
            options.update(host=args.host, port=args.port)
        # uvicorn re-raises SIGTERM once it has shut down; exit cleanly so that the
        # embedded Redis is stopped below rather than left behind.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        uvicorn.run("live.app:create_app", factory=True, workers=args.workers, **options)
    except KeyboardInterrupt:
        pass
    finally:
        if embedded is not None:
            embedded.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
