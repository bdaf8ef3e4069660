"""Redis I/O for events: create, load, list, delete, the logo, the moderator key and
session version, the demo's code, and values generated once for every worker (editing
the propositions and perspectives is editing.py)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from datetime import datetime, timezone

import orjson
from redis.asyncio import Redis

from .. import definition
from .. import propositions as proposition_list
from ..definition import EventDefinition
from ..keys import Keys
from ..model import DEFAULT_MIN_GROUP, DEFAULT_TIME_ZONE, Event
from .base import REDIS_ERRORS, RedisStore, lua, now_ms, redis_errors
from .batch import TickBatcher

CODE_TRIES = 20


def event_to_hash(event: Event, moderator_key: str, created: int) -> dict[str, str]:
    return {
        "title": event.title,
        "language": event.language,
        "allow_neutral": "1" if event.allow_neutral else "0",
        "propositions": orjson.dumps(proposition_list.stored(event.propositions)).decode(),
        "perspectives": orjson.dumps(list(event.perspectives)).decode(),
        "min_group": str(event.min_group),
        "accent": event.accent or "",
        "wifi_name": event.wifi_name or "",
        "wifi_password": event.wifi_password or "",
        "time_zone": event.time_zone,
        "logo": "1" if event.has_logo else "",
        "ticketed": "1" if event.ticketed else "",
        "moderator_key": moderator_key,
        "session_version": "1",
        "created": str(created),
        "expires_at": str(event.expires_at),
        "series": event.series or "",
        "date": event.date,
    }


DECODED_EVENTS = 64  # stored events whose decoding is remembered (a memo, not state: keyed by the whole hash)


def event_from_hash(code: str, raw: dict[str, str]) -> Event | None:
    if "propositions" not in raw:
        return None
    return Event(
        code=code,
        title=raw["title"],
        language=raw.get("language", "nl"),
        allow_neutral=raw.get("allow_neutral") == "1",
        propositions=definition.proposition_ids(orjson.loads(raw["propositions"])),
        perspectives=tuple(orjson.loads(raw.get("perspectives") or "[]")),
        min_group=int(raw.get("min_group") or DEFAULT_MIN_GROUP),
        accent=raw.get("accent") or None,
        has_logo=raw.get("logo") == "1",
        expires_at=int(raw.get("expires_at") or 0),
        wifi_name=raw.get("wifi_name") or None,
        wifi_password=raw.get("wifi_password") or None,
        ticketed=raw.get("ticketed") == "1",
        series=raw.get("series") or None,
        date=raw.get("date") or "",
        created=int(raw.get("created") or 0),
        time_zone=raw.get("time_zone") or DEFAULT_TIME_ZONE,
    )


class EventStore(RedisStore):
    def __init__(self, redis: Redis, keys: Keys, retention_days: int = 90, batch: TickBatcher | None = None):
        super().__init__(redis, keys)
        self._batch = batch or TickBatcher(redis)
        self.retention_ms = retention_days * 86_400_000
        self._decoded: dict[tuple, Event] = {}  # a memo of event_from_hash, oldest first

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except REDIS_ERRORS:
            return False

    @redis_errors
    async def ensure_value(self, key: str, generate: Callable[[], str]) -> str:
        """A value kept once for all workers: the first writer wins (SET NX)."""
        await self.redis.set(key, generate(), nx=True)
        return await self.redis.get(key)

    @redis_errors
    async def create_event(self, validated: EventDefinition, logo: tuple[str, bytes] | None = None,
                           links: list | None = None) -> tuple[Event, str]:
        """Store a validated definition under a fresh code (`links`: each proposition's
        predecessor, for an event based on an earlier one). Returns (event, moderator key)."""
        moderator_key = secrets.token_urlsafe(18)
        created = now_ms()
        day = datetime.fromtimestamp(created / 1000, timezone.utc).date().isoformat()
        for _ in range(CODE_TRIES):
            code = "".join(secrets.choice(definition.CODE_ALPHABET) for _ in range(definition.CODE_LENGTH))
            event = definition.to_event(code, validated, created + self.retention_ms, has_logo=logo is not None,
                                        links=links, created=created, day=day)
            # HSETNX claims the code atomically; a taken code is simply tried again.
            if not await self.redis.hsetnx(self.keys.event(code), "code", code):
                continue
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(self.keys.event(code), mapping=event_to_hash(event, moderator_key, created))
                pipe.hset(self.keys.props(code), mapping={p.id: p.text for p in event.propositions})
                pipe.hset(self.keys.state(code), mapping={"seq": "0", "current": ""})
                if logo:
                    pipe.set(self.keys.logo(code), f"{logo[0]};{base64.b64encode(logo[1]).decode()}")
                for key in (self.keys.event(code), self.keys.props(code), self.keys.state(code),
                            self.keys.logo(code)):
                    pipe.pexpireat(key, event.expires_at)
                await pipe.execute()
            # The listing is another slot on a cluster: listed once the event is whole.
            await self.redis.zadd(self.keys.events(), {code: created})
            if event.series:  # the series is a slot of its own too
                await self.add_to_series(event.series, code, created)
            return event, moderator_key
        raise RuntimeError(f"no free event code after {CODE_TRIES} tries")

    @redis_errors
    async def add_to_series(self, name: str, code: str, created: int) -> None:
        key = definition.series_key(name)
        await self.redis.zadd(self.keys.series(key), {code: created})
        await self.redis.hset(self.keys.series_names(), key, name)  # another slot on a cluster

    @redis_errors
    async def set_series(self, code: str, name: str) -> bool:
        """Put an existing event that has no series in one (the earlier event of a follow-up);
        False if it has one already or is gone (lua/series.lua: check and set in one step)."""
        return bool(await self.redis.eval(lua("series"), 1, self.keys.event(code), name))

    @redis_errors
    async def series_codes(self, name: str) -> list[str]:
        """The codes of a series' events and archives, oldest first."""
        return await self.redis.zrange(self.keys.series(definition.series_key(name)), 0, -1)

    @redis_errors
    async def every_series(self) -> dict[str, str]:
        """key -> name of every series."""
        return await self.redis.hgetall(self.keys.series_names())

    @redis_errors
    async def load_event(self, code: str) -> Event | None:
        raw = await self._batch.command("HGETALL", self.keys.event(code))
        # The same stored hash decodes to the same Event: a hall joining at once decodes it once.
        found = self._decoded.get(seen := (code, tuple(sorted(raw.items()))))
        if found is None:
            found = event_from_hash(code, raw)
            if found is None:
                return None
            if len(self._decoded) >= DECODED_EVENTS:
                self._decoded.pop(next(iter(self._decoded)))
            self._decoded[seen] = found
        return found

    @redis_errors
    async def load_logo(self, code: str) -> tuple[str, bytes] | None:
        raw = await self.redis.get(self.keys.logo(code))
        if not raw:
            return None
        kind, _, data = raw.partition(";")
        return kind, base64.b64decode(data)

    @redis_errors
    async def event_secrets(self, code: str) -> tuple[str, int] | None:
        """(moderator key, session version) of an event, or None if there is no such event."""
        key, version = await self.redis.hmget(self.keys.event(code), "moderator_key", "session_version")
        if key is None:
            return None
        return key, int(version or 1)

    @redis_errors
    async def revoke_sessions(self, code: str) -> int:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(self.keys.event(code), "session_version", 1)
            pipe.delete(self.keys.moderator_sessions(code))
            return (await pipe.execute())[0]

    @redis_errors
    async def add_session(self, code: str, session: str, expires_at: int) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(self.keys.moderator_sessions(code), session)
            pipe.pexpireat(self.keys.moderator_sessions(code), expires_at)
            await pipe.execute()

    @redis_errors
    async def has_session(self, code: str, session: str) -> bool:
        return bool(await self.redis.sismember(self.keys.moderator_sessions(code), session))

    @redis_errors
    async def drop_session(self, code: str, session: str) -> None:
        await self.redis.srem(self.keys.moderator_sessions(code), session)

    @redis_errors
    async def set_moderator_key(self, code: str, key: str) -> bool:
        """A new moderator key (the old one stops at once); False if there is no such event."""
        return bool(await self.redis.eval(lua("rekey"), 1, self.keys.event(code), key))

    @redis_errors
    async def demo_code(self) -> str | None:
        return await self.redis.get(self.keys.demo())

    @redis_errors
    async def set_demo_code(self, code: str) -> None:
        await self.redis.set(self.keys.demo(), code)

    @redis_errors
    async def list_events(self) -> list[dict]:
        """Every stored event, newest first; codes whose keys have expired are dropped."""
        codes = await self.redis.zrevrange(self.keys.events(), 0, -1)
        async with self.redis.pipeline(transaction=False) as pipe:
            for code in codes:
                pipe.hmget(self.keys.event(code), "title", "created", "expires_at", "propositions")
            rows = await pipe.execute()
        found, gone = [], []
        for code, (title, created, expires, propositions) in zip(codes, rows):
            if title is None:
                gone.append(code)
                continue
            found.append({"code": code, "title": title, "created": int(created or 0),
                          "expires": int(expires or 0), "propositions": len(orjson.loads(propositions or "[]"))})
        if gone:
            await self.redis.zrem(self.keys.events(), *gone)
        return found

    @redis_errors
    async def delete_event(self, event: Event) -> None:
        """Remove every key of an event: those known by name at once, then whatever else
        carries its hash tag (keys of propositions no longer in it, per-address counters)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(*self.keys.event_keys(event.code, [p.id for p in event.propositions]))
            await pipe.execute()
        left = [key async for key in self.redis.scan_iter(match=self.keys.event_pattern(event.code), count=1000)]
        for start in range(0, len(left), 500):
            await self.redis.delete(*left[start:start + 500])
        await self.redis.zrem(self.keys.events(), event.code)  # another slot on a cluster
