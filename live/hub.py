"""Fan-out: one Redis pub/sub subscription per process, bounded outboxes per socket.

Redis holds the truth; the subscription is only a doorbell. Notices carry the event's
sequence number (state) or a version (tally), so a stale or repeated notice is dropped,
and a periodic audit compares with Redis and repairs anything a dropped notice missed.
Each socket has an Outbox with latest-wins slots: a slow phone never holds up the hall,
and a burst of votes becomes at most a few tally messages per second.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from . import protocol
from .model import Tally
from .question_store import QuestionStore
from .questions import item, wall_order
from .store import Store, StoreUnavailable

log = logging.getLogger(__name__)

WS_1008_POLICY_VIOLATION = 1008
PROJECTOR_TALLY_INTERVAL = 0.1  # at most ~10 tally messages a second to screens
AUDIENCE_TALLY_INTERVAL = 1.0  # phones: once a second is plenty
PUBLISH_INTERVAL = 0.05  # how often one worker rings the bell with its newest tally
QUESTIONS_INTERVAL = 0.25  # question lists are re-read from Redis at most 4 times a second
TICK_INTERVAL = 2.0  # presence reports and the audit against Redis
PRESENCE_TTL_MS = 10_000


class Outbox:
    """What is waiting to go to one socket. Replies are a bounded FIFO (oldest dropped);
    state, tally and presence are single slots in which the newest replaces the older."""

    __slots__ = ("role", "participant", "language", "_replies", "_state", "_state_seq", "_tally",
                 "_presence", "_questions", "_status", "_wake", "has_waiting", "_close_code")

    def __init__(self, role: str, participant: str | None = None, language: str = "nl"):
        self.role = role
        self.participant = participant
        self.language = language
        self._replies: deque[str] = deque(maxlen=32)
        self._state: str | None = None
        self._state_seq = -1
        self._tally: str | None = None
        self._presence: str | None = None
        self._questions: str | None = None
        self._status: str | None = None
        self._wake = asyncio.Event()
        self.has_waiting = False  # this participant has questions waiting for moderation
        self._close_code: int | None = None

    def reply(self, message: str) -> None:
        self._replies.append(message)
        self._wake.set()

    def state(self, seq: int, message: str, force: bool = False) -> None:
        if seq < self._state_seq or (seq == self._state_seq and not force):
            return
        self._state_seq = seq
        self._state = message
        self._wake.set()

    def tally(self, message: str) -> None:
        self._tally = message
        self._wake.set()

    def presence(self, message: str) -> None:
        self._presence = message
        self._wake.set()

    def questions(self, message: str) -> None:
        self._questions = message
        self._wake.set()

    def status(self, message: str) -> None:
        self._status = message
        self._wake.set()

    @property
    def closing(self) -> bool:
        return self._close_code is not None

    def close(self, code: int) -> None:
        """Ask for the socket to be closed after the waiting replies (state and tallies are dropped)."""
        self._close_code = code
        self._wake.set()

    async def pump(self, send: Callable[[str], Awaitable[None]],
                   close: Callable[[int], Awaitable[None]] | None = None) -> None:
        """Send what is waiting, forever; ends after closing, or when the socket is gone."""
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._replies:
                    await send(self._replies.popleft())
                if self._close_code is not None and close is not None:
                    await close(self._close_code)
                    return
                for slot in ("_status", "_state", "_tally", "_questions", "_presence"):
                    message = getattr(self, slot)
                    if message is not None:
                        setattr(self, slot, None)
                        await send(message)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - whatever the transport raises, the socket is gone
            log.debug("outbox of a %s socket stopped: %r", self.role, error)


class Throttle:
    """Calls `action` at most once per `interval`, and always once after the last trigger."""

    def __init__(self, interval: float, action: Callable[[], None]):
        self.interval = interval
        self.action = action
        self._last = 0.0
        self._handle: asyncio.TimerHandle | None = None

    def trigger(self) -> None:
        if self._handle is not None:
            return
        loop = asyncio.get_running_loop()
        delay = self._last + self.interval - loop.time()
        if delay <= 0:
            self._fire()
        else:
            self._handle = loop.call_later(delay, self._fire)

    def _fire(self) -> None:
        self._handle = None
        self._last = asyncio.get_running_loop().time()
        self.action()

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class Room:
    """This process's view of one event: its sockets and the newest state and tally seen."""

    def __init__(self, hub: "Hub", code: str):
        self.code = code
        self.outboxes: dict[str, set[Outbox]] = {role: set() for role in protocol.ROLES}
        self.state: dict | None = None  # the last state view (a cache of Redis, by seq)
        self.event = None  # the event's definition (immutable), for what each role may see
        self.tally: Tally | None = None  # the newest tally of the current proposition
        self.outgoing: tuple[str, int, int] | None = None  # (proposition, round, version) of this worker's newest vote
        self.online = 0
        self.reported_online = -1
        self.screen_throttle = Throttle(PROJECTOR_TALLY_INTERVAL, lambda: self.send_tally(("moderator", "projector")))
        self.phone_throttle = Throttle(AUDIENCE_TALLY_INTERVAL, lambda: self.send_tally(("audience",)))
        self.publish_throttle = Throttle(PUBLISH_INTERVAL, lambda: hub.publish_tally(self))
        self.deadline_timer: asyncio.TimerHandle | None = None
        self.questions_version = -1  # the newest questions version announced
        self.questions_throttle = Throttle(QUESTIONS_INTERVAL, lambda: hub.spawn(hub.refresh_questions(self)))

    def empty(self) -> bool:
        return not any(self.outboxes.values())

    def close(self) -> None:
        for throttle in (self.screen_throttle, self.phone_throttle, self.publish_throttle, self.questions_throttle):
            throttle.cancel()
        if self.deadline_timer is not None:
            self.deadline_timer.cancel()

    def set_state(self, view: dict, force: bool = False) -> bool:
        """Take a newer state view and pass it on. Returns True if the proposition or round changed."""
        if self.state is not None and view["seq"] < self.state["seq"]:
            return False
        if self.state is not None and view["seq"] == self.state["seq"] and not force:
            return False
        previous = self.state
        self.state = view
        message = protocol.encode(view)
        for outboxes in self.outboxes.values():
            for outbox in outboxes:
                outbox.state(view["seq"], message, force)
        moved = previous is None or previous["proposition"] != view["proposition"] or previous["round"] != view["round"]
        if moved:
            self.tally = None
        elif self.tally is not None:
            # Revealing or hiding changes what each role may see of the same tally.
            self.send_tally(protocol.ROLES)
        return moved

    def current(self) -> tuple[str, int] | None:
        if self.state is None or self.state["proposition"] is None:
            return None
        return self.state["proposition"]["id"], self.state["round"]

    def set_tally(self, tally: Tally) -> None:
        if self.current() != (tally.proposition, tally.round):
            return
        if self.tally is not None and tally.version <= self.tally.version:
            return
        self.tally = tally
        self.screen_throttle.trigger()
        if self.state and self.state["revealed"]:
            self.phone_throttle.trigger()

    def send_tally(self, roles: tuple[str, ...]) -> None:
        if self.tally is None or self.state is None:
            return
        for role in roles:
            view = protocol.tally_view(self.tally, self.state["seq"], role, self.state["revealed"], self.event)
            if view is None:
                continue
            message = protocol.encode(view)
            for outbox in self.outboxes[role]:
                outbox.tally(message)


