"""Redis I/O for ticketed join: one-time tickets, who redeemed which, and whether an
event requires them. Redeeming is one Lua script (lua/redeem.lua)."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from ..keys import Keys
from .base import RedisStore, lua, redis_errors
from .batch import TickBatcher


class TicketStore(RedisStore):
    def __init__(self, redis: Redis, keys: Keys, batch: TickBatcher | None = None):
        super().__init__(redis, keys)
        self._redeem_script = redis.register_script(lua("redeem"))
        self._batch = batch or TickBatcher(redis)  # a joining socket's reads share its pipeline

    @redis_errors
    async def add(self, code: str, tickets: list[str], expires_at: int) -> bool:
        """Make the event ticketed and add these (unused) tickets; False if it does not exist."""
        key = self.keys.event(code)
        if not await self.redis.exists(key):
            return False
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, "ticketed", "1")
            for ticket in tickets:  # HSETNX: a new ticket never resets one already given out
                pipe.hsetnx(self.keys.tickets(code), ticket, "")
            if tickets:
                pipe.pexpireat(self.keys.tickets(code), expires_at)
            await pipe.execute()
        return True

    @redis_errors
    async def redeem(self, code: str, ticket: str, participant: str, expires_at: int) -> str:
        """'ok' (this identity holds a ticket now), or unknown_event, unknown_ticket, ticket_used."""
        keys = [self.keys.event(code), self.keys.tickets(code), self.keys.holders(code)]
        return await self._redeem_script(keys=keys, args=[ticket, participant, expires_at])

    @redis_errors
    async def status(self, code: str, participant: str) -> bool | None:
        """None when the event is not ticketed, else whether this identity holds a ticket (one
        round trip, read fresh: an event can turn ticketed while phones are connected)."""
        ticketed, holds = await asyncio.gather(self._batch.command("HGET", self.keys.event(code), "ticketed"),
                                               self._batch.command("HEXISTS", self.keys.holders(code), participant))
        return bool(holds) if ticketed == "1" else None

    @redis_errors
    async def listing(self, code: str) -> list[tuple[str, bool]]:
        """Every ticket of the event, in a stable order, with whether it has been used."""
        found = await self.redis.hgetall(self.keys.tickets(code))
        return sorted((ticket, bool(owner)) for ticket, owner in found.items())
