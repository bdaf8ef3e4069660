"""Redis I/O for notices: publishing on an event's channel, and this worker's one
subscription to every event's channel. The bus (live/bus.py) decides what a notice says."""

from __future__ import annotations

from redis.asyncio import Redis

from ..errors import StoreUnavailable
from ..keys import Keys
from .base import REDIS_ERRORS, redis_errors


class Subscription:
    """`async with notices.subscribe() as subscription:` then `await subscription.next()`."""

    def __init__(self, subscriber: Redis, pattern: str):
        self._pubsub = subscriber.pubsub(ignore_subscribe_messages=True)
        self._pattern = pattern

    async def __aenter__(self) -> "Subscription":
        try:
            await self._pubsub.psubscribe(self._pattern)
        except REDIS_ERRORS as error:
            await self.__aexit__()
            raise StoreUnavailable(str(error)) from error
        return self

    async def next(self, timeout: float = 1.0) -> bytes | str | None:
        """The next notice, or None when none came within `timeout` seconds."""
        try:
            message = await self._pubsub.get_message(timeout=timeout)
        except REDIS_ERRORS as error:
            raise StoreUnavailable(str(error)) from error
        if message is not None and message["type"] == "pmessage":
            return message["data"]
        return None

    async def __aexit__(self, *exc_info) -> None:
        try:
            await self._pubsub.aclose()
        except REDIS_ERRORS:
            pass


class NoticeStore:
    def __init__(self, redis: Redis, subscriber: Redis, keys: Keys):
        # A dedicated client for the subscription: it holds its connection for good.
        self.redis = redis
        self.subscriber = subscriber
        self.keys = keys

    @redis_errors
    async def publish(self, code: str, notice: bytes) -> None:
        await self.redis.publish(self.keys.channel(code), notice)

    def subscribe(self) -> Subscription:
        return Subscription(self.subscriber, self.keys.channel_pattern())
