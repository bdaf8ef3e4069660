"""The rules of a debate. Pure: no I/O, no clock, no randomness.

A debate is an event with an ordered list of propositions. The moderator moves a
pointer over them (`current`); each proposition has its own status (phase, revealed,
round), kept when the moderator moves on, so that going back shows what happened.
Only the current proposition can be open, so "voting is open" is one fact.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from enum import StrEnum

CHOICES = ("agree", "disagree", "neutral")
LANGUAGES = ("nl", "en")

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud from a screen
CODE_LENGTH = 6

MAX_TITLE = 200
MAX_PROPOSITION = 500
MAX_PROPOSITIONS = 100
MAX_PERSPECTIVES = 10
MAX_PERSPECTIVE = 40
ROUNDS = (1, 2)
DEFAULT_MIN_GROUP = 5


class Phase(StrEnum):
    WAITING = "waiting"
    OPEN = "open"
    CLOSED = "closed"


class RuleError(Exception):
    """A command that breaks the rules; `code` is the machine-readable reason."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class ValidationError(Exception):
    """Input for a new event that cannot be accepted; `field` says which part."""

    def __init__(self, code: str, field: str):
        super().__init__(f"{field}: {code}")
        self.code = code
        self.field = field


@dataclass(frozen=True)
class Proposition:
    id: str
    text: str
    index: int


@dataclass(frozen=True)
class Event:
    code: str
    title: str
    language: str
    allow_neutral: bool
    propositions: tuple[Proposition, ...]
    perspectives: tuple[str, ...] = ()
    min_group: int = DEFAULT_MIN_GROUP  # k: smaller perspective groups are withheld
    accent: str | None = None  # "#rrggbb", the organiser's colour for buttons and bars
    has_logo: bool = False

    def perspective_index(self, name: str | None) -> int | None:
        """1-based index of a perspective (how votes and counts refer to it), None if unknown."""
        if name is None:
            return None
        try:
            return self.perspectives.index(name) + 1
        except ValueError:
            return None

    def proposition(self, proposition_id: str) -> Proposition | None:
        for proposition in self.propositions:
            if proposition.id == proposition_id:
                return proposition
        return None

    @property
    def choices(self) -> tuple[str, ...]:
        return CHOICES if self.allow_neutral else CHOICES[:2]


@dataclass(frozen=True)
class Status:
    """What has happened to one proposition."""

    phase: Phase = Phase.WAITING
    revealed: bool = False
    round: int = 1


@dataclass(frozen=True)
class DebateState:
    seq: int = 0
    current: str | None = None
    statuses: dict[str, Status] = field(default_factory=dict)
    screen: str = "proposition"  # what the projector shows: "proposition" or "questions"
    deadline: int | None = None  # countdown end (epoch ms) on the current proposition
    auto_close: bool = False  # close voting when the countdown runs out

    def status(self, proposition_id: str | None) -> Status:
        if proposition_id is None:
            return Status()
        return self.statuses.get(proposition_id, Status())


@dataclass(frozen=True)
class Tally:
    """The raw counts of one proposition and round, as the vote script keeps them:
    "agree" (all phones), "agree:2" (phones of perspective 2), "m:agree" and "m:agree:2"
    (hand counts). `version` grows with every change."""

    proposition: str
    round: int
    raw: dict[str, int]
    version: int = 0

    @property
    def counts(self) -> dict[str, int]:
        """Phones plus hand counts, per choice."""
        totals = {choice: 0 for choice in CHOICES}
        for field, value in self.raw.items():
            hand = field.startswith("m:")
            choice, _, perspective = field.removeprefix("m:").partition(":")
            # A phone vote is kept twice (in "agree" and in "agree:2"); a hand count only
            # where the moderator gave it (in total or for one perspective).
            if choice in totals and (hand or not perspective):
                totals[choice] += value
        return totals

    @property
    def voters(self) -> int:
        # Each participant has exactly one stored vote per round, so the sum is the
        # number of distinct voters (plus hands counted by the moderator).
        return sum(self.counts.values())


def empty_counts() -> dict[str, int]:
    return {choice: 0 for choice in CHOICES}


MODERATOR_COMMANDS = ("goto", "open", "close", "reveal", "hide", "screen")
SCREENS = ("proposition", "questions")


