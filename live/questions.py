"""Questions from the floor: the rules, without I/O.

A question is `waiting` (pre-moderation), `visible`, `answered` or `rejected`. The
audience and the projector see visible and answered questions (the listed ones); the
asker also sees their own waiting ones; the moderator sees everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from .definition import clean_text
from .errors import RuleError

MAX_QUESTION = 280
MAX_NAME = 40
ACTIONS = ("approve", "reject", "answer", "pin", "unpin")
LISTED = ("visible", "answered")

ASKS_PER_MINUTE = 3
AUDIENCE_TOP = 50  # phones and projector get the top questions by votes ...
AUDIENCE_NEWEST = 20  # ... and the newest ones, so a list stays bounded in a big hall
MODERATOR_LIMIT = 300


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    name: str | None
    author: str
    status: str
    votes: int
    created: int
    pinned: bool = False
    perspective: str | None = None  # the asker's perspective when they asked
    to: str | None = None  # the perspective the question is addressed to


@dataclass(frozen=True)
class QuestionLists:
    """What one read of the question keys gives: the lists each role's view is made from."""

    version: int
    premoderation: bool
    wall: str
    listed: list[Question]  # visible and answered: top by votes plus the newest
    everything: list[Question]  # for moderators (empty unless asked for)
    own_waiting: dict[str, list[Question]]  # participant -> their questions still waiting


def has_surrogates(value: str) -> bool:
    return any(0xD800 <= ord(char) <= 0xDFFF for char in value)


def clean_question(text: str) -> str:
    """The question as it will be stored: NFC, no control characters, length checked after that.

    Raises RuleError("empty" | "too_long" | "invalid_text").
    """
    if has_surrogates(text):
        raise RuleError("invalid_text")
    cleaned = clean_text(text)
    if not cleaned:
        raise RuleError("empty")
    if len(cleaned) > MAX_QUESTION:
        raise RuleError("too_long")
    return cleaned


def clean_name(name: str | None) -> str | None:
    """An optional name; blank means anonymous."""
    if name is None:
        return None
    if has_surrogates(name):
        raise RuleError("invalid_text")
    cleaned = clean_text(name)
    if len(cleaned) > MAX_NAME:
        raise RuleError("name_too_long")
    return cleaned or None


WALLS = ("votes", "balanced")


def item(question: Question, moderator: bool = False) -> dict:
    """A question as a role sees it. The author's identity is never shown; the asker's
    perspective only to moderators (and in the organiser's raw export)."""
    view = {"id": question.id, "text": question.text, "name": question.name, "votes": question.votes,
            "status": question.status, "pinned": question.pinned, "to": question.to}
    if moderator:
        view["perspective"] = question.perspective
    return view


def by_votes(questions: list[Question]) -> list[Question]:
    """More upvotes first; on equal votes the newer question first. The one order of
    questions: the wall, phones and the moderator all show it."""
    return sorted(questions, key=lambda q: (-q.votes, -int(q.id[1:])))


def balanced(questions: list[Question]) -> list[Question]:
    """Most upvoted first, taking turns between asker perspectives, so that one large
    group does not crowd the others off the wall."""
    groups: dict[str | None, list[Question]] = {}
    for question in by_votes(questions):
        groups.setdefault(question.perspective, []).append(question)
    ordered = []
    queues = sorted(groups.values(), key=lambda group: (-group[0].votes, -int(group[0].id[1:])))
    while queues:
        ordered += [queue.pop(0) for queue in queues]
        queues = [queue for queue in queues if queue]
    return ordered


def wall_order(questions: list[Question], wall: str) -> list[Question]:
    return balanced(questions) if wall == "balanced" else by_votes(questions)
