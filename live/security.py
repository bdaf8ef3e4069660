"""Security headers on every response, an Origin check on every unsafe HTTP request, and
secrets kept out of the server's logs."""

from __future__ import annotations

import logging
import re

from starlette._utils import parse_host_header
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocket

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
    """`sockets`: {role: endpoint} of the WebSockets at /ws/{code}/{role}. A socket lives for
    the whole evening and every message it receives resumes each layer between the server
    and its endpoint, so sockets with a Host we serve go straight to their endpoint; any
    other request (and a socket with a foreign Host) takes the whole stack."""

    def __init__(self, app, allowed_origins: tuple[str, ...] = (), sockets: dict | None = None,
                 allowed_hosts: tuple[str, ...] = ("*",)):
        self.app = app
        self.allowed_origins = allowed_origins
        self.sockets = sockets or {}
        self.allowed_hosts = [pattern.lower() for pattern in allowed_hosts]

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw = scope["headers"]
        if len(raw) > MAX_HEADERS or sum(len(k) + len(v) for k, v in raw) > MAX_HEADER_BYTES:
            await _refuse(scope, receive, send, "Request headers too large.", 431)
            return
        if scope["type"] == "websocket":
            # The socket sends and receives its frames with the server's own send and
            # receive, past the wrappers in between (a reveal is 20,000 frames: sockets.py).
            scope["live.send"], scope["live.receive"] = send, receive
            endpoint = self._socket_endpoint(scope)
            if endpoint is not None:
                await endpoint(WebSocket(scope, receive, send))
            else:
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



    def _socket_endpoint(self, scope):
        """The endpoint of a socket at /ws/{code}/{role} whose Host passes the same check as
        TrustedHostMiddleware's (path_params set as the router would), else None."""
        parts = scope["path"].split("/")
        endpoint = self.sockets.get(parts[3]) if len(parts) == 4 and parts[1] == "ws" and parts[2] else None
        if endpoint is None:
            return None
        if "*" not in self.allowed_hosts:
            host = parse_host_header(Headers(scope=scope).get("host"))
            name = host.host.lower() if host is not None else None
            if name is None or not any(name == pattern or (pattern.startswith("*") and name.endswith(pattern[1:]))
                                       for pattern in self.allowed_hosts):
                return None  # the whole stack answers it, as for any request
        scope["path_params"] = {"code": parts[2]}
        return endpoint


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
