"""A minimal WebSocket client as a raw asyncio Protocol: thousands per process.

No task, no queue and no library object per connection: the HTTP upgrade is written by
hand, text frames go out masked (RFC 6455 §5.3), and the server's unmasked frames are
parsed straight from the receive buffer. Subclasses override `on_message`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import random
import socket
import struct
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


def frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked client frame."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0xFE, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0xFF, n)
    mask = random.getrandbits(32).to_bytes(4, "little")
    # XOR the payload with the repeated key as one big integer: byte i meets key[i % 4].
    key = (mask * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")
    return head + mask + masked


class WebSocket(asyncio.Protocol):
    __slots__ = ("host", "path", "headers", "transport", "opened", "closed", "_buffer", "_upgraded",
                 "_key", "_fragments", "received_at", "close_code")

    def __init__(self, host: str, path: str, headers: dict[str, str] | None = None):
        self.host, self.path, self.headers = host, path, headers
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future = loop.create_future()
        self.closed: asyncio.Future = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._upgraded = False
        self._fragments: list[bytes] | None = None
        self.received_at = 0.0  # perf_counter() of the read that delivered the current message
        self.close_code: int | None = None  # from the server's close frame (1005: it gave none)

    # --- asyncio.Protocol ------------------------------------------------------------

    def connection_made(self, transport) -> None:
        self.transport = transport
        self._key = base64.b64encode(os.urandom(16))
        extra = "".join(f"{k}: {v}\r\n" for k, v in (self.headers or {}).items())
        transport.write(
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {self._key.decode()}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n".encode())

    def data_received(self, data: bytes) -> None:
        self.received_at = time.perf_counter()
        self._buffer += data
        if not self._upgraded and not self._handshake():
            return
        self._frames()

    def connection_lost(self, exc) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed during handshake: {exc}"))
        if not self.closed.done():
            self.closed.set_result(exc)

    # --- the two parsers -------------------------------------------------------------

    def _handshake(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self._buffer[:end]).decode("latin-1").split("\r\n")
        del self._buffer[:end + 4]
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
        accept = base64.b64encode(hashlib.sha1(self._key + GUID).digest()).decode()
        if head[0].split(" ")[1:2] != ["101"] or headers.get("sec-websocket-accept") != accept:
            self.opened.set_exception(ConnectionError(f"upgrade refused: {head[0]}"))
            self.transport.close()
            return False
        self._upgraded = True
        self.opened.set_result(None)
        return True

    def _frames(self) -> None:
        buf, pos, size = self._buffer, 0, len(self._buffer)
        while size - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length, head = b1 & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
            if b1 & 0x80:
                raise ConnectionError("server frames must not be masked")
            end = pos + head + length
            if end > size:
                break
            payload = bytes(buf[pos + head:end])
            pos = end
            self._frame(b0 & 0x80, b0 & 0x0F, payload)
        del buf[:pos]

    def _frame(self, fin: int, opcode: int, payload: bytes) -> None:
        if opcode == PING:
            self.transport.write(frame(PONG, payload))
        elif opcode == CLOSE:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if not self.transport.is_closing():
                self.transport.write(frame(CLOSE, payload[:2]))
                self.transport.close()
        elif opcode == PONG:
            pass
        elif not fin:  # the first or a middle fragment
            self._fragments = (self._fragments or []) + [payload]
        elif opcode == 0:  # the last fragment
            self.on_message(b"".join(self._fragments + [payload]))
            self._fragments = None
        else:
            self.on_message(payload)

    # --- for subclasses and callers --------------------------------------------------

    @property
    def upgraded(self) -> bool:
        return self._upgraded

    def on_message(self, payload: bytes) -> None:
        """A complete text (or binary) message; `received_at` says when it arrived."""

    def send(self, text: bytes) -> None:
        self.transport.write(frame(TEXT, text))

    def abort(self) -> None:
        """Drop the connection with a reset, so that no TIME_WAIT is left on this side."""
        if self.transport is None or self.transport.is_closing():
            return
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()


async def connect(factory, host: str, port: int, timeout: float = 30.0, source: str | None = None) -> WebSocket:
    """Open one connection made by `factory()` (from address `source`, if given) and wait
    until the upgrade is done."""
    loop = asyncio.get_running_loop()
    local = (source, 0) if source else None
    _, ws = await asyncio.wait_for(loop.create_connection(factory, host, port, local_addr=local), timeout)
    try:
        await asyncio.wait_for(asyncio.shield(ws.opened), timeout)
    except BaseException:
        ws.abort()
        raise
    return ws
