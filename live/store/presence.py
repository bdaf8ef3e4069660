"""Redis I/O for presence: each worker reports its connected phones per event."""

from __future__ import annotations

from redis.asyncio import Redis

from ..keys import Keys
from .base import RedisStore, lua, now_ms, redis_errors


class PresenceStore(RedisStore):
    def __init__(self, redis: Redis, keys: Keys):
        super().__init__(redis, keys)
        self._online_script = redis.register_script(lua("online"))

    @redis_errors
    async def report_online(self, code: str, worker: str, count: int, ttl_ms: int) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.keys.online(code), worker, f"{count}:{now_ms() + ttl_ms}")
            pipe.pexpire(self.keys.online(code), ttl_ms * 4)
            await pipe.execute()

    @redis_errors
    async def count_online(self, code: str) -> int:
        return int(await self._online_script(keys=[self.keys.online(code)], args=[now_ms()]))
