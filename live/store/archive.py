"""Redis I/O for archives and the retention pass: store, load, list, delete an archive,
reduce an event to its archive, and the lock that lets one worker at a time do it.

A reduction is idempotent and resumable: (1) the archive is written in one HSET with
its `complete` marker (all of it or none), (2) every key of the event is deleted, the
archive's own key excepted. A crash between the two leaves the full event and the full
archive (readers prefer the archive); the next pass finds the archive and finishes (2).
"""

from __future__ import annotations

import secrets

import orjson

from .. import archive
from .base import RedisStore, lua, redis_errors

DELETE_BATCH = 500


class ArchiveStore(RedisStore):
    @redis_errors
    async def load(self, code: str) -> dict | None:
        """The complete archive of an event, or None."""
        complete, data = await self.redis.hmget(self.keys.archive(code), "complete", "data")
        return orjson.loads(data) if complete == "1" and data else None

    @redis_errors
    async def save(self, document: dict) -> bool:
        """Write an archive, unless the event already has one (one script: check and write);
        listed afterwards (another slot on a cluster). False when one was there."""
        code = document["event"]["code"]
        written = await self.redis.eval(lua("archive"), 1, self.keys.archive(code),
                                        orjson.dumps(document).decode(), orjson.dumps(archive.meta(document)).decode())
        await self.redis.zadd(self.keys.archives(), {code: document["event"]["created"]})
        return bool(written)

    @redis_errors
    async def drop_event_keys(self, code: str, known: list[str]) -> None:
        """Step (2) of a reduction, or deleting an event that has an archive: every key of
        the event but its archive (those known by name, then whatever SCAN still finds)."""
        keep = self.keys.archive(code)
        await self.redis.delete(*[key for key in known if key != keep])
        left = [key async for key in self.redis.scan_iter(match=self.keys.event_pattern(code), count=1000)
                if key != keep]
        for start in range(0, len(left), DELETE_BATCH):
            await self.redis.delete(*left[start:start + DELETE_BATCH])
        await self.redis.zrem(self.keys.events(), code)

    @redis_errors
    async def delete(self, code: str) -> None:
        await self.redis.delete(self.keys.archive(code))
        await self.redis.zrem(self.keys.archives(), code)

    @redis_errors
    async def list_archives(self) -> list[dict]:
        """Every archive's summary, newest first; codes without an archive are dropped."""
        codes = await self.redis.zrevrange(self.keys.archives(), 0, -1)
        found, gone = [], []
        for code in codes:  # one by one: each archive is in its event's slot
            raw = await self.redis.hget(self.keys.archive(code), "meta")
            if raw is None:
                gone.append(code)
            else:
                found.append(orjson.loads(raw))
        if gone:
            await self.redis.zrem(self.keys.archives(), *gone)
        return found

    @redis_errors
    async def archived_codes(self) -> set[str]:
        return set(await self.redis.zrange(self.keys.archives(), 0, -1))

    @redis_errors
    async def lock(self, milliseconds: int) -> str | None:
        """The retention pass's lock (SET NX PX): a token when taken, None when another
        worker holds it. It expires by itself if its holder dies."""
        token = secrets.token_hex(8)
        return token if await self.redis.set(self.keys.archiver_lock(), token, nx=True, px=milliseconds) else None

    @redis_errors
    async def unlock(self, token: str) -> None:
        await self.redis.eval(lua("unlock"), 1, self.keys.archiver_lock(), token)
