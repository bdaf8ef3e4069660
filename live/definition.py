"""What an organiser gives: the definition of an event, its validation, and the demo.

One schema (`EventDefinition`) is read from `POST /api/events` and from the demo file,
written by the definition export, and filled from the `/new` form. Pure: no I/O beyond
reading the demo file shipped with the package.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import msgspec

from .errors import RuleError, ValidationError
from .model import DEFAULT_MIN_GROUP, LANGUAGES, Event, Proposition

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud from a screen
CODE_LENGTH = 6

MAX_TITLE = 200
MAX_PROPOSITION = 500
MAX_PLAIN = 500  # a proposition's plain-language (B1) line
MAX_PROPOSITIONS = 100
MAX_PERSPECTIVES = 10
MAX_PERSPECTIVE = 40
MAX_LOGO_BYTES = 256 * 1024
MAX_WIFI = 63  # the longest WPA passphrase; network names are at most 32 bytes
ACCENT = re.compile(r"#[0-9a-fA-F]{6}")
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
DEMO_FILE = Path(__file__).with_name("demo.json")
OPTIONAL = ("accent", "logo", "wifi_name", "wifi_password")  # left out of an export when not set


KEEP = msgspec.UNSET  # an edit that leaves the plain-language line as it was


class PropositionItem(msgspec.Struct, forbid_unknown_fields=True):
    """A proposition given with its plain-language (B1) line: {"text": …, "plain": …}."""

    text: str
    plain: str | None = None


class EventDefinition(msgspec.Struct):
    """An event as a file: the body of `POST /api/events`, the export, the demo. A
    proposition is its text, or {"text", "plain"} with a plain-language line."""

    title: str
    propositions: list[str | PropositionItem]
    allow_neutral: bool = False
    language: str = "nl"
    premoderation: bool = True
    perspectives: list[str] = []
    min_group: int = DEFAULT_MIN_GROUP
    accent: str | None = None  # "#rrggbb"
    logo: str | None = None  # a data: URL of a PNG, JPEG or WebP image
    wifi_name: str | None = None  # the venue's Wi-Fi network, shown on the "how to join" slide
    wifi_password: str | None = None


_decoder = msgspec.json.Decoder(EventDefinition)


def decode(body: bytes) -> EventDefinition:
    """Raises msgspec.DecodeError (not JSON) or msgspec.ValidationError (wrong shape)."""
    return _decoder.decode(body)


def encode(definition: EventDefinition) -> dict:
    """The definition as JSON-ready data; the optional fields are left out when not set."""
    data = msgspec.to_builtins(definition)
    return {key: value for key, value in data.items() if not (key in OPTIONAL and value is None)}


def demo() -> EventDefinition:
    """The jubilee debate of the Werkplaatsen Sociaal Domein (docs: README, Run)."""
    return decode(DEMO_FILE.read_bytes())


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


def logo_from_data_url(value: str) -> bytes | None:
    """The bytes of a base64 data: URL, or None if it is not one (or far too large)."""
    header, _, data = value.partition(",")
    if not header.startswith("data:") or not header.endswith(";base64") or len(data) > 400_000:
        return None
    try:
        return base64.b64decode(data, validate=True)
    except ValueError:
        return None


def logo_data_url(kind: str, data: bytes) -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def validate(definition: EventDefinition) -> EventDefinition:
    """The definition cleaned and checked, as it will be stored. Raises ValidationError
    naming the field. The logo is checked by `logo_type` on its bytes, not here."""
    if definition.accent is not None and not ACCENT.fullmatch(definition.accent):
        raise ValidationError("not_a_colour", "accent")
    names = [name for name in (clean_text(name) for name in definition.perspectives) if name]
    if len(names) > MAX_PERSPECTIVES:
        raise ValidationError("too_many", "perspectives")
    if any(len(name) > MAX_PERSPECTIVE for name in names):
        raise ValidationError("too_long", "perspectives")
    if len(set(names)) != len(names):
        raise ValidationError("duplicate", "perspectives")
    min_group = definition.min_group
    if isinstance(min_group, bool) or not isinstance(min_group, int) or not 1 <= min_group <= 1000:
        raise ValidationError("out_of_range", "min_group")
    title = clean_text(definition.title)
    if not title:
        raise ValidationError("empty", "title")
    if len(title) > MAX_TITLE:
        raise ValidationError("too_long", "title")
    items = [clean_item(item) for item in definition.propositions]
    items = [item for item in items if text_of(item)]
    if not items:
        raise ValidationError("empty", "propositions")
    if len(items) > MAX_PROPOSITIONS:
        raise ValidationError("too_many", "propositions")
    if any(len(text_of(item)) > MAX_PROPOSITION for item in items):
        raise ValidationError("too_long", "propositions")
    if any(len(item.plain) > MAX_PLAIN for item in items if isinstance(item, PropositionItem)):
        raise ValidationError("too_long", "plain")
    if definition.language not in LANGUAGES:
        raise ValidationError("unknown_language", "language")
    wifi = {}
    for field in ("wifi_name", "wifi_password"):
        value = clean_text(getattr(definition, field) or "") or None
        if value is not None and len(value) > MAX_WIFI:
            raise ValidationError("too_long", field)
        wifi[field] = value
    if wifi["wifi_password"] and not wifi["wifi_name"]:
        raise ValidationError("empty", "wifi_name")
    return msgspec.structs.replace(definition, title=title, propositions=items, perspectives=names, **wifi,
                                   allow_neutral=bool(definition.allow_neutral),
                                   accent=definition.accent.lower() if definition.accent else None)


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
    Stored after an edit as {"id", "text", "earlier", "plain"} objects: ids stay when the order changes."""
    return tuple(Proposition(id=t["id"], text=t["text"], index=i, earlier=tuple(t.get("earlier") or ()),
                             plain=t.get("plain") or None)
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
         new_id: str | None = None, keep_earlier: bool = False, plain=KEEP) -> tuple[Proposition, ...]:
    """The propositions after one edit (add, edit, move, remove), renumbered. Pure.
    `plain` (add, edit): the plain-language line, None or "" for none, KEEP to leave it.
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
             **({"plain": p.plain} if p.plain else {})} for p in propositions]


def to_event(code: str, definition: EventDefinition, expires_at: int = 0, has_logo: bool = False) -> Event:
    """The event of a validated definition under its code."""
    return Event(code=code, title=definition.title, language=definition.language,
                 allow_neutral=definition.allow_neutral, propositions=proposition_ids(definition.propositions),
                 perspectives=tuple(definition.perspectives), min_group=definition.min_group,
                 accent=definition.accent, has_logo=has_logo, expires_at=expires_at,
                 wifi_name=definition.wifi_name, wifi_password=definition.wifi_password)
