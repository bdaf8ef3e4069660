"""The bus between workers: notices out and in, the audit, presence and countdowns.

Redis holds the truth; the subscription is only a doorbell. Notices carry the event's
sequence number (state) or a version (tally, questions), so a stale or repeated notice is
dropped, and a periodic audit compares every room with Redis and repairs anything a
dropped notice missed. The bus reads and writes through the stores and feeds this
worker's rooms; it never touches a socket.

The notices and their codec are in live/notices.py.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable

import msgspec

from . import protocol
from .all_rooms import Rooms
from .errors import StoreUnavailable
from .model import closing_deadline
from .notices import (
    QuestionsNotice,
    RevokeNotice,
    StateNotice,
    TallyNotice,
    decode_notice,
    encode_notice,
)
from .outbox import Throttle
from .rooms import Room
from .store import Stores
from .store.state import state_fields, state_from_fields

log = logging.getLogger(__name__)

WS_1008_POLICY_VIOLATION = 1008  # (the bus must not import Starlette for its status names)
PUBLISH_INTERVAL = 0.05  # how often one worker rings the bell with its newest tally
QUESTIONS_INTERVAL = 0.25  # question lists are re-read from Redis at most 4 times a second
TICK_INTERVAL = 2.0  # presence reports and the audit against Redis
PRESENCE_TTL_MS = 10_000


class Feed:
    """What the bus keeps per event with sockets here: its timers and newest versions."""

    def __init__(self, bus: "Bus", code: str):
        self.publish_throttle = Throttle(PUBLISH_INTERVAL, functools.partial(bus.publish_newest_tally, code))
        self.questions_throttle = Throttle(QUESTIONS_INTERVAL, functools.partial(bus.refresh_questions_soon, code))
        self.outgoing: tuple[str, int, int] | None = None  # (proposition, round, version) of this worker's newest vote
        self.questions_version = -1  # the newest questions version announced
        self.deadline_timer: asyncio.TimerHandle | None = None

    def close(self) -> None:
        self.publish_throttle.cancel()
        self.questions_throttle.cancel()
        if self.deadline_timer is not None:
            self.deadline_timer.cancel()


class Bus:
    def __init__(self, stores: Stores, rooms: Rooms):
        self.stores = stores
        self.rooms = rooms
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.on_deadline: Callable[[str], Awaitable[None]] | None = None  # wired by app.services
        self.subscribed = asyncio.Event()
        self._feeds: dict[str, Feed] = {}
        self._tasks: set[asyncio.Task] = set()

    def _feed(self, code: str) -> Feed | None:
        """The feed of an event with sockets on this worker (None: nobody here to feed)."""
        if self.rooms.get(code) is None:
            return None
        feed = self._feeds.get(code)
        if feed is None:
            feed = self._feeds[code] = Feed(self, code)
        return feed

    def spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- state ----------------------------------------------------------------------

    def state_notice(self, code: str, state, propositions: list[dict] | None = None,
                     perspectives: list[str] | None = None) -> bytes:
        return encode_notice(StateNotice(code=code, state=state_fields(state), propositions=propositions,
                                         perspectives=perspectives))

    def show_state(self, code: str, state) -> None:
        """Pass a state on to this worker's room; when it moved to another proposition or
        round, fetch that tally; (re)arm the countdown that closes voting."""
        room = self.rooms.get(code)
        if room is None:
            return
        if room.set_state(state) or room.wants_comparison():
            self.spawn(self._refresh_tally(room))
        self._watch_deadline(room)

    def _watch_deadline(self, room: Room) -> None:
        """Every worker with the event's sockets closes voting when a countdown runs out;
        the transition is atomic, so only the first one changes anything."""
        feed = self._feed(room.code)
        if feed.deadline_timer is not None:
            feed.deadline_timer.cancel()
            feed.deadline_timer = None
        deadline = closing_deadline(room.state) if room.state is not None else None
        if deadline is None:
            return
        delay = max(0.0, deadline / 1000 - time.time())
        feed.deadline_timer = asyncio.get_running_loop().call_later(
            delay, lambda: self.spawn(self._deadline_passed(room.code)))

    async def _deadline_passed(self, code: str) -> None:
        if self.on_deadline is None:
            return
        try:
            await self.on_deadline(code)
        except StoreUnavailable:
            log.warning("could not close %s at its deadline; the audit will try again", code)

    # --- tallies --------------------------------------------------------------------

    def note_vote(self, code: str, proposition: str, round_: int, version: int) -> None:
        """A vote (or hand count) on this worker changed a tally: show it here and ring the
        bell for the other workers, at most every PUBLISH_INTERVAL, always after the last."""
        feed = self._feed(code)
        if feed is None:
            return
        # Versions count per proposition (its counts hash), so they compare only within one
        # proposition and round; a vote on another one (the next proposition) replaces it.
        if feed.outgoing is None or feed.outgoing[:2] != (proposition, round_) or version > feed.outgoing[2]:
            feed.outgoing = (proposition, round_, version)
        feed.publish_throttle.trigger()

    def publish_newest_tally(self, code: str) -> None:
        feed, room = self._feeds.get(code), self.rooms.get(code)
        if feed is not None and room is not None and feed.outgoing is not None:
            self.spawn(self._publish_tally(room, *feed.outgoing[:2]))

    async def settle_tally(self, code: str) -> None:
        """Before a change of state goes to every socket here: votes not yet read are read,
        and the screens get that count first (a close shows the final count at once, not
        after the state has reached 10,000 phones)."""
        feed, room = self._feeds.get(code), self.rooms.get(code)
        if feed is None or room is None or feed.outgoing is None or not feed.publish_throttle.pending:
            return
        feed.publish_throttle.cancel()
        await self._publish_tally(room, *feed.outgoing[:2])
        if room.screens_throttle.pending:
            room.screens_throttle.cancel()
            room.send_tally(("moderator", "projector"))

    async def _publish_tally(self, room: Room, proposition: str, round_: int) -> None:
        # Read the counts once after a burst rather than carrying them in every vote's reply.
        try:
            tally = await self.stores.votes.read_tally(room.code, proposition, round_)
            room.set_tally(tally)
            await self.stores.notices.publish(room.code, encode_notice(TallyNotice(code=room.code, tally=tally)))
        except StoreUnavailable:
            log.warning("could not read or publish a tally of %s; the audit will repair it", room.code)

    async def _refresh_tally(self, room: Room) -> None:
        if room.state is None or room.state.position is None:
            return
        compare = room.claim_comparison()  # round 2 closed: round 1 against round 2, once per state
        try:
            room.set_tally(await self.stores.votes.read_tally(room.code, *room.state.position))
            if room.state.position[1] == 2 and room.round1 is None:
                room.set_round1(await self.stores.votes.read_tally(room.code, room.state.current, 1))
            if compare:
                room.set_comparison(*await self.stores.votes.read_rounds(room.code, room.state.current))
        except StoreUnavailable:
            pass  # the audit retries

    # --- questions and moderators ---------------------------------------------------

    async def announce_questions(self, code: str, version: int) -> None:
        """Questions changed: refresh this worker's sockets now, ring the bell for the others."""
        self._questions_changed(code, version)
        await self.stores.notices.publish(code, encode_notice(QuestionsNotice(code=code, version=version)))

    def _questions_changed(self, code: str, version: int) -> None:
        feed = self._feed(code)
        if feed is not None and version > feed.questions_version:
            feed.questions_version = version
            feed.questions_throttle.trigger()

    def refresh_questions_soon(self, code: str) -> None:
        room = self.rooms.get(code)
        if room is not None:
            self.spawn(self._refresh_questions(room))

    async def _refresh_questions(self, room: Room) -> None:
        """Read the question lists once for the whole room and give each socket its view."""
        try:
            lists = await self.stores.questions.lists(room.code, moderator=bool(room.outboxes["moderator"]),
                                                      own_of=room.waiting_askers())
        except StoreUnavailable:
            return  # the audit tries again
        room.send_questions(lists)

    async def revoke_moderators(self, code: str, only: str | None = None) -> None:
        await self.stores.notices.publish(code, encode_notice(RevokeNotice(code, only)))

    async def event_deleted(self, code: str) -> None:
        await self.stores.notices.publish(code, encode_notice(RevokeNotice(code=code, everyone=True)))

    # --- notices in -----------------------------------------------------------------

    def handle_notice(self, data: bytes | str) -> None:
        try:
            notice = decode_notice(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            log.error("malformed notice dropped: %r", error)
            return
        room = self.rooms.get(notice.code)
        if room is None:
            return
        if isinstance(notice, StateNotice):
            state = state_from_fields(notice.state)
            room.set_propositions(notice.propositions, state.seq)  # after an edit of the debate: the new order first
            room.set_perspectives(notice.perspectives, state.seq)
            self.show_state(notice.code, state)
        elif isinstance(notice, TallyNotice):
            room.set_tally(notice.tally)
        elif isinstance(notice, QuestionsNotice):
            self._questions_changed(notice.code, notice.version)
        elif isinstance(notice, RevokeNotice):
            # Moderators logged out (all, one device, or those of an old key): their sockets go. Or
            # the event was deleted: nothing is left to show or to vote on.
            if notice.everyone:
                room.close_everyone(WS_1008_POLICY_VIOLATION)
            else:
                room.close_moderators(WS_1008_POLICY_VIOLATION, notice.only)

    async def run(self) -> None:
        """Subscribe, resync every room, stream notices; on any failure start over."""
        backoff = 0.1
        while True:
            try:
                async with self.stores.notices.subscribe() as subscription:
                    self.subscribed.set()
                    backoff = 0.1
                    await self.audit()  # anything published while we were away
                    while True:
                        data = await subscription.next()
                        if data is not None:
                            self.handle_notice(data)
            except StoreUnavailable as error:
                self.subscribed.clear()
                self.rooms.set_health(False)
                log.warning("pub/sub lost (%s); reconnecting in %.1fs", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    # --- the audit ------------------------------------------------------------------

    async def tick(self) -> None:
        """Every few seconds: report this worker's phones, tell moderators the total, audit."""
        while True:
            await asyncio.sleep(TICK_INTERVAL)
            try:
                await self.audit()
            except StoreUnavailable:
                self.rooms.set_health(False)
            else:
                self.rooms.set_health(self.subscribed.is_set())

    async def audit(self) -> None:
        for code, room in list(self.rooms.rooms.items()):
            if room.empty():
                self.rooms.remove(code)
                feed = self._feeds.pop(code, None)
                if feed is not None:
                    feed.close()
                if room.reported_online > 0:
                    await self.stores.presence.report_online(code, self.worker, 0, PRESENCE_TTL_MS)
                continue
            await self.stores.presence.report_online(code, self.worker, room.online, PRESENCE_TTL_MS, room.moderators)
            room.reported_online = room.online
            if room.outboxes["moderator"]:
                room.send_presence(protocol.presence(*await self.stores.presence.count_both(code),
                                                     await self.stores.guards.alerts(code)))
            await self.resync(room)

    async def resync(self, room: Room) -> None:
        """Compare this room with Redis and pass on anything newer (a missed notice)."""
        if await self.stores.events.load_event(room.code) is None:
            return
        _, questions_version = await self.stores.questions.settings(room.code)
        self._questions_changed(room.code, questions_version)
        moved = room.set_state(await self.stores.state.load_state(room.code))
        self._watch_deadline(room)
        if room.state.position is not None:
            if moved or room.tally is None:
                await self._refresh_tally(room)
            else:
                room.set_tally(await self.stores.votes.read_tally(room.code, *room.state.position))
