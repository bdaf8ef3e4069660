"""What every store module shares: the one translation of Redis errors, the clock, and
the Lua scripts (one file each in lua/, so "where is a vote counted" has a file name)."""

from __future__ import annotations

import functools
from pathlib import Path

from redis.exceptions import RedisClusterException, RedisError

from ..clock import now_ms  # noqa: F401  (the stores' clock)
from ..errors import StoreUnavailable

LUA = Path(__file__).with_name("lua")
# (a cluster client's "no reachable node" and "slot not covered" are not RedisErrors)
REDIS_ERRORS = (RedisError, RedisClusterException, OSError)


def redis_errors(method):
    """Turn any Redis or connection error of an async store method into StoreUnavailable,
    so that callers can tell the client to retry instead of pretending a write happened."""
    @functools.wraps(method)
    async def translated(*args, **kwargs):
        try:
            return await method(*args, **kwargs)
        except REDIS_ERRORS as error:
            raise StoreUnavailable(str(error)) from error
    return translated


def lua(name: str) -> str:
    return (LUA / f"{name}.lua").read_text()


class RedisStore:
    """A store of one aggregate: a pooled client and the key names."""

    def __init__(self, redis, keys):
        self.redis = redis
        self.keys = keys