class Hub:
    def __init__(self, redis: Redis, store: Store, questions: QuestionStore):
        # A dedicated client: the subscription holds its connection for good.
        self.redis = redis
        self.store = store
        self.questions = questions
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.rooms: dict[str, Room] = {}
        self.on_deadline: Callable[[str], Awaitable[None]] | None = None
        self.subscribed = asyncio.Event()
        self.healthy = True  # whether this worker can reach Redis, as clients were last told
        self._tasks: set[asyncio.Task] = set()

    # --- sockets ------------------------------------------------------------------

    def join(self, event, outbox: Outbox) -> Room:
        code = event.code
        room = self.rooms.get(code)
        if room is None:
            room = self.rooms[code] = Room(self, code)
        room.event = event
        room.outboxes[outbox.role].add(outbox)
        if outbox.role == "audience":
            room.online += 1
        return room

    def leave(self, code: str, outbox: Outbox) -> None:
        room = self.rooms.get(code)
        if room is None:
            return
        room.outboxes[outbox.role].discard(outbox)
        if outbox.role == "audience":
            room.online -= 1

    # --- notices ------------------------------------------------------------------

    @staticmethod
    def state_notice(code: str, view: dict) -> bytes:
        return orjson.dumps({"kind": "state", "code": code, "view": view})

    async def revoke_moderators(self, code: str) -> None:
        await self.store.publish(code, orjson.dumps({"kind": "revoke", "code": code}))

    @staticmethod
    def questions_notice(code: str, version: int) -> bytes:
        return orjson.dumps({"kind": "questions", "code": code, "version": version})

    async def announce_questions(self, code: str, version: int) -> None:
        """Questions changed: refresh this worker's sockets now, ring the bell for the others."""
        room = self.rooms.get(code)
        if room is not None:
            room.questions_version = max(room.questions_version, version)
            room.questions_throttle.trigger()
        await self.store.publish(code, self.questions_notice(code, version))

    async def refresh_questions(self, room: Room) -> None:
        """Read the question lists once for the whole room and give each socket its view."""
        waiting = [o for o in room.outboxes["audience"] if o.has_waiting]
        try:
            lists = await self.questions.lists(room.code, moderator=bool(room.outboxes["moderator"]),
                                               own_of=[o.participant for o in waiting])
        except StoreUnavailable:
            return  # the audit tries again
        shared = [item(q) for q in wall_order(lists.listed, lists.wall)]
        public = protocol.questions(lists.version, shared, lists.premoderation, lists.wall)
        for outbox in room.outboxes["projector"]:
            outbox.questions(public)
        for outbox in room.outboxes["audience"]:
            mine = lists.own_waiting.get(outbox.participant)
            if mine:
                outbox.questions(protocol.questions(lists.version, shared + [item(q) for q in mine],
                                                    lists.premoderation, lists.wall))
            else:
                outbox.has_waiting = False
                outbox.questions(public)
        if room.outboxes["moderator"]:
            message = protocol.questions(lists.version, [item(q, moderator=True) for q in lists.everything],
                                         lists.premoderation, lists.wall)
            for outbox in room.outboxes["moderator"]:
                outbox.questions(message)

    def note_vote(self, code: str, proposition: str, round_: int, version: int) -> None:
        """A vote (or hand count) on this worker changed a tally: show it here and ring the
        bell for the other workers, at most every PUBLISH_INTERVAL, always after the last."""
        room = self.rooms.get(code)
        if room is None:
            return
        if room.outgoing is None or version > room.outgoing[2]:
            room.outgoing = (proposition, round_, version)
        room.publish_throttle.trigger()

    def publish_tally(self, room: Room) -> None:
        if room.outgoing is not None:
            self.spawn(self._publish_tally(room, *room.outgoing[:2]))

    async def _publish_tally(self, room: Room, proposition: str, round_: int) -> None:
        # Read the counts once after a burst rather than carrying them in every vote's reply.
        try:
            tally = await self.store.read_tally(room.code, proposition, round_)
        except StoreUnavailable:
            log.warning("could not read a tally of %s; the audit will repair it", room.code)
            return
        room.set_tally(tally)
        notice = orjson.dumps({"kind": "tally", "code": room.code, "proposition": proposition, "round": round_,
                               "version": tally.version, "raw": tally.raw})
        await self._publish(room.code, notice)

    async def _publish(self, code: str, notice: bytes) -> None:
        try:
            await self.store.publish(code, notice)
        except StoreUnavailable:
            log.warning("could not publish a tally for %s; the audit will repair it", code)

    def handle_notice(self, data: str | bytes) -> None:
        try:
            notice = orjson.loads(data)
            room = self.rooms.get(notice["code"])
            if room is None:
                return
            if notice["kind"] == "state":
                self.show_state(room, notice["view"])
            elif notice["kind"] == "tally":
                room.set_tally(Tally(notice["proposition"], notice["round"], notice["raw"], notice["version"]))
            elif notice["kind"] == "revoke":
                # The moderators logged out: their sessions are void, so are their sockets.
                for outbox in list(room.outboxes["moderator"]):
                    outbox.close(WS_1008_POLICY_VIOLATION)
            elif notice["kind"] == "questions":
                if notice["version"] > room.questions_version:
                    room.questions_version = notice["version"]
                    room.questions_throttle.trigger()
        except (orjson.JSONDecodeError, KeyError, TypeError) as error:
            log.error("malformed notice dropped: %r", error)

    def show_state(self, room: Room, view: dict) -> None:
        """Pass a state on to the room; when it moved to another proposition, fetch its tally."""
        if room.set_state(view):
            self.spawn(self._refresh_tally(room))
        self._watch_deadline(room)

    def _watch_deadline(self, room: Room) -> None:
        """Every worker with the event's sockets closes voting when a countdown runs out;
        the transition is atomic, so only the first one changes anything."""
        if room.deadline_timer is not None:
            room.deadline_timer.cancel()
            room.deadline_timer = None
        view = room.state
        if not view or not view.get("auto_close") or not view.get("deadline") or view["phase"] != "open":
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, view["deadline"] / 1000 - time.time())
        room.deadline_timer = loop.call_later(delay, lambda: self.spawn(self._deadline_passed(room.code)))

    async def _deadline_passed(self, code: str) -> None:
        if self.on_deadline is None:
            return
        try:
            await self.on_deadline(code)
        except StoreUnavailable:
            log.warning("could not close %s at its deadline; the audit will try again", code)

    async def _refresh_tally(self, room: Room) -> None:
        current = room.current()
        if current is None:
            return
        try:
            room.set_tally(await self.store.read_tally(room.code, *current))
        except StoreUnavailable:
            pass  # the audit retries

    def spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- the subscription -----------------------------------------------------------

    async def run(self) -> None:
        """Subscribe, resync every room, stream notices; on any failure start over."""
        backoff = 0.1
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(self.store.keys.channel_pattern())
                self.subscribed.set()
                backoff = 0.1
                await self.audit()  # anything published while we were away
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and message["type"] == "pmessage":
                        self.handle_notice(message["data"])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError, StoreUnavailable) as error:
                self.subscribed.clear()
                self.set_health(False)
                log.warning("pub/sub lost (%s); reconnecting in %.1fs", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                try:
                    await pubsub.aclose()
                except (RedisError, OSError):
                    pass

    async def tick(self) -> None:
        """Every few seconds: report this worker's phones, tell moderators the total, audit."""
        while True:
            await asyncio.sleep(TICK_INTERVAL)
            try:
                await self.audit()
            except StoreUnavailable:
                self.set_health(False)
            else:
                self.set_health(self.subscribed.is_set())

    def set_health(self, healthy: bool) -> None:
        """Tell every socket when this worker loses or regains Redis: screens and phones then
        show that what they display may be stale, instead of silently freezing."""
        if healthy == self.healthy:
            return
        self.healthy = healthy
        message = protocol.status(healthy)
        for room in self.rooms.values():
            for outboxes in room.outboxes.values():
                for outbox in outboxes:
                    outbox.status(message)

    async def audit(self) -> None:
        for code, room in list(self.rooms.items()):
            if room.empty():
                room.close()
                del self.rooms[code]
                if room.reported_online > 0:
                    await self.store.report_online(code, self.worker, 0, PRESENCE_TTL_MS)
                continue
            await self.store.report_online(code, self.worker, room.online, PRESENCE_TTL_MS)
            room.reported_online = room.online
            if room.outboxes["moderator"]:
                message = protocol.presence(await self.store.count_online(code), await self.store.alerts(code))
                for outbox in room.outboxes["moderator"]:
                    outbox.presence(message)
            await self.resync(room)

    async def resync(self, room: Room) -> None:
        """Compare this room with Redis and pass on anything newer (a missed notice)."""
        event = await self.store.load_event(room.code)
        if event is None:
            return
        _, questions_version = await self.questions.settings(room.code)
        if questions_version > room.questions_version:
            room.questions_version = questions_version
            room.questions_throttle.trigger()
        state = await self.store.load_state(room.code)
        moved = room.set_state(protocol.state_view(event, state))
        self._watch_deadline(room)
        if moved or room.tally is None:
            await self._refresh_tally(room)
        else:
            current = room.current()
            if current is not None:
                room.set_tally(await self.store.read_tally(room.code, *current))
