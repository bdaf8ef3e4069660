"""The propositions of an event as a list: their ids, the plain-language items of a
definition, one edit of the list, and the form kept in Redis. Pure."""

from __future__ import annotations

from dataclasses import replace

import msgspec

from .errors import RuleError
from .model import Proposition
from .text import clean_text

MAX_PROPOSITION = 500
MAX_PLAIN = 500  # a proposition's plain-language (B1) line
MAX_PROPOSITIONS = 100


KEEP = msgspec.UNSET  # an edit that leaves the plain-language line as it was


class PropositionItem(msgspec.Struct, forbid_unknown_fields=True):
    """A proposition given with its plain-language (B1) line: {"text": …, "plain": …}."""

    text: str
    plain: str | None = None


def _previous(value) -> tuple[str, str] | None:
    return (value["code"], value["proposition"]) if isinstance(value, dict) and value.get("code") else None


def clean_item(item: str | PropositionItem) -> str | PropositionItem:
    """A proposition cleaned: its text, or text and plain-language line (an empty line is none)."""
    if isinstance(item, str):
        return clean_text(item)
    plain = clean_text(item.plain or "")
    return PropositionItem(clean_text(item.text), plain) if plain else clean_text(item.text)


def propositions_from_lines(lines: list[str]) -> list[str | PropositionItem]:
    """The /new form's propositions: one a line; a line starting with ">" is the
    plain-language line of the proposition above it."""
    items: list[str | PropositionItem] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith(">") and items:
            items[-1] = PropositionItem(text_of(items[-1]), stripped[1:].strip())
        elif not stripped.startswith(">"):
            items.append(line)
    return items


def text_of(item: str | PropositionItem) -> str:
    return item if isinstance(item, str) else item.text


def proposition_ids(texts: list) -> tuple[Proposition, ...]:
    """The propositions of an event, numbered p1..pN in order (the one place ids are made).
    Stored after an edit as {"id", "text", "earlier", "previous", "plain"} objects: ids stay when the order changes."""
    return tuple(Proposition(id=t["id"], text=t["text"], index=i, earlier=tuple(t.get("earlier") or ()),
                             previous=_previous(t.get("previous")), plain=t.get("plain") or None)
                 if isinstance(t, dict) else
                 Proposition(id=f"p{i + 1}", text=t.text, index=i, plain=t.plain) if isinstance(t, PropositionItem)
                 else Proposition(id=f"p{i + 1}", text=t, index=i)
                 for i, t in enumerate(texts))


def definition_items(propositions: tuple[Proposition, ...]) -> list[str | PropositionItem]:
    """The propositions as a definition file gives them (the export)."""
    return [PropositionItem(p.text, p.plain) if p.plain else p.text for p in propositions]


def next_id(propositions: tuple[Proposition, ...], counter: int = 0) -> str:
    """A fresh id for an added proposition: never one that was used before (the counter
    grows with every addition; the largest pN seen is the floor)."""
    used = [int(p.id[1:]) for p in propositions if p.id[1:].isdigit()]
    return f"p{max([counter, len(propositions), *used]) + 1}"


def edit(propositions: tuple[Proposition, ...], action: str, proposition: str | None = None,
         text: str | None = None, after: str | None = None, index: int | None = None,
         new_id: str | None = None, keep_earlier: bool = False,
         previous: tuple[str, str] | None = None, plain=KEEP) -> tuple[Proposition, ...]:
    """The propositions after one edit (add, edit, move, remove, link: to `previous`, or
    with None unlinked), renumbered. Pure. `plain` (add, edit): the plain-language line,
    None or "" for none, KEEP to leave it.
    Raises RuleError: unknown_proposition, bad_index, proposition_text, plain_text."""
    items = list(propositions)
    ids = [p.id for p in items]
    if text is not None:
        text = clean_text(text)
        if not text or len(text) > MAX_PROPOSITION:
            raise RuleError("proposition_text")
    if plain is not KEEP:
        plain = clean_text(plain or "") or None
        if plain is not None and len(plain) > MAX_PLAIN:
            raise RuleError("plain_text")
    if action == "add":
        if after is not None and after not in ids:
            raise RuleError("unknown_proposition")
        if len(items) >= MAX_PROPOSITIONS:
            raise RuleError("bad_index")
        items.insert(len(items) if after is None else ids.index(after) + 1,
                     Proposition(new_id, text, 0, plain=None if plain is KEEP else plain))
    else:
        if proposition not in ids:
            raise RuleError("unknown_proposition")
        at = ids.index(proposition)
        if action == "edit":
            old = items[at]
            if old.text != text:
                items[at] = old = replace(old, text=text,
                                          earlier=old.earlier + (old.text,) if keep_earlier else old.earlier)
            if plain is not KEEP:
                items[at] = replace(old, plain=plain)
        elif action == "link":
            items[at] = replace(items[at], previous=previous)
        elif action == "move":
            if index is None or not 0 <= index < len(items):
                raise RuleError("bad_index")
            items.insert(index, items.pop(at))
        else:  # remove
            items.pop(at)
    return tuple(replace(p, index=i) for i, p in enumerate(items))


def stored(propositions: tuple[Proposition, ...]) -> list[dict]:
    """The propositions as kept in the event hash after an edit."""
    return [{"id": p.id, "text": p.text, **({"earlier": list(p.earlier)} if p.earlier else {}),
             **({"previous": {"code": p.previous[0], "proposition": p.previous[1]}} if p.previous else {}),
             **({"plain": p.plain} if p.plain else {})} for p in propositions]
