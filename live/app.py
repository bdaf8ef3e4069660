"""Composition root: opens Redis and the hub in the lifespan, declares the routes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from pathlib import Path

from redis.asyncio import BlockingConnectionPool, Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from . import pages, sockets
from .debate import Debate
from .hub import Hub
from .keys import Keys
from .model import RuleError
from .question_store import QuestionStore
from .security import SecurityMiddleware
from .settings import Settings
from .store import Store, StoreUnavailable

log = logging.getLogger(__name__)
GC_THRESHOLDS = (50_000, 10, 1_000)
ROOT = Path(__file__).resolve().parent.parent


def redis_clients(url: str) -> tuple[Redis, Redis]:
    """One pooled client for commands, one for the pub/sub subscription.

    The pool is blocking and bounded: a burst waits for a connection instead of failing
    with MaxConnectionsError (redis-py's default pool raises past 100).
    """
    pool = BlockingConnectionPool.from_url(url, max_connections=64, timeout=5, decode_responses=True,
                                           socket_timeout=5, socket_connect_timeout=3, retry_on_timeout=False)
    subscriber = Redis.from_url(url, decode_responses=True, socket_connect_timeout=3, health_check_interval=10)
    return Redis.from_pool(pool), subscriber


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    if not settings.redis_url:
        raise RuntimeError("REDIS_URL is not set: start the app with the `live` command, which starts an "
                           "embedded Redis, or point REDIS_URL at a Redis server.")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        # With 10,000 sockets (~150 tracked objects each) Python's default collector runs a
        # full collection that stops the event loop for about a second in the middle of a
        # vote burst. Rarer collections keep that out of an evening; reference counting
        # still frees almost everything at once (measured: docs/performance.md).
        gc.set_threshold(*GC_THRESHOLDS)
        redis, subscriber = redis_clients(settings.redis_url)
        store = Store(redis, Keys(settings.key_prefix), settings.retention_days)
        hub = Hub(subscriber, store, QuestionStore(redis, store.keys))
        debate = Debate(store, hub, settings)
        tasks = [asyncio.create_task(hub.run()), asyncio.create_task(hub.tick())]
        try:
            await debate.signer()
        except StoreUnavailable:
            log.warning("Redis is not reachable yet; /healthz says 503 until it is")
        try:
            yield {"settings": settings, "debate": debate, "hub": hub}
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await subscriber.aclose()
            await redis.aclose()

    routes = [
        Route("/", pages.index),
        Route("/join", pages.join),
        Route("/e/{code}", pages.audience),
        Route("/screen/{code}", pages.screen),
        Route("/qr/{code}.svg", pages.qr_code),
        Route("/theme/{code}.css", pages.theme),
        Route("/logo/{code}", pages.logo),
        Route("/moderate/{code}", pages.moderate),
        Route("/moderate/{code}", pages.login, methods=["POST"]),
        Route("/moderate/{code}/logout", pages.logout, methods=["POST"]),
        Route("/new", pages.new_event_form, methods=["GET", "POST"]),
        Route("/healthz", pages.healthz),
        Route("/api/events", pages.api_create_event, methods=["POST"]),
        Route("/api/events/{code}/results", pages.api_results),
        Route("/api/events/{code}/results.csv", pages.api_results_csv),
        Route("/api/events/{code}/questions.csv", pages.api_questions_csv),
        Route("/api/events/{code}/export", pages.api_export),
        Route("/api/events/{code}/definition", pages.api_definition),
        Route("/moderate/{code}/definition.json", pages.api_definition),
        Route("/results/{code}", pages.results_report),
        Route("/events", pages.events_page, methods=["GET", "POST"]),
        Route("/events/logout", pages.events_logout, methods=["POST"]),
        Route("/events/{code}/delete", pages.delete_event, methods=["POST"]),
        WebSocketRoute("/ws/{code}/audience", sockets.audience_socket),
        WebSocketRoute("/ws/{code}/projector", sockets.projector_socket),
        WebSocketRoute("/ws/{code}/moderator", sockets.moderator_socket),
        Mount("/static", StaticFiles(directory=ROOT / "static"), name="static"),
    ]
    return Starlette(
        routes=routes,
        # Compressed pages and scripts: the phone page weighs ~22 KB instead of ~85 KB on a
        # hall's Wi-Fi (bench/pageweight.py).
        middleware=[Middleware(SecurityMiddleware, allowed_origins=settings.allowed_origins),
                    Middleware(GZipMiddleware, minimum_size=1000)],
        lifespan=lifespan,
        exception_handlers={StoreUnavailable: pages.store_unavailable, RuleError: pages.rule_broken,
                            404: lambda r, e: pages.not_found(r)},
    )
