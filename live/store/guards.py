"""Redis I/O for the abuse guards: hit counters in fixed windows, failure counters of
wrong secrets with doubling blocks, alerts for the moderator, and the organiser's
session version."""

from __future__ import annotations

from redis.asyncio import Redis

from ..keys import Keys
from .base import RedisStore, lua, redis_errors
from .batch import TickBatcher


class GuardStore(RedisStore):
    def __init__(self, redis: Redis, keys: Keys, batch: TickBatcher | None = None):
        super().__init__(redis, keys)
        self._batch = batch or TickBatcher(redis)
        self._hit_script = redis.register_script(lua("hit"))
        self._alert_script = redis.register_script(lua("alert"))
        self._fail_script = redis.register_script(lua("fail"))
        self._note_script = redis.register_script(lua("note"))
        self._flag_script = redis.register_script(lua("flag"))

    @redis_errors
    async def hit(self, key: str, window_ms: int) -> int:
        """Count one request in a fixed window; returns the count so far."""
        return int(await self._hit_script(keys=[key], args=[window_ms]))

    @redis_errors
    async def hits(self, key: str) -> int:
        return int(await self.redis.get(key) or 0)

    @redis_errors
    async def blocked_ms(self, keys: list[str], now: int) -> int:
        """How long the most blocked of these failure counters still refuses tries (0: none)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hget(key, "until")
            found = await pipe.execute()
        return max([int(until) - now for until in found if until] + [0])

    @redis_errors
    async def fail(self, key: str, now: int, free: int, base_ms: int, cap_ms: int, window_ms: int) -> tuple[int, int]:
        """Count one wrong secret (store/lua/fail.lua): (failures so far, ms now blocked)."""
        failures, wait = await self._fail_script(keys=[key], args=[now, free, base_ms, cap_ms, window_ms])
        return int(failures), int(wait)

    @redis_errors
    async def forget(self, key: str) -> None:
        await self.redis.delete(key)

    def note_identity_soon(self, code: str, key: str, participant: str, value: str, most: int = 0):
        """note_identity, sent with whatever else this tick (window) sends (a future: StoreUnavailable
        on error), with the event's own expiry read inside the script."""
        return self._batch.script(self._note_script, [self.keys.event(code), key], [participant, value, "", most])

    @redis_errors
    async def note_identity(self, code: str, key: str, participant: str, value: str, expires_at: int,
                            most: int = 0) -> None:
        """Record how an identity came to be (a hash of the event, written only while the
        event exists and has fewer than `most` fields: store/lua/note.lua)."""
        await self._batch.script(self._note_script, [self.keys.event(code), key], [participant, value, expires_at, most])

    @redis_errors
    async def flag(self, code: str, proposition_ids, participant: str, value: str, expires_at: int) -> bool:
        """Flag an identity and move its votes into the flagged part of the counts (lua/flag.lua)."""
        keys = [self.keys.event(code), self.keys.flagged(code)]
        for proposition in proposition_ids:
            keys += [self.keys.votes(code, proposition), self.keys.counts(code, proposition)]
        return bool(await self._flag_script(keys=keys, args=[participant, value, expires_at]))

    @redis_errors
    async def noted(self, key: str) -> dict[str, str]:
        return await self.redis.hgetall(key)

    @redis_errors
    async def raise_alert(self, code: str, name: str, value: int, ttl_ms: int) -> None:
        """Keep the highest value of an alert for the moderator to see (e.g. an identity burst)."""
        await self._alert_script(keys=[self.keys.alerts(code)], args=[name, value, ttl_ms])

    @redis_errors
    async def alerts(self, code: str) -> dict[str, int]:
        return {k: int(v) for k, v in (await self.redis.hgetall(self.keys.alerts(code))).items()}

    @redis_errors
    async def organiser_session_version(self, bump: bool = False) -> int:
        key = self.keys.organiser_session()
        if bump:
            return await self.redis.incr(key)
        return int(await self.redis.get(key) or 0)
