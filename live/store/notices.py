"""Redis I/O for notices: publishing on an event's channel, and this worker's one
subscription to every event's channel. The bus (live/bus.py) decides what a notice says.

On a Redis Cluster (`sharded`) notices go by sharded pub/sub instead: SPUBLISH, and one
SSUBSCRIBE per event this worker follows (its rooms; store/sharded.py)."""

from __future__ import annotations

from redis.asyncio import Redis

from ..errors import StoreUnavailable
from ..keys import Keys
from .base import REDIS_ERRORS, redis_errors
from .sharded import ShardedSubscription


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
    def __init__(self, redis: Redis, subscriber: Redis, keys: Keys, sharded: bool = False, node_client=None):
        # A dedicated client for the subscription: it holds its connection for good.
        self.redis = redis
        self.subscriber = subscriber
        self.keys = keys
        self.sharded = sharded
        self._node_client = node_client
        self.followed: set[str] = set()  # sharded: the events whose channel this worker follows
        self._live: ShardedSubscription | None = None

    @redis_errors
    async def publish(self, code: str, notice: bytes) -> None:
        await self.publish_in(self.redis, code, notice)

    def publish_in(self, pipe, code: str, notice: bytes):
        """PUBLISH, or SPUBLISH on a cluster, on a client or queued in a pipeline."""
        return (pipe.spublish if self.sharded else pipe.publish)(self.keys.channel(code), notice)

    def subscribe(self) -> Subscription | ShardedSubscription:
        if self.sharded:
            self._live = ShardedSubscription(self.redis, self._node_client, self.keys.channel, self.followed)
            return self._live
        return Subscription(self.subscriber, self.keys.channel_pattern())

    async def follow(self, code: str, here: bool) -> bool:
        """Sharded: follow an event's channel (here) or stop. True once newly subscribed."""
        if not self.sharded:
            return False
        (self.followed.add if here else self.followed.discard)(code)
        return self._live is not None and await self._live.follow(code, here)
