"""One WebSocket handler per role: check → accept → join the room → snapshot → stream
(what each command does is socket_commands.py).

Transport only: turns frames into calls on the use cases and their results into
messages. Every client message is untrusted; a bad one gets a typed error and the socket
stays usable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from starlette import status
from starlette.websockets import WebSocket, WebSocketDisconnect

from . import commands, i18n, protocol
from .auth import (
    bearer,
    moderator_cookie,
    origin_allowed,
    own_origin,
    participant_cookie,
)
from .connections import SOCKETS, TokenBucket
from .definition import normalize_code
from .errors import ProtocolError, RuleError, StoreUnavailable
from .model import Event
from .outbox import Outbox
from .socket_commands import HANDLERS, Connection, send_snapshot

if TYPE_CHECKING:
    from .access import Access

log = logging.getLogger(__name__)

MAX_STRIKES = 200  # messages over the rate limit (or undecodable) before the socket is closed


async def audience_socket(websocket: WebSocket) -> None:
    await _serve(websocket, "audience")


async def projector_socket(websocket: WebSocket) -> None:
    await _serve(websocket, "projector")


async def moderator_socket(websocket: WebSocket) -> None:
    await _serve(websocket, "moderator")


async def _serve(websocket: WebSocket, role: str) -> None:
    access, settings = websocket.state.access, websocket.state.settings
    origin = websocket.headers.get("origin")
    if not origin_allowed(origin, own_origin(websocket.scope.get("scheme", "ws"), websocket.headers.get("host")),
                          settings.allowed_origins):
        log.warning("refused %s socket from origin %r", role, origin)
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return
    if SOCKETS.full():  # shed load with a close clients understand, before the files run out
        await websocket.accept()
        await websocket.close(code=status.WS_1013_TRY_AGAIN_LATER)
        return
    address = websocket.client.host if websocket.client else "unknown"
    try:
        participant = token = None
        minted = False
        if role == "audience":
            event, participant, token, minted = await _audience(websocket, access, address)
        else:
            event = await access.find_event(websocket.path_params["code"], address)
        allowed = event is not None and (role != "moderator" or await _moderator_allowed(websocket, access, event,
                                                                                         origin, address))
    except StoreUnavailable:
        # Accept first: a close before accept becomes HTTP 403, which a client cannot tell
        # from "refused"; 1013 says "try again later".
        await websocket.accept()
        await websocket.close(code=status.WS_1013_TRY_AGAIN_LATER)
        return
    except RuleError:  # too many unknown codes, or wrong moderator keys, from this address
        allowed = False
    if not allowed:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return

    language = i18n.pick_language(websocket.query_params.get("lang"), websocket.cookies.get("lang"), event.language)
    await websocket.accept()
    SOCKETS.open += 1
    rooms = websocket.state.rooms
    outbox = Outbox(role, participant, language)
    if role == "moderator":
        outbox.by_key = bearer(websocket.headers.get("authorization")) is not None
        if not outbox.by_key:
            outbox.session = await access.session_id(event.code, websocket.cookies.get(moderator_cookie(event.code)))
    connection = Connection(websocket.state.debate, rooms.join(event, outbox), outbox, minted)  # join before the snapshot
    opened = time.monotonic()
    try:
        outbox.reply(protocol.welcome(connection.event, role, token))
        await send_snapshot(connection, joining=True)
        outbox.attach(_frames(websocket), websocket.close)  # what waited goes now, in order
        await outbox.drain()
        await _receive(websocket, connection, settings.max_message_bytes)
        if outbox.closing:
            await outbox.finish(5)  # the last error, then the close
    except (WebSocketDisconnect, TimeoutError):
        pass
    finally:
        SOCKETS.open -= 1
        rooms.leave(event.code, outbox)
        outbox.detach()
    if connection.minted_here and connection.voted and not outbox.closing:  # it left by itself
        with contextlib.suppress(StoreUnavailable):
            await access.socket_left(event, participant, True, True, time.monotonic() - opened)


def _frames(websocket: WebSocket):
    """How the outbox sends a text frame: with the server's own ASGI send when the security
    middleware passed it on (a third of each frame's cost is the wrappers in between), else
    Starlette's."""
    send = websocket.scope.get("live.send")
    if send is None:
        return websocket.send_text
    return lambda text: send({"type": "websocket.send", "text": text})


async def _audience(websocket: WebSocket, access: "Access",
                    address: str) -> tuple[Event | None, str | None, str | None, bool]:
    """The event and the participant behind this socket: from the cookie, or the token
    presented again on reconnect; a forged or foreign token gets a fresh identity, never
    someone else's, minted in the same round trip as the event is read. The last value
    says whether the identity was minted here."""
    raw = websocket.path_params["code"]
    code = normalize_code(raw)
    tokens = [websocket.cookies.get(participant_cookie(code)), websocket.query_params.get("participant")]
    found = await access.participant(code, tokens)
    if found:
        return await access.find_event(raw, address), *found, False
    event, minted = await access.find_event_minting(raw, address)
    return (event, *minted, True) if minted else (event, None, None, False)


async def _moderator_allowed(websocket: WebSocket, access: "Access", event: Event, origin: str | None,
                             address: str) -> bool:
    key = bearer(websocket.headers.get("authorization"))
    if key is not None:
        return await access.moderator_key_valid(event.code, key, address)
    # A cookie alone is only trusted from a browser, which always sends Origin (checked above).
    if origin is None:
        return False
    return await access.moderator_session_valid(event.code, websocket.cookies.get(moderator_cookie(event.code)))


async def _receive(websocket: WebSocket, connection: Connection, limit: int) -> None:
    outbox = connection.outbox
    bucket = TokenBucket(rate=20, burst=40)
    strikes = 0
    language = outbox.language
    receive = websocket.scope.get("live.receive") or websocket.receive  # the server's own, as for sending
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if not bucket.take():
            strikes += 1
            # Every refused command is answered with its id (the outbox keeps the newest
            # replies only, so a flood cannot grow it).
            outbox.reply(protocol.error("rate_limited", language, commands.message_id(text or message.get("bytes"))))
            if strikes > MAX_STRIKES:
                outbox.close(status.WS_1008_POLICY_VIOLATION)
                return
            await outbox.drain()
            await asyncio.sleep(0)  # a flood of queued frames must not hold the loop
            continue
        if text is None:
            outbox.reply(protocol.error("bad_message", language, commands.message_id(message.get("bytes") or b"")))
        # The limit is in bytes: 4 KB of three-byte characters is 1,365 characters.
        elif len(text) * 4 > limit and len(text.encode()) > limit:
            outbox.reply(protocol.error("too_big", language, commands.message_id(text)))
        else:
            try:
                kind, command = commands.parse(outbox.role, text)
                await HANDLERS[kind](connection, command)
            except ProtocolError as error:
                strikes += 1
                outbox.reply(protocol.error(error.code, language, error.message_id))
            except RuleError as error:
                outbox.reply(protocol.error(error.code, language, command.id))
            except StoreUnavailable:
                outbox.reply(protocol.error("retry_later", language, command.id))
        await outbox.drain()  # this socket's answer, sent by its own task
