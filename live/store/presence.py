"""Redis I/O for presence: each worker reports its connected phones (and, under
`moderators_online`, its moderator sockets) per event."""

from __future__ import annotations

from redis.asyncio import Redis

from ..keys import Keys
from .base import RedisStore, lua, now_ms, redis_errors


class PresenceStore(RedisStore):
    def __init__(self, redis: Redis, keys: Keys):
        super().__init__(redis, keys)
        self._online_script = redis.register_script(lua("online"))

    @redis_errors
    async def report_online(self, code: str, worker: str, count: int, ttl_ms: int, moderators: int = 0) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for key, value in ((self.keys.online(code), count), (self.keys.moderators_online(code), moderators)):
                pipe.hset(key, worker, f"{value}:{now_ms() + ttl_ms}")
                pipe.pexpire(key, ttl_ms * 4)
            await pipe.execute()

    @redis_errors
    async def count_online(self, code: str, moderators: bool = False) -> int:
        key = self.keys.moderators_online(code) if moderators else self.keys.online(code)
        return int(await self._online_script(keys=[key], args=[now_ms()]))

    async def count_both(self, code: str) -> tuple[int, int]:
        """(phones, moderator sockets) connected across all workers."""
        return await self.count_online(code), await self.count_online(code, moderators=True)
