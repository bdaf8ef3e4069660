"""redis-py's command packing, with each argument's wire form remembered.

A vote is EVALSHA with nine keys and four arguments, and the keys, the script's digest,
the proposition, the choices and the expiry are the same for a whole hall: redis-py encodes
every one of them again for every vote, which in a flood is a fifth of the app's CPU
(docs/performance.md). Here each short text or number is encoded once into its RESP form
and joined; anything else (a multi-word command, bytes, a float, a long value) goes the
library's own way. Same bytes on the wire.
"""

from __future__ import annotations

from typing import ClassVar

from redis.asyncio.connection import Connection, UnixDomainSocketConnection

REMEMBERED = 20_000  # distinct arguments kept (a few hundred per event, plus one per participant)
LONGEST = 200  # characters: longer values are not remembered


class RememberingPacker:
    """A connection mixin: `pack_command` with a bounded memo of encoded arguments."""

    _encoded: ClassVar[dict] = {}  # (type, value) -> b"$<len>\r\n<value>\r\n", shared by every connection

    def pack_command(self, *args):
        command = args[0]
        if type(command) is not str or " " in command:
            return super().pack_command(*args)
        memo = RememberingPacker._encoded
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            kind = type(arg)
            piece = memo.get((kind, arg)) if kind is str or kind is int else None
            if piece is None:
                if not (kind is str or kind is int) or (kind is str and len(arg) > LONGEST):
                    return super().pack_command(*args)
                data = self.encoder.encode(arg)
                piece = b"$%d\r\n%s\r\n" % (len(data), data)
                if len(memo) >= REMEMBERED:
                    memo.clear()
                memo[(kind, arg)] = piece
            parts.append(piece)
        return [b"".join(parts)]


class PackingConnection(RememberingPacker, Connection):
    pass


class PackingUnixConnection(RememberingPacker, UnixDomainSocketConnection):
    pass


def remembering(connection_class: type) -> type:
    """The remembering variant of a standalone connection class (others are kept as they are)."""
    return {Connection: PackingConnection, UnixDomainSocketConnection: PackingUnixConnection}.get(
        connection_class, connection_class)
