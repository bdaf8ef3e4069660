"""One WebSocket handler per role: check → accept → join the room → snapshot → stream.

Transport only: turns frames into calls on `debate` and results into messages. Every
client message is untrusted; a bad one gets a typed error and the socket stays usable.
"""

from __future__ import annotations

import asyncio
import logging
import time

import msgspec

from starlette import status
from starlette.websockets import WebSocket, WebSocketDisconnect

from . import i18n, model, protocol
from .auth import bearer, moderator_cookie, origin_allowed, own_origin, participant_cookie
from .hub import Outbox, Room
from .model import Event, RuleError
from .protocol import ProtocolError
from .store import StoreUnavailable

log = logging.getLogger(__name__)

WS_1013_TRY_AGAIN_LATER = 1013


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


MAX_STRIKES = 200  # messages over the rate limit (or undecodable) before the socket is closed


async def audience_socket(websocket: WebSocket) -> None:
    await _serve(websocket, "audience")


async def projector_socket(websocket: WebSocket) -> None:
    await _serve(websocket, "projector")


async def moderator_socket(websocket: WebSocket) -> None:
    await _serve(websocket, "moderator")


async def _serve(websocket: WebSocket, role: str) -> None:
    debate, hub, settings = websocket.state.debate, websocket.state.hub, websocket.state.settings
    origin = websocket.headers.get("origin")
    if not origin_allowed(origin, own_origin(websocket.url.scheme, websocket.headers.get("host")),
                          settings.allowed_origins):
        log.warning("refused %s socket from origin %r", role, origin)
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return
    address = websocket.client.host if websocket.client else "unknown"
    try:
        event = await debate.find_event(websocket.path_params["code"], address)
        participant = token = None
        if event is not None and role == "audience":
            participant, token = await _participant(websocket, event, address)
        allowed = event is not None and (role != "moderator" or await _moderator_allowed(websocket, event, origin))
    except StoreUnavailable:
        # Accept first: a close before accept becomes HTTP 403, which a client cannot tell
        # from "refused"; 1013 says "try again later".
        await websocket.accept()
        await websocket.close(code=WS_1013_TRY_AGAIN_LATER)
        return
    except RuleError:  # too many unknown codes from this address
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return
    if not allowed:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return

    language = i18n.pick_language(websocket.query_params.get("lang"), websocket.cookies.get("lang"), event.language)
    await websocket.accept()
    outbox = Outbox(role, participant, language)
    room = hub.join(event, outbox)  # subscribe (join the room) before the snapshot
    pump = asyncio.get_running_loop().create_task(outbox.pump(websocket.send_text, websocket.close))
    try:
        outbox.reply(protocol.welcome(event, role, token))
        await _send_snapshot(debate, room, outbox, event)
        await _receive(websocket, debate, room, outbox, event, settings.max_message_bytes)
        if outbox.closing:
            await asyncio.wait_for(pump, 5)  # let it send the last error, then close
    except (WebSocketDisconnect, TimeoutError):
        pass
    finally:
        hub.leave(event.code, outbox)
        pump.cancel()


async def _participant(websocket: WebSocket, event: Event, address: str) -> tuple[str, str]:
    """The participant behind this socket: from the cookie, or the token presented again
    on reconnect; a forged or foreign token gets a fresh identity, never someone else's."""
    debate = websocket.state.debate
    signer = await debate.signer()
    for token in (websocket.cookies.get(participant_cookie(event.code)), websocket.query_params.get("participant")):
        participant = signer.participant(event.code, token)
        if participant is not None:
            return participant, token
    return await debate.new_participant(event, address)


async def _moderator_allowed(websocket: WebSocket, event: Event, origin: str | None) -> bool:
    debate = websocket.state.debate
    key = bearer(websocket.headers.get("authorization"))
    if key is not None:
        return await debate.moderator_key_valid(event.code, key)
    # A cookie alone is only trusted from a browser, which always sends Origin (checked above).
    if origin is None:
        return False
    return await debate.moderator_session_valid(event.code, websocket.cookies.get(moderator_cookie(event.code)))


