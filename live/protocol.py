"""The wire format: strict parsing of what clients send, and what each role is shown.

Pure: no I/O. Incoming frames are decoded with msgspec into typed commands; anything
else raises ProtocolError with a machine code. Outgoing messages are built here so that
every role's view (what the audience, projector and moderator may see) is in one place.
"""

from __future__ import annotations

import json
import re
import time
from typing import Annotated, Literal

import msgspec
import orjson

from .i18n import translations
from .model import DebateState, Event, Tally
from .results import round_figures

ROLES = ("audience", "projector", "moderator")

MessageId = Annotated[str, msgspec.Meta(max_length=64)] | Annotated[int, msgspec.Meta(ge=0, le=2**53)] | None
PropositionId = Annotated[str, msgspec.Meta(min_length=1, max_length=16)]


class Vote(msgspec.Struct):
    proposition: PropositionId
    choice: Literal["agree", "disagree", "neutral"]
    id: MessageId = None


class Sync(msgspec.Struct):
    id: MessageId = None


class Goto(msgspec.Struct):
    proposition: PropositionId
    id: MessageId = None


class Simple(msgspec.Struct):
    """close, reveal, hide: commands with nothing but an id."""

    id: MessageId = None


class Open(msgspec.Struct):
    round: Literal[1, 2] = 1
    id: MessageId = None


Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]


class HandCounts(msgspec.Struct, forbid_unknown_fields=True):
    agree: Count = 0
    disagree: Count = 0
    neutral: Count = 0


class HandCount(msgspec.Struct):
    proposition: PropositionId
    counts: HandCounts
    round: Literal[1, 2] = 1
    perspective: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    id: MessageId = None


class Perspective(msgspec.Struct):
    value: Annotated[str, msgspec.Meta(max_length=100)] | None
    id: MessageId = None


QuestionId = Annotated[str, msgspec.Meta(min_length=1, max_length=16)]


class Ask(msgspec.Struct):
    # Generous raw limits: the real limits are checked after normalisation (questions.py).
    text: Annotated[str, msgspec.Meta(max_length=2000)]
    name: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    to: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    id: MessageId = None


class Upvote(msgspec.Struct):
    question: QuestionId
    on: bool = True
    id: MessageId = None


class ModerateQuestion(msgspec.Struct):
    question: QuestionId
    action: Literal["approve", "reject", "answer", "pin", "unpin"]
    id: MessageId = None


class ShowOnScreen(msgspec.Struct):
    show: Literal["proposition", "questions"]
    id: MessageId = None


class Settings(msgspec.Struct):
    premoderation: bool | None = None
    wall: Literal["votes", "balanced"] | None = None
    id: MessageId = None


class Countdown(msgspec.Struct):
    seconds: Annotated[int, msgspec.Meta(ge=5, le=3600)] | None
    close: bool = True
    id: MessageId = None


class _Envelope(msgspec.Struct):
    type: str  # any length: the frame limit bounds it, and an unknown one is never echoed
    id: MessageId = None


COMMANDS: dict[str, dict[str, type]] = {
    "audience": {"vote": Vote, "sync": Sync, "ask": Ask, "upvote": Upvote, "perspective": Perspective},
    "projector": {"sync": Sync},
    "moderator": {"sync": Sync, "goto": Goto, "open": Open, "close": Simple, "reveal": Simple, "hide": Simple,
                  "question": ModerateQuestion, "screen": ShowOnScreen, "settings": Settings,
                  "hand_count": HandCount, "countdown": Countdown},
}

# Human text for each error code. Marked with N_ so Babel extracts them; translated per
# connection language when sent.
def N_(message: str) -> str:
    return message


ERROR_TEXT = {
    "bad_json": N_("The message could not be read."),
    "bad_message": N_("The message is not valid."),
    "unknown_type": N_("This kind of message is not known here."),
    "not_allowed": N_("You are not allowed to do this."),
    "voting_closed": N_("Voting is closed."),
    "unknown_proposition": N_("This proposition does not exist."),
    "bad_choice": N_("This choice is not available for this proposition."),
    "no_proposition": N_("Choose a proposition first."),
    "retry_later": N_("The server cannot store this right now. It will be sent again."),
    "rate_limited": N_("Too many messages. Please slow down."),
    "too_big": N_("The message is too long."),
    "empty": N_("Please write a question first."),
    "too_long": N_("A question can be at most 280 characters."),
    "name_too_long": N_("A name can be at most 40 characters."),
    "invalid_text": N_("This text contains characters that cannot be used."),
    "unknown_question": N_("This question does not exist (any more)."),
    "question_rejected": N_("A rejected question cannot be pinned."),
    "unknown_perspective": N_("This perspective is not one of this event's."),
    "bad_round": N_("There are only two rounds."),
    "round_over": N_("A later round has already been opened."),
}


class ProtocolError(Exception):
    def __init__(self, code: str, message_id: object = None):
        super().__init__(code)
        self.code = code
        self.message_id = message_id


_envelope = msgspec.json.Decoder(_Envelope)
_decoders = {role: {name: msgspec.json.Decoder(kind) for name, kind in commands.items()}
             for role, commands in COMMANDS.items()}


