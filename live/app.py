"""Composition root: `services()` builds every collaborator once (used by the app's
lifespan and by the `live` command), and `create_app()` declares the routes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from . import api, archive_api, collector, control, new_event, pages, signin, sockets, ticketing, web
from .access import Access
from .archiver import Archiver
from .bus import Bus
from .debate import Debate
from .errors import RuleError, StoreUnavailable
from .keys import Keys
from .report import Report
from .all_rooms import Rooms
from .security import SecurityMiddleware, handshake_limits, redact_logs
from .settings import Settings
from .store import Stores
from .store.connect import open_clients

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent


def follow_rooms(rooms: Rooms, bus: Bus, stores: Stores) -> None:
    """On a cluster, each worker follows the channel of each event it has sockets for:
    subscribed when the event's first socket joins (then the room is resynced, so nothing
    published meanwhile is missed), unsubscribed when its room goes. Standalone: a no-op."""
    async def follow(code: str, here: bool) -> None:
        try:
            if await stores.notices.follow(code, here) and (room := rooms.get(code)) is not None:
                await bus.resync(room)
        except StoreUnavailable:
            pass  # the subscription starts over and the audit resyncs

    if stores.notices.sharded:
        rooms.on_change = lambda code, here: bus.spawn(follow(code, here))


@dataclass(frozen=True)
class Services:
    settings: Settings
    stores: Stores
    rooms: Rooms
    bus: Bus
    access: Access
    debate: Debate
    report: Report
    archiver: Archiver

    def state(self) -> dict:
        """What every request and socket finds in its `state`."""
        return {"settings": self.settings, "rooms": self.rooms, "access": self.access, "debate": self.debate,
                "report": self.report, "archiver": self.archiver}


@contextlib.asynccontextmanager
async def services(settings: Settings) -> AsyncIterator[Services]:
    """Every collaborator, wired once; the Redis clients are closed on the way out."""
    clients = await open_clients(settings.redis_url, settings.redis_cluster)
    try:
        stores = Stores.open(clients.redis, clients.subscriber, Keys(settings.key_prefix), settings.retention_days,
                             sharded=clients.cluster, node_client=clients.node_client,
                             wait=(settings.redis_wait_replicas, settings.redis_wait_ms))
        rooms = Rooms()
        bus = Bus(stores, rooms)
        follow_rooms(rooms, bus, stores)
        debate = Debate(stores, bus)
        bus.on_deadline = debate.close_if_expired
        report = Report(stores)
        yield Services(settings, stores, rooms, bus, Access(stores, bus, settings), debate, report,
                       Archiver(stores, report, bus, settings))
    finally:
        await clients.aclose()


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    redact_logs()  # uvicorn has configured its loggers by now (the factory runs after that)
    handshake_limits()
    if not settings.redis_url:
        raise RuntimeError("REDIS_URL is not set: start the app with the `live` command, which starts an "
                           "embedded Redis, or point REDIS_URL at a Redis server.")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        # With 10,000 sockets (~150 tracked objects each) Python's collector stops the event
        # loop for a tenth of a second and more in the middle of a vote: live/collector.py.
        gc.set_threshold(*collector.THRESHOLDS)
        async with services(settings) as running:
            tasks = [asyncio.create_task(running.bus.run()), asyncio.create_task(running.bus.tick()),
                     asyncio.create_task(running.archiver.run()), asyncio.create_task(collector.Collector().run())]
            try:
                await running.access.signer()
            except StoreUnavailable:
                log.warning("Redis is not reachable yet; /healthz says 503 until it is")
            try:
                yield running.state()
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    routes = [
        # The sockets first: a hall joining at once is thousands of them (routes are tried in order).
        WebSocketRoute("/ws/{code}/audience", sockets.audience_socket),
        WebSocketRoute("/ws/{code}/projector", sockets.projector_socket),
        WebSocketRoute("/ws/{code}/moderator", sockets.moderator_socket),
        Route("/", pages.index),
        Route("/join", pages.join),
        Route("/e/{code}", pages.audience),
        Route("/projector/{code}", pages.projector),
        Route("/screen/{code}", pages.projector),  # the address printed before 0.2
        Route("/overlay/{code}", pages.overlay),
        Route("/overlay/{code}/{variant:str}", pages.overlay),
        Route("/qr/{code}.svg", pages.qr_code),
        Route("/qr/{code}/wifi.svg", pages.wifi_qr_code),
        Route("/qr/{code}/stream.svg", pages.qr_code),
        Route("/s/{code}", pages.stream_link),
        Route("/theme/{code}.css", pages.theme),
        Route("/logo/{code}", pages.logo),
        Route("/moderate/{code}", pages.moderator),
        Route("/moderate/{code}", signin.moderator_login, methods=["POST"]),
        Route("/moderate/{code}/logout", signin.moderator_logout, methods=["POST"]),
        Route("/moderate/{code}/logout-all", signin.moderator_logout, methods=["POST"]),
        Route("/moderate/{code}/key", signin.rotate_moderator_key, methods=["POST"]),
        Route("/new", new_event.new_event_form, methods=["GET", "POST"]),
        Route("/healthz", api.healthz),
        Route("/api/events", api.create_event, methods=["POST"]),
        Route("/api/events/{code}/results", api.event_results),
        Route("/api/events/{code}/results.csv", api.results_csv),
        Route("/api/events/{code}/results.xlsx", api.results_xlsx),
        Route("/api/events/{code}/questions.csv", api.questions_csv),
        Route("/api/events/{code}/export", api.export),
        Route("/api/events/{code}/definition", api.event_definition),
        Route("/api/events/{code}/control", control.control, methods=["POST"]),
        Route("/api/events/{code}/link", archive_api.link, methods=["POST"]),
        Route("/api/events/{code}/history/{proposition}", archive_api.proposition_history),
        Route("/api/events/{code}/archive", archive_api.export_event),
        Route("/api/events/{code}/archive", archive_api.archive_now, methods=["POST"]),
        Route("/api/events/{code}", archive_api.delete, methods=["DELETE"]),
        Route("/api/series/{series}/archive", archive_api.export_series),
        Route("/api/archives", archive_api.import_archive, methods=["POST"]),
        Route("/events/import", archive_api.import_form, methods=["POST"]),
        Route("/events/{code}/archive", archive_api.archive_form, methods=["POST"]),
        Route("/moderate/{code}/definition.json", api.event_definition),
        Route("/results/{code}", pages.results_report),
        Route("/tickets/{code}", ticketing.ticket_cards, methods=["GET", "POST"]),
        Route("/api/events/{code}/tickets", ticketing.make_tickets, methods=["POST"]),
        Route("/api/events/{code}/tickets.csv", ticketing.tickets_csv),
        Route("/events", pages.events_page),
        Route("/events", signin.organiser_login, methods=["POST"]),
        Route("/events/logout", signin.organiser_logout, methods=["POST"]),
        Route("/events/{code}/delete", pages.delete_event, methods=["POST"]),
        Mount("/static", StaticFiles(directory=ROOT / "static"), name="static"),
    ]
    return Starlette(
        routes=routes,
        # Compressed pages and scripts: the phone page weighs about a quarter on a hall's
        # Wi-Fi (bench/pageweight.py measures it).
        # A Host that is not ours is refused (400) before anything else: DNS rebinding.
        middleware=[Middleware(SecurityMiddleware, allowed_origins=settings.allowed_origins, allowed_hosts=settings.allowed_hosts,
                               sockets={"audience": sockets.audience_socket, "projector": sockets.projector_socket,
                                        "moderator": sockets.moderator_socket}),
                    Middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts, www_redirect=False),
                    Middleware(GZipMiddleware, minimum_size=1000)],
        lifespan=lifespan,
        exception_handlers={StoreUnavailable: web.store_unavailable, RuleError: web.rule_broken,
                            404: web.not_found},
    )
