"""Connecting to Redis: a standalone server or a Redis Cluster, told apart on connect.

`REDIS_URL` may name a standalone server or any node of a cluster; `INFO cluster` says
which (`cluster_enabled:1`). On a cluster the commands go through redis-py's asyncio
`RedisCluster` (every key of an event shares the hash tag `{CODE}`, so every script and
transaction stays on one slot) and notices use sharded pub/sub (store/sharded.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster
from redis.asyncio.cluster import ClusterPipeline
from redis.asyncio.connection import parse_url
from redis.exceptions import RedisClusterException

from .base import REDIS_ERRORS
from .packing import remembering

log = logging.getLogger(__name__)


@dataclass
class Clients:
    redis: Redis | RedisCluster  # pooled, for every command
    subscriber: Redis | RedisCluster  # standalone: the client of the one subscription
    cluster: bool
    node_client: Callable[[str, int], Redis] | None = None  # cluster: a client of one node (its pub/sub)

    async def aclose(self) -> None:
        if self.subscriber is not self.redis:
            await self.subscriber.aclose()
        await self.redis.aclose()


async def cluster_enabled(url: str) -> bool | None:
    """Whether `url` names a node of a Redis Cluster; None when it does not answer."""
    client = Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3, decode_responses=True)
    try:
        return bool(int((await client.info("cluster")).get("cluster_enabled", 0)))
    except REDIS_ERRORS:
        return None
    finally:
        await client.aclose()


def standalone_clients(url: str) -> Clients:
    """One pooled client for commands, one for the pub/sub subscription.

    The pool is blocking and bounded: a burst waits for a connection instead of failing
    with MaxConnectionsError (redis-py's default pool raises past 100).
    """
    pool = BlockingConnectionPool.from_url(url, max_connections=64, timeout=5, decode_responses=True,
                                           socket_timeout=5, socket_connect_timeout=3, retry_on_timeout=False)
    pool.connection_class = remembering(pool.connection_class)  # store/packing.py
    subscriber = Redis.from_url(url, decode_responses=True, socket_connect_timeout=3, health_check_interval=10)
    return Clients(Redis.from_pool(pool), subscriber, cluster=False)


class WaitingRedisCluster(RedisCluster):
    """redis-py's cluster client fails with MaxConnectionsError once a node's pool is full,
    where the standalone pool above waits (and the error makes it rebuild its view of the
    cluster, closing the connections other commands are using): here a command waits for
    one of `TURNS` turns, and a pipeline's execution for one of `PIPELINE_TURNS` (a hall
    joining at once is hundreds of pipelines). Two separate kinds of turn, so that a
    pipeline never waits for a turn of its own kind inside one."""

    TURNS = 64
    PIPELINE_TURNS = 128  # with TURNS, below the nodes' max_connections (256)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._turns = asyncio.Semaphore(self.TURNS)
        self.pipeline_turns = asyncio.Semaphore(self.PIPELINE_TURNS)

    async def execute_command(self, *args, **kwargs):
        async with self._turns:
            return await super().execute_command(*args, **kwargs)

    def pipeline(self, transaction=None, shard_hint=None) -> "WaitingClusterPipeline":
        if shard_hint:
            raise RedisClusterException("shard_hint is deprecated in cluster mode")
        return WaitingClusterPipeline(self, transaction)


class WaitingClusterPipeline(ClusterPipeline):
    async def execute(self, *args, **kwargs):
        async with self.cluster_client.pipeline_turns:
            return await super().execute(*args, **kwargs)


def cluster_clients(url: str) -> Clients:
    """A `RedisCluster` (it follows MOVED and refreshes its slot map after a failover) and,
    for sharded pub/sub, plain clients of single nodes with the URL's credentials."""
    cluster = WaitingRedisCluster.from_url(url, decode_responses=True, max_connections=256, socket_timeout=5,
                                           socket_connect_timeout=3)
    options = {k: v for k, v in parse_url(url).items() if k not in ("host", "port", "db", "path")}

    def node_client(host: str, port: int) -> Redis:
        return Redis(host=host, port=port, decode_responses=True, socket_connect_timeout=3, socket_timeout=None,
                     health_check_interval=10, **options)

    return Clients(cluster, cluster, cluster=True, node_client=node_client)


async def open_clients(url: str, mode: str = "auto") -> Clients:
    """`mode`: auto (ask the server), 1 (a cluster) or 0 (standalone)."""
    if mode in ("1", "yes", "true", "cluster"):
        return cluster_clients(url)
    if mode in ("0", "no", "false", "standalone") or url.startswith("unix:"):
        return standalone_clients(url)
    found = await cluster_enabled(url)
    if found is None:
        log.warning("Redis at REDIS_URL does not answer; taking it for a standalone server "
                    "(set LIVE_REDIS_CLUSTER=1 for a cluster)")
    return cluster_clients(url) if found else standalone_clients(url)
