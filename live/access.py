"""Who may do what: the app's secrets, participant identities, moderator and organiser
sessions, and the guards against guessing codes and minting identities.

Knows the stores and the bus; knows nothing of HTTP or WebSockets.
"""

from __future__ import annotations

import logging
import secrets

from .auth import Signer, same_secret
from .bus import Bus
from .clock import now_ms
from .definition import normalize_code
from .errors import RuleError
from .model import Event
from .settings import Settings
from .store import Stores

log = logging.getLogger(__name__)

UNKNOWN_CODES_PER_MINUTE = 30  # wrong codes one address may try before it is refused for the minute
# Wrong secrets (moderator keys, the admin password): free tries per address and per event
# (or for the admin password), then each failure blocks further tries for a doubling time.
SECRET_FREE_PER_ADDRESS = 5
SECRET_FREE_PER_TARGET = 20
SECRET_BLOCK_MS = (1_000, 15 * 60_000)  # the first block, and the longest
SECRET_WINDOW_MS = 15 * 60_000  # failures are forgotten this long after the last one
# Minted to vote: an identity that never loaded the page (minted on its socket), voted and
# left within QUICK_LEAVE_SECONDS, once an event sees QUICK_BURST of them within a minute.
QUICK_LEAVE_SECONDS = 15
QUICK_BURST = 5
QUICK_PATTERN = "socket_vote_leave"
IDENTITY_RECORDS = 100_000  # identities recorded per event (how they came); past it, minting still works


