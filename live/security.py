"""Security headers on every response, an Origin check on every unsafe HTTP request, and
secrets kept out of the server's logs."""

from __future__ import annotations

import logging
import re

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse

from .auth import origin_allowed, own_origin

HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     b"connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_HEADER_BYTES = 16 * 1024
MAX_HEADERS = 100


class SecurityMiddleware:
    def __init__(self, app, allowed_origins: tuple[str, ...] = ()):
        self.app = app
        self.allowed_origins = allowed_origins

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw = scope["headers"]
        if len(raw) > MAX_HEADERS or sum(len(k) + len(v) for k, v in raw) > MAX_HEADER_BYTES:
            await _refuse(scope, receive, send, "Request headers too large.", 431)
            return
        if scope["type"] == "websocket":
            # The socket's outbox sends its frames with the server's own send, past the
            # wrappers in between (a reveal is 20,000 frames: sockets.py).
            scope["live.send"] = send
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["method"] not in SAFE_METHODS and not origin_allowed(
                headers.get("origin"), own_origin(scope.get("scheme", "http"), headers.get("host")),
                self.allowed_origins):
            await _refuse(scope, receive, send, "Cross-site request refused.", 403)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)



async def _refuse(scope, receive, send, text: str, status: int) -> None:
    """The middleware's own answer, with the security headers; on a WebSocket handshake an
    HTTP answer too where the server allows it (the ASGI websocket.http.response
    extension), else a close before accept (HTTP 403)."""
    headers = {name.decode(): value.decode() for name, value in HEADERS}
    response = PlainTextResponse(text, status_code=status, headers=headers)
    if scope["type"] == "http":
        await response(scope, receive, send)
    elif "websocket.http.response" in scope.get("extensions", {}):
        await send({"type": "websocket.http.response.start", "status": status, "headers": response.raw_headers})
        await send({"type": "websocket.http.response.body", "body": response.body})
    else:
        await send({"type": "websocket.close", "code": 1008})

# Query values that are secrets: the moderator link's key, a participant's token, a ticket.
SECRET_QUERY = re.compile(r"([?&](?:key|participant|ticket)=)[^&\s\"]*", re.IGNORECASE)
LOGGERS_WITH_PATHS = ("uvicorn.access", "uvicorn.error")  # the access log; WebSocket "[accepted]" lines


class RedactSecrets(logging.Filter):
    """Replaces the values of `key` and `participant` in every path a log line carries."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, str) and "=" in a for a in record.args):
            record.args = tuple(SECRET_QUERY.sub(r"\1REDACTED", a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str) and "=" in record.msg:
            record.msg = SECRET_QUERY.sub(r"\1REDACTED", record.msg)
        return True


def redact_logs() -> None:
    """Install the filter on uvicorn's loggers, once per process."""
    for name in LOGGERS_WITH_PATHS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())


def handshake_limits() -> None:
    """Let every upgrade that uvicorn's HTTP parser accepted reach the middleware, which
    answers oversized headers with 431. uvicorn's websockets protocol re-parses the
    handshake with the websockets library's own limits (one header line of 8 KB, 128
    headers) and, when that parser refuses, never writes its answer: the client hangs.
    The HTTP parser in front (h11) already bounds the request, so widening these costs
    nothing. Once per process (module constants, read at each parse)."""
    from websockets import http11

    http11.MAX_LINE_LENGTH = max(http11.MAX_LINE_LENGTH, 1024 * 1024)
    http11.MAX_NUM_HEADERS = max(http11.MAX_NUM_HEADERS, 10_000)
