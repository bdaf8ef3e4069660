"""Remembered packing (live/store/packing.py) puts the same bytes on the wire as redis-py's own."""

from __future__ import annotations

from redis.asyncio.connection import Connection

from live.store.packing import PackingConnection, remembering

COMMANDS = [
    ("EVALSHA", "f" * 40, 9, *[f"live:{{ABC123}}:k{i}" for i in range(9)], "p1", "participant12345", "agree",
     1_790_000_000_000),
    ("HGETALL", "live:{ABC123}:event"),
    ("SET", "k", b"raw bytes"),
    ("CONFIG GET", "maxmemory"),
    ("SET", "k", 1.5),
    ("HSET", "live:{ÉÉN}:x", "ü", "€" * 10),
    ("SET", "long", "x" * 500),
    ("SET", "k", -7),
]


def test_remembered_packing_is_byte_identical_to_redis_py():
    plain, remembering_connection = Connection(), PackingConnection()
    for _ in range(2):  # the first time encodes, the second time remembers
        for command in COMMANDS:
            assert b"".join(remembering_connection.pack_command(*command)) == \
                b"".join(plain.pack_command(*command)), command


def test_only_standalone_connection_classes_are_swapped():
    assert remembering(Connection) is PackingConnection
    assert remembering(dict) is dict