# A \uD800-\uDFFF escape: msgspec refuses lone surrogates as undecodable JSON, but for
# the sender the problem is the text, not the JSON.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF][0-9a-fA-F]{2}")


class _DuplicateKey(Exception):
    pass


def _refuse_duplicates(pairs: list[tuple[str, object]]) -> dict:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise _DuplicateKey()
    return dict(pairs)


def _has_duplicate_keys(frame: str | bytes) -> bool:
    """msgspec (like most parsers) silently keeps the last of two equal keys; a message
    that says two things at once is refused instead. Frames are small, so the second
    parse costs microseconds."""
    try:
        json.loads(frame, object_pairs_hook=_refuse_duplicates)
    except _DuplicateKey:
        return True
    except (ValueError, RecursionError):
        return True
    return False


def parse(role: str, frame: str | bytes) -> tuple[str, msgspec.Struct]:
    """Decode one client frame for a role into (type, command). Raises ProtocolError."""
    try:
        envelope = _envelope.decode(frame)
    except msgspec.ValidationError as error:
        raise ProtocolError("bad_message") from error
    except (msgspec.DecodeError, RecursionError, ValueError) as error:
        if isinstance(frame, str) and _SURROGATE_ESCAPE.search(frame):
            raise ProtocolError("invalid_text") from error
        raise ProtocolError("bad_json") from error
    if _has_duplicate_keys(frame):
        raise ProtocolError("bad_message", envelope.id)
    decoder = _decoders[role].get(envelope.type)
    if decoder is None:
        known_elsewhere = any(envelope.type in commands for commands in COMMANDS.values())
        raise ProtocolError("not_allowed" if known_elsewhere else "unknown_type", envelope.id)
    try:
        return envelope.type, decoder.decode(frame)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        raise ProtocolError("bad_message", envelope.id) from error


def encode(message: dict) -> str:
    return orjson.dumps(message).decode()


def error(code: str, language: str, message_id: object = None) -> str:
    text = translations(language).gettext(ERROR_TEXT.get(code, ERROR_TEXT["bad_message"]))
    return encode({"type": "error", "id": message_id, "code": code, "message": text})


def ack(message_id: object) -> str:
    return encode({"type": "ack", "id": message_id})


def event_view(event: Event, role: str) -> dict:
    view = {"code": event.code, "title": event.title, "language": event.language,
            "allow_neutral": event.allow_neutral, "choices": list(event.choices),
            "total": len(event.propositions), "perspectives": list(event.perspectives),
            "min_group": event.min_group}
    if role == "moderator":
        view["propositions"] = [{"id": p.id, "text": p.text, "index": p.index} for p in event.propositions]
    return view


def welcome(event: Event, role: str, participant_token: str | None = None) -> str:
    message = {"type": "welcome", "role": role, "event": event_view(event, role)}
    if participant_token is not None:
        message["participant"] = participant_token
    return encode(message)


def state_view(event: Event, state: DebateState) -> dict:
    """The public state: the same for every role (the audience adds its own vote)."""
    proposition = event.proposition(state.current) if state.current else None
    status = state.status(state.current)
    return {
        "type": "state",
        "seq": state.seq,
        "proposition": None if proposition is None else
        {"id": proposition.id, "text": proposition.text, "index": proposition.index},
        "phase": status.phase.value,
        "revealed": status.revealed,
        "round": status.round,
        "total": len(event.propositions),
        "screen": state.screen,
        "deadline": state.deadline,
        "auto_close": state.auto_close,
        "server_time": int(time.time() * 1000),
    }


def tally_view(tally: Tally, seq: int, role: str, revealed: bool, event: Event) -> dict | None:
    """What a role may see of a tally; None when the role sees nothing (hidden audience).

    The split by perspective is guarded: a group under the event's minimum is null.
    """
    if role == "audience" and not revealed:
        return None
    message = {"type": "tally", "seq": seq, "proposition": tally.proposition, "round": tally.round,
               "voters": tally.voters}
    if role == "moderator" or revealed:
        figures = round_figures(tally.raw, event.perspectives, event.min_group)
        message["counts"] = figures["counts"]
        if figures["manual"]:
            message["manual"] = figures["manual"]
        if event.perspectives:
            message["by_perspective"] = figures["by_perspective"]
            message["equal_weight"] = figures["equal_weight"]
            message["marker"] = figures["marker"]
    return message


def presence(online: int, alerts: dict[str, int] | None = None) -> str:
    return encode({"type": "presence", "online": online, "alerts": alerts or {}})


def questions(version: int, items: list[dict], premoderation: bool, wall: str = "votes",
              upvoted: list[str] | None = None) -> str:
    message = {"type": "questions", "seq": version, "items": items, "premoderation": premoderation, "wall": wall}
    if upvoted is not None:
        message["upvoted"] = upvoted
    return encode(message)


def status(healthy: bool) -> str:
    """Whether the server can reach its data store; while not, what a client shows may be stale."""
    return encode({"type": "status", "redis": "ok" if healthy else "unavailable"})
