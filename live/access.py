"""Who may do what: the app's secrets, participant identities, moderator and organiser
sessions, and the guards against guessing codes and minting identities.

Knows the stores and the bus; knows nothing of HTTP or WebSockets.
"""

from __future__ import annotations

import asyncio
import logging
import secrets

from .auth import Signer, same_secret
from .bus import Bus
from .definition import normalize_code
from .errors import RuleError
from .model import Event
from .settings import Settings
from .store import Stores

log = logging.getLogger(__name__)

UNKNOWN_CODES_PER_MINUTE = 30  # wrong codes one address may try before it is refused for the minute
IDENTITIES_PER_ADDRESS_PER_MINUTE = 120  # more new identities than this from one address is a burst
IDENTITY_BURST_DELAY = 0.5  # seconds each identity past the burst threshold waits


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

    async def is_organiser(self, password: str | None) -> bool:
        return same_secret(password, await self.organiser_password())

    # --- events and participants ------------------------------------------------------

    async def find_event(self, raw_code: str, address: str) -> Event | None:
        """The event a visitor asks for by code. An address that keeps trying codes that do
        not exist (enumeration) is refused for the rest of the minute: RuleError("rate_limited")."""
        guards = self.stores.guards
        key = self.stores.keys.limit("unknown_code", address)
        if await guards.hits(key) >= UNKNOWN_CODES_PER_MINUTE:
            raise RuleError("rate_limited")
        code = normalize_code(raw_code)
        event = await self.stores.events.load_event(code) if code else None
        if event is None and await guards.hit(key, 60_000) == UNKNOWN_CODES_PER_MINUTE:
            log.warning("address %s tried %d unknown event codes within a minute; refusing it for now",
                        address, UNKNOWN_CODES_PER_MINUTE)
        return event

    async def participant(self, event: Event, tokens: list[str | None]) -> tuple[str, str] | None:
        """The first of these tokens that is a valid identity in this event: (participant, token)."""
        signer = await self.signer()
        for token in tokens:
            participant = signer.participant(event.code, token)
            if participant is not None:
                return participant, token
        return None

    async def new_participant(self, event: Event, address: str) -> tuple[str, str]:
        """A fresh anonymous identity. Identities cost nothing, so a script can mint one per
        vote: past a burst from one address, each new one is slowed down and the moderator
        is shown the burst. A hall behind one NAT is slowed a little, never locked out."""
        guards = self.stores.guards
        minted = await guards.hit(self.stores.keys.minted(event.code, address), 60_000)
        if minted > IDENTITIES_PER_ADDRESS_PER_MINUTE:
            await guards.raise_alert(event.code, "identity_burst", minted, 300_000)
            if minted % 50 == 1:
                log.warning("address %s minted %d identities for %s within a minute", address, minted, event.code)
            await asyncio.sleep(IDENTITY_BURST_DELAY)
        return (await self.signer()).new_participant(event.code)

    # --- moderators -------------------------------------------------------------------

    async def moderator_key_valid(self, code: str, key: str | None) -> bool:
        found = await self.stores.events.event_secrets(code)
        return found is not None and same_secret(key, found[0])

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
