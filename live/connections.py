"""Guards on the connections themselves, below the app: a deadline for every request head
(slowloris, silent and half-sent handshakes), the open-file limit, and a budget of
sockets that sheds load with a clear close (1013) before the worker runs out of files, and
the token bucket that limits what one socket may send.

Transport only: knows uvicorn's HTTP protocol, nothing of events or Redis.
"""

from __future__ import annotations

import logging
import resource
import time

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

HEADER_TIMEOUT = 10.0  # seconds a connection may take to send a complete request head
FD_RESERVE = 256  # files kept for HTTP requests, the Redis pool, logs and static files
MAX_FD_LIMIT = 1 << 20


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on every request head: a connection that is
    silent, or sends its headers (a WebSocket handshake included) too slowly, is closed
    after `header_timeout` seconds. uvicorn itself only times out keep-alive connections
    between requests, and only once a first request was answered."""

    header_timeout = HEADER_TIMEOUT

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_deadline)

    def data_received(self, data: bytes) -> None:
        if self._head_timer is None and self.conn.their_state is h11.IDLE:
            # The first bytes of a next request on a kept-alive connection (uvicorn's own
            # keep-alive timer, stopped by these bytes, watched the idle time before).
            self._head_timer = self.loop.call_later(self.header_timeout, self._head_deadline)
        super().data_received(data)
        if self._head_timer is not None and self.conn.their_state is not h11.IDLE:
            self._head_timer.cancel()  # the head is complete: this request is no longer the deadline's
            self._head_timer = None

    def _head_deadline(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()  # no complete request head in time

    def connection_lost(self, exc) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)


def raise_open_file_limit() -> int:
    """Raise this process's soft limit of open files to what the system allows (the hard
    limit): a hall of phones needs one per socket. Returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = MAX_FD_LIMIT if hard == resource.RLIM_INFINITY else min(hard, MAX_FD_LIMIT)
    if wanted > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError) as error:
            log.warning("could not raise the open-file limit from %d to %d: %s", soft, wanted, error)
    return soft


class SocketBudget:
    """How many WebSockets this worker may hold: the open-file limit minus a reserve.
    Past it a new socket is accepted and closed with 1013 (try again later), a close the
    clients understand, instead of the worker failing to accept anything at all."""

    def __init__(self):
        self.open = 0
        self.limit: int | None = None

    def full(self) -> bool:
        if self.limit is None:
            self.limit = max(64, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - FD_RESERVE)
        return self.open >= self.limit


SOCKETS = SocketBudget()


class TokenBucket:
    """Allows `rate` messages a second with bursts of `burst`."""

    def __init__(self, rate: float, burst: float):
        self.rate, self.burst = rate, burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False
