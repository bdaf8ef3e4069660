"""Sharded pub/sub on a Redis Cluster: this worker's subscription to the channel of each
event it has sockets for, on the master that serves the channel's hash slot.

Every event's channel carries the event's hash tag (`P:{CODE}:bell`), so `SSUBSCRIBE`
lands on the shard that holds the event's keys, and `SPUBLISH` reaches only that shard's
subscribers: two events on two shards share nothing. One connection per master; a reader
per connection puts notices into one queue. Anything that breaks the picture (a node gone,
a MOVED reply, a slot given away, which Redis tells with an unasked `sunsubscribe`) ends
the subscription with StoreUnavailable: the bus starts over, which refreshes the slot map,
subscribes again on the new owners and resyncs every room from Redis (bus.run, audit).

(redis-py's own ClusterPubSub is not used: its get_sharded_message waits on one node's
connection after another, so a notice on one shard could wait out the timeout of another.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from redis.asyncio import Redis, RedisCluster

from ..errors import StoreUnavailable
from .base import REDIS_ERRORS

CONFIRM_TIMEOUT = 3.0  # seconds a new SSUBSCRIBE may take to be confirmed


class ShardedSubscription:
    """`async with` it, then `await next()`; `follow(code, here)` while it runs."""

    def __init__(self, cluster: RedisCluster, node_client: Callable[[str, int], Redis],
                 channel_of: Callable[[str], str], followed: set[str]):
        self._cluster = cluster
        self._node_client = node_client
        self._channel_of = channel_of
        self._followed = followed  # the store's set: the codes to follow, kept up to date by it
        self._clients: dict[str, Redis] = {}  # node name -> client
        self._pubsubs: dict = {}  # node name -> its PubSub
        self._readers: dict[str, asyncio.Task] = {}
        self._where: dict[str, str] = {}  # channel -> node name
        self._confirmed: dict[str, asyncio.Event] = {}
        self._queue: asyncio.Queue = asyncio.Queue()
        self._lock = asyncio.Lock()
        self._closed = False
        self._entered = False

    async def __aenter__(self) -> "ShardedSubscription":
        try:
            await self._cluster.initialize()
            await self._cluster.nodes_manager.initialize()  # the slot map as it is now
            async with self._lock:
                for code in list(self._followed):
                    await self._subscribe(self._channel_of(code))
                self._entered = True  # from now on follow() subscribes by itself
        except REDIS_ERRORS as error:
            await self.__aexit__()
            raise StoreUnavailable(str(error)) from error
        return self

    async def _subscribe(self, channel: str) -> asyncio.Event:
        node = self._cluster.get_node_from_key(channel)
        if node is None:
            raise ConnectionError(f"no master serves the slot of {channel} now")
        confirmed = self._confirmed[channel] = asyncio.Event()
        self._where[channel] = node.name
        pubsub = self._pubsubs.get(node.name)
        if pubsub is None:
            client = self._clients[node.name] = self._node_client(node.host, node.port)
            pubsub = self._pubsubs[node.name] = client.pubsub()
            await pubsub.ssubscribe(channel)
            self._readers[node.name] = asyncio.get_running_loop().create_task(self._read(node.name, pubsub))
        else:
            await pubsub.ssubscribe(channel)
        return confirmed

    async def _read(self, name: str, pubsub) -> None:
        try:
            while True:
                message = await pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                kind, channel = message["type"], message["channel"]
                if kind == "smessage":
                    self._queue.put_nowait(message["data"])
                elif kind == "ssubscribe" and channel in self._confirmed:
                    self._confirmed[channel].set()
                elif kind == "sunsubscribe" and self._where.get(channel) == name:
                    raise ConnectionError(f"{name} no longer serves {channel} (slot moved or failover)")
        except REDIS_ERRORS as error:
            self._queue.put_nowait(error)

    async def follow(self, code: str, here: bool) -> bool:
        """Subscribe (here) or unsubscribe an event's channel. True once a new subscription
        is confirmed: notices from then on arrive, so a resync now misses nothing."""
        channel = self._channel_of(code)
        async with self._lock:
            if self._closed or not self._entered:
                return False  # (not yet entered: it subscribes every followed code itself)
            try:
                if here and channel not in self._where:
                    confirmed = await self._subscribe(channel)
                elif not here and channel in self._where:
                    await self._pubsubs[self._where.pop(channel)].sunsubscribe(channel)
                    self._confirmed.pop(channel, None)
                    return False
                else:
                    return False
            except REDIS_ERRORS as error:
                self._queue.put_nowait(error)  # the subscription starts over
                return False
        try:
            await asyncio.wait_for(confirmed.wait(), CONFIRM_TIMEOUT)
        except asyncio.TimeoutError:
            return False
        return True

    async def next(self, timeout: float = 1.0) -> bytes | str | None:
        """The next notice, or None when none came within `timeout` seconds."""
        if self._queue.empty():
            try:
                item = await asyncio.wait_for(self._queue.get(), timeout)
            except asyncio.TimeoutError:
                return None
        else:
            item = self._queue.get_nowait()
        if isinstance(item, BaseException):
            raise StoreUnavailable(str(item)) from item
        return item

    async def __aexit__(self, *exc_info) -> None:
        self._closed = True
        for reader in self._readers.values():
            reader.cancel()
        await asyncio.gather(*self._readers.values(), return_exceptions=True)
        for name, pubsub in self._pubsubs.items():
            for closing in (pubsub.aclose, self._clients[name].aclose):
                try:
                    await closing()
                except REDIS_ERRORS:
                    pass
        self._readers.clear()
        self._pubsubs.clear()
        self._clients.clear()
        self._where.clear()
