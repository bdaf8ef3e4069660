"""Questions from the floor: the rules, without I/O.

A question is `waiting` (pre-moderation), `visible`, `answered` or `rejected`. The
audience and the projector see visible and answered questions (the listed ones); the
asker also sees their own waiting ones; the moderator sees everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import RuleError, clean_text

MAX_QUESTION = 280
MAX_NAME = 40
STATUSES = ("waiting", "visible", "rejected", "answered")
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


def item(question: Question) -> dict:
    """A question as every role sees it (the author's identity is never sent)."""
    return {"id": question.id, "text": question.text, "name": question.name, "votes": question.votes,
            "status": question.status, "pinned": question.pinned}