def apply(event: Event, state: DebateState, command: str, proposition_id: str | None = None,
          round_: int = 1) -> DebateState | None:
    """The state after a moderator command, or None when the command changes nothing.

    `proposition_id` is the argument: the proposition for goto, the screen for screen.
    Raises RuleError when the command is not allowed now.
    """
    if command == "screen":
        if proposition_id not in SCREENS:
            raise RuleError("bad_message")
        if proposition_id == state.screen:
            return None
        return replace(state, seq=state.seq + 1, screen=proposition_id)
    if command == "goto":
        if proposition_id is None or event.proposition(proposition_id) is None:
            raise RuleError("unknown_proposition")
        if proposition_id == state.current:
            return None
        statuses = dict(state.statuses)
        # Leaving an open proposition closes it: only the current one may take votes.
        if state.current is not None and state.status(state.current).phase is Phase.OPEN:
            statuses[state.current] = replace(state.status(state.current), phase=Phase.CLOSED)
        # A countdown belongs to the proposition it was started on.
        return replace(state, seq=state.seq + 1, current=proposition_id, statuses=statuses, deadline=None,
                       auto_close=False)

    if command not in MODERATOR_COMMANDS:
        raise RuleError("unknown_type")
    if state.current is None:
        raise RuleError("no_proposition")
    status = state.status(state.current)
    if command == "open":
        if round_ not in ROUNDS:
            raise RuleError("bad_round")
        if round_ < status.round:
            raise RuleError("round_over")
        if round_ > status.round:
            # A new round is a fresh vote; its results start hidden.
            new = Status(phase=Phase.OPEN, revealed=False, round=round_)
        else:
            new = replace(status, phase=Phase.OPEN)
    elif command == "close":
        if status.phase is not Phase.OPEN:
            return None
        return replace(state, seq=state.seq + 1, statuses={**state.statuses, state.current: replace(
            status, phase=Phase.CLOSED)}, deadline=None, auto_close=False)
    elif command == "reveal":
        new = replace(status, revealed=True)
    else:  # hide
        new = replace(status, revealed=False)
    if new == status:
        return None
    return replace(state, seq=state.seq + 1, statuses={**state.statuses, state.current: new})


def countdown(state: DebateState, seconds: int | None, close: bool, now_ms: int) -> DebateState:
    """Start (or with None, stop) a countdown on the current proposition."""
    if state.current is None:
        raise RuleError("no_proposition")
    if seconds is None:
        return replace(state, seq=state.seq + 1, deadline=None, auto_close=False)
    return replace(state, seq=state.seq + 1, deadline=now_ms + seconds * 1000, auto_close=close)


def expired(state: DebateState, now_ms: int) -> bool:
    """True when a countdown that closes voting has run out on an open proposition."""
    return (state.auto_close and state.deadline is not None and now_ms >= state.deadline
            and state.status(state.current).phase is Phase.OPEN)


# --- text -----------------------------------------------------------------------------

def clean_text(value: str) -> str:
    """NFC-normalised text without control or format characters, outer space trimmed.

    Newlines and tabs become spaces; bidi overrides and zero-width characters (category
    Cf) go, so a line cannot reorder or hide what the projector shows.
    """
    value = unicodedata.normalize("NFC", value)
    kept = []
    for char in value:
        category = unicodedata.category(char)
        if char in "\n\t\r":
            kept.append(" ")
        elif category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            kept.append(char)
    return " ".join("".join(kept).split())


def normalize_code(raw: str) -> str | None:
    """The event code a person typed, or None if it cannot be one."""
    if len(raw) > 32:
        return None
    code = "".join(raw.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return code


ACCENT = re.compile(r"#[0-9a-fA-F]{6}")
MAX_LOGO_BYTES = 256 * 1024
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def logo_type(data: bytes) -> str:
    """The image type of an uploaded logo, known by its first bytes (never by its name).

    Only PNG, JPEG and WebP: an SVG can carry scripts. Raises ValidationError.
    """
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationError("too_long", "logo")
    for magic, kind in LOGO_TYPES.items():
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise ValidationError("not_an_image", "logo")


def new_event(code: str, title: str, propositions: list[str], allow_neutral: bool, language: str,
              perspectives: list[str] = (), min_group: int = DEFAULT_MIN_GROUP, accent: str | None = None,
              has_logo: bool = False) -> Event:
    """Validate what an organiser entered and build the event. Raises ValidationError."""
    if accent is not None and not ACCENT.fullmatch(accent):
        raise ValidationError("not_a_colour", "accent")
    names = [clean_text(name) for name in perspectives]
    names = [name for name in names if name]
    if len(names) > MAX_PERSPECTIVES:
        raise ValidationError("too_many", "perspectives")
    if any(len(name) > MAX_PERSPECTIVE for name in names):
        raise ValidationError("too_long", "perspectives")
    if len(set(names)) != len(names):
        raise ValidationError("duplicate", "perspectives")
    if isinstance(min_group, bool) or not isinstance(min_group, int) or not 1 <= min_group <= 1000:
        raise ValidationError("out_of_range", "min_group")
    title = clean_text(title)
    if not title:
        raise ValidationError("empty", "title")
    if len(title) > MAX_TITLE:
        raise ValidationError("too_long", "title")
    texts = [clean_text(text) for text in propositions]
    texts = [text for text in texts if text]
    if not texts:
        raise ValidationError("empty", "propositions")
    if len(texts) > MAX_PROPOSITIONS:
        raise ValidationError("too_many", "propositions")
    if any(len(text) > MAX_PROPOSITION for text in texts):
        raise ValidationError("too_long", "propositions")
    if language not in LANGUAGES:
        raise ValidationError("unknown_language", "language")
    return Event(
        code=code,
        title=title,
        language=language,
        allow_neutral=bool(allow_neutral),
        propositions=tuple(Proposition(id=f"p{i + 1}", text=text, index=i) for i, text in enumerate(texts)),
        perspectives=tuple(names),
        min_group=min_group,
        accent=accent.lower() if accent else None,
        has_logo=has_logo,
    )
