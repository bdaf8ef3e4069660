"""One WebSocket handler per role: check → accept → join the room → snapshot → stream.

Transport only: turns frames into calls on the use cases and their results into
messages. Every client message is untrusted; a bad one gets a typed error and the socket
stays usable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec
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
from .clock import now_ms
from .connections import SOCKETS, TokenBucket
from .errors import ProtocolError, RuleError, StoreUnavailable
from .model import MODERATOR_COMMANDS, Event
from .outbox import ASKING, Outbox
from .rooms import Room

if TYPE_CHECKING:
    from .access import Access
    from .debate import Debate

log = logging.getLogger(__name__)

MAX_STRIKES = 200  # messages over the rate limit (or undecodable) before the socket is closed


@dataclass
class Connection:
    """One accepted socket: who it is, for which event, and where its messages go."""

    debate: "Debate"
    room: Room
    outbox: Outbox
    minted_here: bool = False  # its identity was minted on this socket (it never loaded the page)
    voted: bool = False

    @property
    def event(self) -> Event:
        return self.room.event  # the newest definition: the debate may be edited on the night


async def audience_socket(websocket: WebSocket) -> None:
    await _serve(websocket, "audience")


async def projector_socket(websocket: WebSocket) -> None:
    await _serve(websocket, "projector")


async def moderator_socket(websocket: WebSocket) -> None:
    await _serve(websocket, "moderator")


async def _serve(websocket: WebSocket, role: str) -> None:
    access, settings = websocket.state.access, websocket.state.settings
    origin = websocket.headers.get("origin")
    if not origin_allowed(origin, own_origin(websocket.url.scheme, websocket.headers.get("host")),
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
        event = await access.find_event(websocket.path_params["code"], address)
        participant = token = None
        minted = False
        if event is not None and role == "audience":
            participant, token, minted = await _participant(websocket, access, event, address)
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
    pump = asyncio.get_running_loop().create_task(outbox.pump(websocket.send_text, websocket.close))
    try:
        outbox.reply(protocol.welcome(connection.event, role, token))
        await _send_snapshot(connection)
        await _receive(websocket, connection, settings.max_message_bytes)
        if outbox.closing:
            await asyncio.wait_for(pump, 5)  # let it send the last error, then close
    except (WebSocketDisconnect, TimeoutError):
        pass
    finally:
        SOCKETS.open -= 1
        rooms.leave(event.code, outbox)
        pump.cancel()
    if connection.minted_here and connection.voted and not outbox.closing:  # it left by itself
        with contextlib.suppress(StoreUnavailable):
            await access.socket_left(event, participant, True, True, time.monotonic() - opened)


async def _participant(websocket: WebSocket, access: "Access", event: Event,
                       address: str) -> tuple[str, str, bool]:
    """The participant behind this socket: from the cookie, or the token presented again
    on reconnect; a forged or foreign token gets a fresh identity, never someone else's.
    The last value says whether the identity was minted here."""
    tokens = [websocket.cookies.get(participant_cookie(event.code)), websocket.query_params.get("participant")]
    found = await access.participant(event, tokens)
    return (*found, False) if found else (*await access.new_participant(event, address), True)


async def _moderator_allowed(websocket: WebSocket, access: "Access", event: Event, origin: str | None,
                             address: str) -> bool:
    key = bearer(websocket.headers.get("authorization"))
    if key is not None:
        return await access.moderator_key_valid(event.code, key, address)
    # A cookie alone is only trusted from a browser, which always sends Origin (checked above).
    if origin is None:
        return False
    return await access.moderator_session_valid(event.code, websocket.cookies.get(moderator_cookie(event.code)))


async def _send_snapshot(connection: Connection) -> None:
    debate, event, outbox = connection.debate, connection.event, connection.outbox
    try:
        snapshot = await debate.snapshot(event, outbox.participant)
        state = snapshot.state
        outbox.state(state.seq, protocol.state_for(event, state, now_ms(), outbox.role, snapshot.my_vote,
                                                   snapshot.my_perspective, snapshot.my_ticket), force=True)
        if snapshot.tally is not None:
            view = protocol.tally_view(snapshot.tally, snapshot.figures, state.seq, outbox.role,
                                       state.status(state.current).revealed, event, snapshot.comparison,
                                       snapshot.unflagged, state.exclude_flagged, snapshot.round1)
            if view is not None:
                outbox.tally(protocol.encode(view))
        lists, upvoted = await debate.question_lists(event, outbox.role, outbox.participant)
        outbox.questions(protocol.questions_for(outbox.role, lists, outbox.participant, upvoted))
    except StoreUnavailable:
        outbox.reply(protocol.error("retry_later", outbox.language))


async def _receive(websocket: WebSocket, connection: Connection, limit: int) -> None:
    outbox = connection.outbox
    bucket = TokenBucket(rate=20, burst=40)
    strikes = 0
    language = outbox.language
    while True:
        message = await websocket.receive()
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
            await asyncio.sleep(0)  # a flood must not starve this socket's own replies
            continue
        if text is None:
            outbox.reply(protocol.error("bad_message", language, commands.message_id(message.get("bytes") or b"")))
            continue
        # The limit is in bytes: 4 KB of three-byte characters is 1,365 characters.
        if len(text) * 4 > limit and len(text.encode()) > limit:
            outbox.reply(protocol.error("too_big", language, commands.message_id(text)))
            continue
        try:
            kind, command = commands.parse(outbox.role, text)
        except ProtocolError as error:
            strikes += 1
            outbox.reply(protocol.error(error.code, language, error.message_id))
            continue
        try:
            await HANDLERS[kind](connection, command)
        except RuleError as error:
            outbox.reply(protocol.error(error.code, language, command.id))
        except StoreUnavailable:
            outbox.reply(protocol.error("retry_later", language, command.id))


# --- one handler per command (commands.COMMANDS says which role may send which) --------

async def _vote(c: Connection, command: commands.Vote) -> None:
    await c.debate.cast_vote(c.event, c.outbox.participant, command.proposition, command.choice)
    c.voted = True
    c.outbox.reply(protocol.ack(command.id))


async def _sync(c: Connection, command: commands.Sync) -> None:
    await _send_snapshot(c)


async def _ask(c: Connection, command: commands.Ask) -> None:
    # Before asking: the refresh that the question triggers must include the asker's own list.
    before, c.outbox.waiting, version = c.outbox.waiting, ASKING, None
    try:
        question, state, version = await c.debate.ask(c.event, c.outbox.participant, command.text,
                                                      command.name, command.to)
    finally:  # this ask's version while it waits; after an error, or shown at once, as it was
        c.outbox.waiting = version if version is not None and state == "waiting" else before
    c.outbox.reply(protocol.ack(command.id, question=question, status=state))


async def _upvote(c: Connection, command: commands.Upvote) -> None:
    votes = await c.debate.upvote(c.event, c.outbox.participant, command.question, command.on)
    c.outbox.reply(protocol.ack(command.id, question=command.question, votes=votes, on=command.on))


async def _perspective(c: Connection, command: commands.Perspective) -> None:
    await c.debate.set_perspective(c.event, c.outbox.participant, command.value)
    c.outbox.reply(protocol.ack(command.id, perspective=command.value))


async def _ticket(c: Connection, command: commands.Ticket) -> None:
    await c.debate.tickets.redeem(c.event, c.outbox.participant, command.code)
    c.outbox.reply(protocol.ack(command.id, ticket=True))


async def _moderate_question(c: Connection, command: commands.ModerateQuestion) -> None:
    await c.debate.moderate_question(c.event, command.question, command.action)
    c.outbox.reply(protocol.ack(command.id))


async def _hand_count(c: Connection, command: commands.HandCount) -> None:
    await c.debate.set_hand_count(c.event, command.proposition, command.round,
                                  msgspec.structs.asdict(command.counts), command.perspective)
    c.outbox.reply(protocol.ack(command.id))


async def _hand_counts(c: Connection, command: commands.Simple) -> None:
    c.outbox.reply(protocol.ack(command.id, items=await c.debate.hand_counts(c.event)))


async def _edit_propositions(c: Connection, command) -> None:
    """add_proposition, edit_proposition, move_proposition, remove_proposition."""
    action = type(command).__name__.removesuffix("Proposition").lower()
    fields = (getattr(command, name, None) for name in ("proposition", "text", "after", "index"))
    added = await c.debate.edit_propositions(c.event, action, *fields, plain=getattr(command, "plain", msgspec.UNSET))
    c.outbox.reply(protocol.ack(command.id, **({"proposition": added} if added else {})))


async def _edit_perspectives(c: Connection, command: commands.EditPerspectives) -> None:
    await c.debate.edit_perspectives(c.event, command.perspectives)
    c.outbox.reply(protocol.ack(command.id, perspectives=list(c.event.perspectives)))


async def _countdown(c: Connection, command: commands.Countdown) -> None:
    await c.debate.countdown(c.event, command.seconds, command.close)
    c.outbox.reply(protocol.ack(command.id))


async def _question_settings(c: Connection, command: commands.QuestionSettings) -> None:
    await c.debate.configure_questions(c.event, command.premoderation, command.wall)
    c.outbox.reply(protocol.ack(command.id))


def _debate_command(name: str):
    """goto, open, close, reveal, hide, screen, compare, exclude_flagged, join_panel: one rule each in model.apply."""
    async def handle(c: Connection, command) -> None:
        argument = next((getattr(command, f) for f in ("show", "proposition", "on", "size") if hasattr(command, f)),
                        None)
        await c.debate.command(c.event, name, argument, getattr(command, "round", 1), by=c.outbox.who)
        c.outbox.reply(protocol.ack(command.id))
    return handle


HANDLERS = {
    "vote": _vote, "ticket": _ticket, "sync": _sync, "ask": _ask, "upvote": _upvote, "perspective": _perspective,
    "question": _moderate_question, "hand_count": _hand_count, "hand_counts": _hand_counts,
    **dict.fromkeys(("add_proposition", "edit_proposition", "move_proposition", "remove_proposition"),
                    _edit_propositions),
    "edit_perspectives": _edit_perspectives, "countdown": _countdown,
    "settings": _question_settings,
    **{name: _debate_command(name) for name in MODERATOR_COMMANDS},
}