async def _send_snapshot(debate, room: Room, outbox: Outbox, event: Event) -> None:
    try:
        snapshot = await debate.snapshot(event, outbox.participant)
    except StoreUnavailable:
        outbox.reply(protocol.error("retry_later", outbox.language))
        return
    view = protocol.state_view(event, snapshot.state)
    debate.hub.show_state(room, view)  # a fresher state than this worker had also goes to everyone else
    if outbox.role == "audience":
        view = {**view, "my_vote": snapshot.my_vote, "my_perspective": snapshot.my_perspective}
    outbox.state(view["seq"], protocol.encode(view), force=True)
    if snapshot.tally is not None:
        room.set_tally(snapshot.tally)
        tally = protocol.tally_view(snapshot.tally, view["seq"], outbox.role, view["revealed"], event)
        if tally is not None:
            outbox.tally(protocol.encode(tally))
    try:
        outbox.questions(await debate.questions_snapshot(event, outbox.role, outbox.participant))
    except StoreUnavailable:
        outbox.reply(protocol.error("retry_later", outbox.language))


async def _receive(websocket: WebSocket, debate, room: Room, outbox: Outbox, event: Event, limit: int) -> None:
    bucket = TokenBucket(rate=20, burst=40)
    strikes = 0
    language = outbox.language
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if not bucket.take():
            strikes += 1
            if strikes > MAX_STRIKES:
                outbox.reply(protocol.error("rate_limited", language))
                outbox.close(status.WS_1008_POLICY_VIOLATION)
                return
            if strikes % 20 == 1:
                outbox.reply(protocol.error("rate_limited", language))
            await asyncio.sleep(0)  # a flood must not starve this socket's own replies
            continue
        text = message.get("text")
        if text is None:
            outbox.reply(protocol.error("bad_message", language))
            continue
        if len(text) > limit:
            outbox.reply(protocol.error("too_big", language))
            continue
        try:
            kind, command = protocol.parse(outbox.role, text)
        except ProtocolError as error:
            strikes += 1
            outbox.reply(protocol.error(error.code, language, error.message_id))
            continue
        try:
            await _handle(debate, room, outbox, event, kind, command)
        except RuleError as error:
            outbox.reply(protocol.error(error.code, language, command.id))
        except StoreUnavailable:
            outbox.reply(protocol.error("retry_later", language, command.id))


async def _handle(debate, room: Room, outbox: Outbox, event: Event, kind: str, command) -> None:
    if kind == "vote":
        await debate.cast_vote(event, outbox.participant, command.proposition, command.choice)
        outbox.reply(protocol.ack(command.id))
    elif kind == "sync":
        await _send_snapshot(debate, room, outbox, event)
    elif kind == "ask":
        # Before asking: the refresh that the question triggers must include the asker's own list.
        outbox.has_waiting = True
        question, status = await debate.ask(event, outbox.participant, command.text, command.name, command.to)
        outbox.reply(protocol.encode({"type": "ack", "id": command.id, "question": question, "status": status}))
    elif kind == "upvote":
        votes = await debate.upvote(event, outbox.participant, command.question, command.on)
        outbox.reply(protocol.encode({"type": "ack", "id": command.id, "question": command.question,
                                      "votes": votes, "on": command.on}))
    elif kind == "question":
        await debate.moderate_question(event, command.question, command.action)
        outbox.reply(protocol.ack(command.id))
    elif kind == "perspective":
        await debate.set_perspective(event, outbox.participant, command.value)
        outbox.reply(protocol.encode({"type": "ack", "id": command.id, "perspective": command.value}))
    elif kind == "hand_count":
        await debate.set_hand_count(event, command.proposition, command.round, msgspec.structs.asdict(command.counts),
                                    command.perspective)
        outbox.reply(protocol.ack(command.id))
    elif kind == "countdown":
        state = await debate.countdown(event, command.seconds, command.close)
        if state is not None:
            debate.hub.show_state(room, protocol.state_view(event, state))
        outbox.reply(protocol.ack(command.id))
    elif kind == "settings":
        await debate.configure_questions(event, command.premoderation, command.wall)
        outbox.reply(protocol.ack(command.id))
    else:
        argument = command.show if kind == "screen" else getattr(command, "proposition", None)
        state = await debate.command(event, kind, argument, getattr(command, "round", 1))
        if state is not None:
            debate.hub.show_state(room, protocol.state_view(event, state))
        outbox.reply(protocol.ack(command.id))