class Access:
    def __init__(self, stores: Stores, bus: Bus, settings: Settings):
        self.stores = stores
        self.bus = bus
        self.settings = settings
        self._signer: Signer | None = None
        self._organiser_password: str | None = settings.organiser_password or None

    # --- secrets, loaded from Redis once (Redis may be down at start-up) -------------

    async def signer(self) -> Signer:
        if self._signer is None:
            secret = self.settings.secret_key or await self.stores.events.ensure_value(
                self.stores.keys.secret(), lambda: secrets.token_urlsafe(32))
            self._signer = Signer(secret)
        return self._signer

    async def organiser_password(self) -> str:
        if self._organiser_password is None:
            self._organiser_password = await self.stores.events.ensure_value(
                self.stores.keys.organiser_password(), lambda: secrets.token_urlsafe(12))
        return self._organiser_password

    async def is_organiser(self, password: str | None, address: str) -> bool:
        """Whether this is the admin password; wrong ones are throttled (see _guarded)."""
        if not password:
            return False
        return await self._guarded("organiser", self.stores.keys.organiser_failures(), address, "organiser",
                                   same_secret(password, await self.organiser_password()))

    async def _guarded(self, kind: str, target_key: str, address: str, target: str, right: bool) -> bool:
        """A secret presented from `address`: refused (RuleError("too_many_attempts")) while
        this address, or everyone trying this target, is blocked, without looking at it; a
        wrong one counted per address and per target and logged without the secret. A hall
        presents no secrets, so it never meets this."""
        guards, keys, now = self.stores.guards, self.stores.keys, now_ms()
        address_key = keys.failures(kind, address)
        if await guards.blocked_ms([address_key, target_key], now) > 0:
            raise RuleError("too_many_attempts")
        if right:
            await guards.forget(address_key)
            return True
        low, high = SECRET_BLOCK_MS
        mine, blocked = await guards.fail(address_key, now, SECRET_FREE_PER_ADDRESS, low, high, SECRET_WINDOW_MS)
        everyone, _ = await guards.fail(target_key, now, SECRET_FREE_PER_TARGET, low, high, SECRET_WINDOW_MS)
        log.warning("wrong %s secret for %s from %s (%d from this address, %d in all within 15 minutes%s)",
                    kind, target, address, mine, everyone, f"; blocked {blocked} ms" if blocked else "")
        return False

    # --- events and participants ------------------------------------------------------

    async def find_event(self, raw_code: str, address: str) -> Event | None:
        """The event a visitor asks for by code. A valid code always works, whoever asks;
        only lookups of codes that do not exist are counted per address, and past the
        limit (enumeration) they are refused for the rest of the minute:
        RuleError("rate_limited"). A hall behind one address never pays for a typo."""
        code = normalize_code(raw_code)
        event = await self.stores.events.load_event(code) if code else None
        if event is not None:
            return event
        tried = await self.stores.guards.hit(self.stores.keys.limit("unknown_code", address), 60_000)
        if tried > UNKNOWN_CODES_PER_MINUTE:
            if tried == UNKNOWN_CODES_PER_MINUTE + 1:
                log.warning("address %s tried %d unknown event codes within a minute; refusing its unknown "
                            "codes for now", address, UNKNOWN_CODES_PER_MINUTE)
            raise RuleError("rate_limited")
        return None

    async def participant(self, code: str, tokens: list[str | None]) -> tuple[str, str] | None:
        """The first of these tokens that is a valid identity in this event: (participant, token)."""
        signer = await self.signer()
        for token in tokens:
            participant = signer.participant(code, token)
            if participant is not None:
                return participant, token
        return None

    async def new_participant(self, event: Event, address: str, how: str = "socket",
                              stream: bool = False) -> tuple[str, str]:
        """A fresh anonymous identity, recorded with how it came to be ("page": the audience
        page set its cookie; "socket": minted on a socket) and when, and with `stream` as one
        of the stream's audience (it came through the stream's link: its channel, set once).
        Never slowed or flagged by address: a hall behind one venue address or carrier NAT
        looks like one address (docs/security.md)."""
        participant, token = (await self.signer()).new_participant(event.code)
        await self.stores.guards.note_identity(event.code, self.stores.keys.identities(event.code), participant,
                                               f"{how}:{now_ms()}", event.expires_at, IDENTITY_RECORDS)
        if stream:
            await self.stores.votes.join_stream(event.code, participant, event.expires_at)
        return participant, token

    async def find_event_minting(self, raw_code: str, address: str) -> tuple[Event | None, tuple[str, str] | None]:
        """find_event for a socket that brings no identity, with a fresh one minted on it
        and recorded in the same round trip to Redis (most of a hall joining at once):
        (event, (participant, token)); for an unknown event nothing is recorded (note.lua)."""
        code = normalize_code(raw_code)
        if not code:
            return await self.find_event(raw_code, address), None
        participant, token = (await self.signer()).new_participant(code)
        noted = self.stores.guards.note_identity_soon(code, self.stores.keys.identities(code), participant,
                                                      f"socket:{now_ms()}", IDENTITY_RECORDS)
        try:
            event = await self.find_event(raw_code, address)  # sent in this same tick: one pipeline
        except BaseException:
            noted.add_done_callback(lambda done: done.cancelled() or done.exception())  # retrieved, not raised
            raise
        await noted
        return event, (participant, token) if event is not None else None

    async def socket_left(self, event: Event, participant: str, minted_here: bool, voted: bool,
                          seconds: float) -> bool:
        """Judge an audience socket by how it behaved (not by its address): one whose
        identity was minted on it, that voted and left within seconds, in a burst of such
        sockets, looks minted to vote. Flags it and shows the moderator the pattern;
        returns whether it was flagged."""
        if not (minted_here and voted and seconds < QUICK_LEAVE_SECONDS):
            return False
        guards, keys = self.stores.guards, self.stores.keys
        seen = await guards.hit(keys.quick(event.code), 60_000)
        if seen < QUICK_BURST:
            return False
        await guards.flag(event.code, [p.id for p in event.propositions], participant,
                          f"{QUICK_PATTERN}:{now_ms()}", event.expires_at)
        await guards.raise_alert(event.code, QUICK_PATTERN, seen, 300_000)
        if seen == QUICK_BURST:
            log.warning("event %s: identities minted on their socket vote and leave within seconds (%s)",
                        event.code, QUICK_PATTERN)
        return True

    # --- moderators -------------------------------------------------------------------

    async def moderator_key_valid(self, code: str, key: str | None, address: str) -> bool:
        """Whether this is the event's moderator key; wrong ones are throttled (see _guarded)."""
        found = await self.stores.events.event_secrets(code)
        if found is None or not key:
            return False
        return await self._guarded("moderator", self.stores.keys.event_failures(code), address, code,
                                   same_secret(key, found[0]))

    async def results_key_valid(self, code: str, key: str | None, address: str) -> bool:
        """Whether a Bearer on the results (report, API, CSV) is the event's moderator key or
        the admin password. Each secret is compared first and guarded by its own throttle,
        so the right one counts no failure against the other (an organiser's script reading
        results with the password never blocks the event's moderators); only a value
        matching neither is a wrong guess, at both, as each throttle counts (see _guarded)."""
        if not key:
            return False
        found = await self.stores.events.event_secrets(code)
        if found is not None and same_secret(key, found[0]):
            return await self._guarded("moderator", self.stores.keys.event_failures(code), address, code, True)
        if same_secret(key, await self.organiser_password()):
            return await self.is_organiser(key, address)
        # A wrong guess at both: counted by each throttle that is not blocking, refused if either is
        # (so a block on one secret never turns the other into an uncounted oracle).
        guesses = [self._guarded("organiser", self.stores.keys.organiser_failures(), address, "organiser", False)]
        if found is not None:
            guesses.append(self._guarded("moderator", self.stores.keys.event_failures(code), address, code, False))
        blocked = False
        for guess in guesses:
            try:
                await guess
            except RuleError:
                blocked = True
        if blocked:
            raise RuleError("too_many_attempts")
        return False

    async def moderator_session(self, event: Event) -> str:
        """A new session for one device: its own id, kept in Redis until it logs out."""
        found = await self.stores.events.event_secrets(event.code)
        if found is None:
            raise RuleError("unknown_event")
        session = secrets.token_urlsafe(12)
        await self.stores.events.add_session(event.code, session, event.expires_at)
        return (await self.signer()).moderator_session(event.code, found[1], session)

    async def moderator_session_valid(self, code: str, cookie: str | None) -> bool:
        claim = (await self.signer()).moderator_claim(code, cookie)
        if claim is None or claim[1] is None:
            return False
        found = await self.stores.events.event_secrets(code)
        return found is not None and found[1] == claim[0] and await self.stores.events.has_session(code, claim[1])

    async def session_id(self, code: str, cookie: str | None) -> str | None:
        claim = (await self.signer()).moderator_claim(code, cookie)
        return claim[1] if claim else None

    async def log_out_moderator(self, code: str, cookie: str | None) -> None:
        """End this device's session only (and close its sockets); the other devices stay."""
        session = await self.session_id(code, cookie)
        if session is not None:
            await self.stores.events.drop_session(code, session)
            await self.bus.revoke_moderators(code, only=session)

    async def control_allowed(self, code: str, per_second: int) -> bool:
        """The control API's rate limit: at most `per_second` actions a second per event."""
        return await self.stores.guards.hit(self.stores.keys.limit("control", code), 1000) <= per_second

    async def log_out_moderators(self, code: str) -> None:
        """Void every moderator session of the event and close their open sockets."""
        await self.stores.events.revoke_sessions(code)
        await self.bus.revoke_moderators(code)

    async def rotate_moderator_key(self, code: str) -> str:
        """A new moderator key: old links and Bearer keys stop at once (and sockets opened
        with the old key close); signed-in sessions stay."""
        key = secrets.token_urlsafe(18)
        if not await self.stores.events.set_moderator_key(code, key):
            raise RuleError("unknown_event")
        await self.bus.revoke_moderators(code, only="key")
        return key

    # --- organisers -------------------------------------------------------------------

    async def organiser_session(self) -> str:
        return (await self.signer()).organiser_session(await self.stores.guards.organiser_session_version())

    async def organiser_session_valid(self, cookie: str | None) -> bool:
        version = (await self.signer()).organiser_version(cookie)
        return version is not None and version == await self.stores.guards.organiser_session_version()

    async def log_out_organisers(self) -> None:
        await self.stores.guards.organiser_session_version(bump=True)
