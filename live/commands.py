"""What clients send: strict parsing of every frame into a typed command.

Pure: no I/O. Incoming frames are decoded with msgspec into the command types of the
sender's role; anything else raises ProtocolError with a machine code. The allowed values
come from the domain's own tuples, so a choice or a screen is defined once.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Literal

import msgspec

from .errors import ProtocolError
from .model import CHOICES, COMPARE_VIEWS, JOIN_PANEL_SIZES, ROUNDS, SCREENS
from .questions import ACTIONS, WALLS

MessageId = Annotated[str, msgspec.Meta(max_length=64)] | Annotated[int, msgspec.Meta(ge=0, le=2**53)] | None
PropositionId = Annotated[str, msgspec.Meta(min_length=1, max_length=16)]


class Vote(msgspec.Struct):
    proposition: PropositionId
    choice: Literal[CHOICES]
    id: MessageId = None


class Sync(msgspec.Struct):
    id: MessageId = None


class Goto(msgspec.Struct):
    proposition: PropositionId
    id: MessageId = None


class Simple(msgspec.Struct):
    """close, reveal, hide, hand_counts: commands with nothing but an id."""

    id: MessageId = None


class Open(msgspec.Struct):
    round: Literal[ROUNDS] = 1
    id: MessageId = None


Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]


class HandCounts(msgspec.Struct, forbid_unknown_fields=True):
    agree: Count = 0
    disagree: Count = 0
    neutral: Count = 0


class HandCount(msgspec.Struct):
    proposition: PropositionId
    counts: HandCounts
    round: Literal[ROUNDS] = 1
    perspective: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    id: MessageId = None


PropositionText = Annotated[str, msgspec.Meta(max_length=2000)]  # cleaned and limited by proposition_list.edit


class AddProposition(msgspec.Struct):
    text: PropositionText
    after: PropositionId | None = None
    plain: PropositionText | None = None  # the plain-language (B1) line; null or "": none
    id: MessageId = None


class EditProposition(msgspec.Struct):
    proposition: PropositionId
    text: PropositionText
    plain: PropositionText | None | msgspec.UnsetType = msgspec.UNSET  # left out: kept as it was
    id: MessageId = None


class MoveProposition(msgspec.Struct):
    proposition: PropositionId
    index: Annotated[int, msgspec.Meta(ge=0, le=1000)]
    id: MessageId = None


class RemoveProposition(msgspec.Struct):
    proposition: PropositionId
    id: MessageId = None


class EarlierProposition(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(max_length=32)]
    proposition: PropositionId


class LinkProposition(msgspec.Struct):
    proposition: PropositionId
    previous: EarlierProposition | None  # null unlinks
    id: MessageId = None


class EditPerspectives(msgspec.Struct):
    # Generous raw limits: cleaned and limited by definition.perspectives.
    perspectives: Annotated[list[Annotated[str, msgspec.Meta(max_length=200)]], msgspec.Meta(max_length=50)]
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
    action: Literal[ACTIONS]
    id: MessageId = None


class ShowOnScreen(msgspec.Struct):
    show: Literal[SCREENS]
    id: MessageId = None


class ShowComparison(msgspec.Struct):
    show: Literal[COMPARE_VIEWS]
    id: MessageId = None


class JoinPanel(msgspec.Struct):
    size: Literal[JOIN_PANEL_SIZES]
    id: MessageId = None


class QuestionSettings(msgspec.Struct):
    premoderation: bool | None = None
    wall: Literal[WALLS] | None = None
    id: MessageId = None


class Countdown(msgspec.Struct):
    seconds: Annotated[int, msgspec.Meta(ge=5, le=3600)] | None
    close: bool = True
    id: MessageId = None


class ExcludeFlagged(msgspec.Struct):
    """The moderator leaves flagged identities out of what the projector shows (or not)."""

    on: bool
    id: MessageId = None


class Ticket(msgspec.Struct):
    """A phone presents the code on its ticket (ticketed events)."""

    code: Annotated[str, msgspec.Meta(max_length=32)]
    id: MessageId = None


class _Envelope(msgspec.Struct):
    type: str  # any length: the frame limit bounds it, and an unknown one is never echoed
    id: MessageId = None


COMMANDS: dict[str, dict[str, type]] = {
    "audience": {"vote": Vote, "sync": Sync, "ask": Ask, "upvote": Upvote, "perspective": Perspective,
                 "ticket": Ticket},
    "projector": {"sync": Sync},
    "moderator": {"sync": Sync, "goto": Goto, "open": Open, "close": Simple, "reveal": Simple, "hide": Simple,
                  "question": ModerateQuestion, "screen": ShowOnScreen, "settings": QuestionSettings,
                  "hand_count": HandCount, "hand_counts": Simple, "countdown": Countdown, "compare": ShowComparison,
                  "join_panel": JoinPanel,
                  "add_proposition": AddProposition, "edit_proposition": EditProposition,
                  "move_proposition": MoveProposition, "remove_proposition": RemoveProposition,
                  "edit_perspectives": EditPerspectives, "link_proposition": LinkProposition,
                  "exclude_flagged": ExcludeFlagged},
}

_envelope = msgspec.json.Decoder(_Envelope)


class _IdOnly(msgspec.Struct):
    id: MessageId = None


_id_only = msgspec.json.Decoder(_IdOnly)
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


# In valid JSON without a backslash, exactly the keys (at every depth) are strings followed by a colon.
_KEYS = re.compile(r'"([^"\\]*)"\s*:')


def _has_duplicate_keys(frame: str | bytes) -> bool:
    """msgspec (like most parsers) silently keeps the last of two equal keys; a message
    that says two things at once is refused instead. The frame is valid JSON by now: with
    no escapes and no key written twice at any depth, no object can repeat one, and the
    second, exact parse is skipped (it is most of a vote's parsing)."""
    if isinstance(frame, str) and "\\" not in frame:
        keys = _KEYS.findall(frame)
        if len(set(keys)) == len(keys):
            return False
    try:
        json.loads(frame, object_pairs_hook=_refuse_duplicates)
    except _DuplicateKey:
        return True
    except (ValueError, RecursionError):
        return True
    return False


def message_id(frame: str | bytes) -> object:
    """The id of a frame that will not be carried out (over the rate or size limit), so that
    its error can name it; None when it has none or cannot be read. One msgspec pass that
    skips everything else."""
    if not frame:
        return None
    try:
        return _id_only.decode(frame).id
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError, ValueError):
        return None


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


