"""The rules of a debate. Pure: no I/O, no clock, no randomness.

A debate is an event with an ordered list of propositions. The moderator moves a
pointer over them (`current`); each proposition has its own status (phase, revealed,
round), kept when the moderator moves on, so that going back shows what happened.
Only the current proposition can be open, so "voting is open" is one fact.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from .errors import RuleError

CHOICES = ("agree", "disagree", "neutral")
LANGUAGES = ("nl", "en")
SCREENS = ("proposition", "questions", "join")  # what the projector shows ("join": the venue slide)
COMPARE_VIEWS = ("before_after", "round2", "who_moved", "history")  # what it shows of a closed, revealed round 2
# ("history": the current proposition at every event of its series, any round, once revealed)
JOIN_PANEL_SIZES = ("auto", "corner", "full")  # the projector's QR panel: auto (docs/protocol.md) or fixed
ROUNDS = (1, 2)
DEFAULT_MIN_GROUP = 5  # k: perspective groups with fewer voters are withheld
DEFAULT_TIME_ZONE = "Europe/Amsterdam"  # an event's times (the report) are printed in its own zone

Counts = dict[str, int]


def zero_counts() -> Counts:
    return dict.fromkeys(CHOICES, 0)


class Phase(StrEnum):
    WAITING = "waiting"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Proposition:
    id: str
    text: str
    index: int
    earlier: tuple[str, ...] = ()  # earlier texts, when it was edited after votes came in
    previous: tuple[str, str] | None = None  # (event code, proposition id): its predecessor in a series
    plain: str | None = None  # the same in plain language (B1), optional, shown on phones under it


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
    expires_at: int = 0  # epoch ms; every key of the event expires then (keys.py)
    wifi_name: str | None = None  # the venue's Wi-Fi, for the "how to join" slide
    wifi_password: str | None = None
    ticketed: bool = False  # only identities that presented a one-time ticket vote, ask or declare a perspective
    series: str | None = None  # the name of the series of linked events it belongs to
    date: str = ""  # "YYYY-MM-DD": the day of the debate (the day it was created unless given)
    created: int = 0  # epoch ms
    time_zone: str = DEFAULT_TIME_ZONE  # an IANA name, checked against zoneinfo (definition.validate)

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
    screen: str = "proposition"  # what the projector shows: one of SCREENS
    deadline: int | None = None  # countdown end (epoch ms) on the current proposition
    auto_close: bool = False  # close voting when the countdown runs out
    compare: str = "before_after"  # of a closed, revealed round 2: one of COMPARE_VIEWS
    exclude_flagged: bool = False  # the projector, phones and overlays show counts without flagged identities
    join_panel: str = "auto"  # the projector's join panel: one of JOIN_PANEL_SIZES

    def status(self, proposition_id: str | None) -> Status:
        if proposition_id is None:
            return Status()
        return self.statuses.get(proposition_id, Status())

    @property
    def position(self) -> tuple[str, int] | None:
        """(current proposition, its round): which tally the hall is looking at."""
        if self.current is None:
            return None
        return self.current, self.status(self.current).round


@dataclass(frozen=True)
class Tally:
    """The counts of one proposition and round. Phone votes are kept in total and, for
    voters who declared a perspective, also per perspective (1-based index); hand counts
    are given by the moderator either for the whole hall or for one perspective, so a
    hand count is in `hands` or in `hands_by`, never in both. `version` grows with every
    change. Built by the store (the only reader of the stored format), read by results."""

    proposition: str
    round: int
    phones: Counts = field(default_factory=zero_counts)
    phones_by: dict[int, Counts] = field(default_factory=dict)
    hands: Counts = field(default_factory=zero_counts)
    hands_by: dict[int, Counts] = field(default_factory=dict)
    version: int = 0
    flagged: Counts = field(default_factory=zero_counts)  # the part of `phones` from flagged identities
    flagged_by: dict[int, Counts] = field(default_factory=dict)  # the part of `phones_by` from them
    stream: Counts = field(default_factory=zero_counts)  # the part of `phones` from the stream's link

    @classmethod
    def of(cls, proposition: str, round_: int, *, phones: dict | None = None, phones_by: dict | None = None,
           hands: dict | None = None, hands_by: dict | None = None, version: int = 0,
           flagged: dict | None = None, flagged_by: dict | None = None, stream: dict | None = None) -> "Tally":
        """A tally from partial counts (missing choices are zero)."""
        def full(counts: dict | None) -> Counts:
            return {choice: int((counts or {}).get(choice, 0)) for choice in CHOICES}

        def each(groups: dict | None) -> dict[int, Counts]:
            return {int(i): full(c) for i, c in (groups or {}).items()}
        return cls(proposition, round_, full(phones), each(phones_by), full(hands), each(hands_by), version,
                   full(flagged), each(flagged_by), full(stream))


MODERATOR_COMMANDS = ("goto", "open", "close", "reveal", "hide", "screen", "compare", "exclude_flagged", "join_panel")


def apply(event: Event, state: DebateState, command: str, argument: str | None = None,
          round_: int = 1) -> DebateState | None:
    """The state after a moderator command, or None when the command changes nothing.

    `argument` is the proposition for goto, the screen for screen, the view for compare,
    the size for join_panel and on/off (a bool) for exclude_flagged. Raises RuleError when
    the command is not allowed now.
    """
    if command == "exclude_flagged":
        if not isinstance(argument, bool):
            raise RuleError("bad_message")
        return None if argument == state.exclude_flagged else replace(state, seq=state.seq + 1,
                                                                       exclude_flagged=argument)
    if command == "join_panel":
        if argument not in JOIN_PANEL_SIZES:
            raise RuleError("bad_message")
        return None if argument == state.join_panel else replace(state, seq=state.seq + 1, join_panel=argument)
    if command == "compare":
        if argument not in COMPARE_VIEWS:
            raise RuleError("bad_message")
        return None if argument == state.compare else replace(state, seq=state.seq + 1, compare=argument)
    if command == "screen":
        if argument not in SCREENS:
            raise RuleError("bad_message")
        if argument == state.screen:
            return None
        return replace(state, seq=state.seq + 1, screen=argument)
    if command == "goto":
        if argument is None or event.proposition(argument) is None:
            raise RuleError("unknown_proposition")
        if argument == state.current:
            return None
        statuses = dict(state.statuses)
        # Leaving an open proposition closes it: only the current one may take votes.
        if state.current is not None and state.status(state.current).phase is Phase.OPEN:
            statuses[state.current] = replace(state.status(state.current), phase=Phase.CLOSED)
        # A countdown belongs to the proposition it was started on.
        return replace(state, seq=state.seq + 1, current=argument, statuses=statuses, deadline=None,
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


def closing_deadline(state: DebateState) -> int | None:
    """When a running countdown will close voting (epoch ms), or None if none will."""
    if state.auto_close and state.deadline is not None and state.status(state.current).phase is Phase.OPEN:
        return state.deadline
    return None


def expired(state: DebateState, now_ms: int) -> bool:
    """True when a countdown that closes voting has run out on an open proposition."""
    deadline = closing_deadline(state)
    return deadline is not None and now_ms >= deadline


