"""What an organiser gives: the definition of an event, its validation, and the demo.

One schema (`EventDefinition`) is read from `POST /api/events` and from the demo file,
written by the definition export, and filled from the `/new` form. Pure: no I/O beyond
reading the demo file shipped with the package.
"""

from __future__ import annotations

import base64
import re
import zoneinfo
from dataclasses import replace
from datetime import date
from pathlib import Path

import msgspec

from .errors import RuleError, ValidationError
from .model import DEFAULT_MIN_GROUP, DEFAULT_TIME_ZONE, LANGUAGES, Event
from .propositions import (MAX_PLAIN, MAX_PROPOSITION, MAX_PROPOSITIONS, PropositionItem, clean_item,
                           definition_items, proposition_ids, text_of)
from .text import clean_text, series_key

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud from a screen
CODE_LENGTH = 6

MAX_TITLE = 200
MAX_PERSPECTIVES = 10
MAX_PERSPECTIVE = 40
MAX_LOGO_BYTES = 256 * 1024
MAX_WIFI = 63  # the longest WPA passphrase; network names are at most 32 bytes
ACCENT = re.compile(r"#[0-9a-fA-F]{6}")
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
DEMO_FILE = Path(__file__).with_name("demo.json")
UNLESS_SET = ("ticketed", "tickets")  # left out of an export when false or 0
MAX_TICKETS = 5000  # tickets made at once
OPTIONAL = ("accent", "logo", "wifi_name", "wifi_password", "based_on", "series", "date")  # left out of an export when not set


class EventDefinition(msgspec.Struct):
    """An event as a file: the body of `POST /api/events`, the export, the demo. A
    proposition is its text, or {"text", "plain"} with a plain-language line."""

    title: str
    propositions: list[str | PropositionItem] = []  # may be left out with `based_on`: the earlier event's are copied
    allow_neutral: bool = False
    language: str = "nl"
    premoderation: bool = True
    perspectives: list[str] = []
    min_group: int = DEFAULT_MIN_GROUP
    accent: str | None = None  # "#rrggbb"
    logo: str | None = None  # a data: URL of a PNG, JPEG or WebP image
    wifi_name: str | None = None  # the venue's Wi-Fi network, shown on the "how to join" slide
    wifi_password: str | None = None
    ticketed: bool = False  # only holders of a one-time ticket vote, ask or declare a perspective
    tickets: int = 0  # how many tickets to make when the event is created (ticketed then)
    based_on: str | None = None  # the code of an earlier event (or archive) this one follows up
    series: str | None = None  # the series name (default with based_on: the earlier event's, or its title)
    date: str | None = None  # "YYYY-MM-DD", the day of the debate (default: the day it is created)
    time_zone: str = DEFAULT_TIME_ZONE  # an IANA time zone: the report prints its times in it


_decoder = msgspec.json.Decoder(EventDefinition)


def decode(body: bytes) -> EventDefinition:
    """Raises msgspec.DecodeError (not JSON) or msgspec.ValidationError (wrong shape)."""
    return _decoder.decode(body)


def encode(definition: EventDefinition) -> dict:
    """The definition as JSON-ready data; the optional fields are left out when not set."""
    data = msgspec.to_builtins(definition)
    return {key: value for key, value in data.items()
            if not (key in OPTIONAL and value is None) and not (key in UNLESS_SET and not value)}


def demo() -> EventDefinition:
    """The jubilee debate of the Werkplaatsen Sociaal Domein (docs: README, Run)."""
    return decode(DEMO_FILE.read_bytes())


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


def _perspectives(given: list[str]) -> tuple[list[str], str | None]:
    """The perspective names cleaned (empty ones dropped), and what is wrong with them."""
    names = [name for name in (clean_text(name) for name in given) if name]
    if len(names) > MAX_PERSPECTIVES:
        return names, "too_many"
    if any(len(name) > MAX_PERSPECTIVE for name in names):
        return names, "too_long"
    return names, "duplicate" if len(set(names)) != len(names) else None


def perspectives(given: list[str]) -> tuple[str, ...]:
    """The perspectives of an edit on the night, cleaned. Raises RuleError: perspective_names."""
    names, problem = _perspectives(given)
    if problem:
        raise RuleError("perspective_names")
    return tuple(names)


def validate(definition: EventDefinition) -> EventDefinition:
    """The definition cleaned and checked, as it will be stored. Raises ValidationError
    naming the field. The logo is checked by `logo_type` on its bytes, not here."""
    if definition.accent is not None and not ACCENT.fullmatch(definition.accent):
        raise ValidationError("not_a_colour", "accent")
    names, problem = _perspectives(definition.perspectives)
    if problem:
        raise ValidationError(problem, "perspectives")
    tickets = definition.tickets
    if isinstance(tickets, bool) or not isinstance(tickets, int) or not 0 <= tickets <= MAX_TICKETS:
        raise ValidationError("out_of_range", "tickets")
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
    series = clean_text(definition.series or "") or None
    if series is not None and (len(series) > MAX_TITLE or not series_key(series)):
        raise ValidationError("too_long" if series_key(series) else "empty", "series")
    if definition.date is not None and not valid_date(definition.date):
        raise ValidationError("not_a_date", "date")
    if not known_time_zone(definition.time_zone):
        raise ValidationError("unknown_time_zone", "time_zone")
    return msgspec.structs.replace(definition, title=title, propositions=items, perspectives=names, **wifi,
                                   series=series,
                                   allow_neutral=bool(definition.allow_neutral),
                                   ticketed=bool(definition.ticketed or tickets),
                                   accent=definition.accent.lower() if definition.accent else None)


DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def valid_date(value: str) -> bool:
    try:
        return bool(DATE.fullmatch(value)) and date.fromisoformat(value).year >= 1900
    except ValueError:
        return False


def known_time_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine knows (zoneinfo), e.g. Europe/Amsterdam."""
    if not isinstance(name, str) or not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def follow_up(given: EventDefinition, earlier: Event) -> tuple[EventDefinition, list[tuple[str, str] | None]]:
    """A definition `based_on` an earlier event: its propositions and perspectives copied
    when none are given, and each proposition linked to its predecessor (a copied one to
    the one it copies; a given one to an earlier one with the same text). Returns the
    definition and, per proposition, (earlier code, proposition id) or None."""
    items = list(given.propositions) or definition_items(earlier.propositions)
    by_text = {clean_text(p.text).casefold(): p.id for p in earlier.propositions}
    links = [(earlier.code, by_text[key]) if (key := clean_text(text_of(t)).casefold()) in by_text else None
             for t in items]
    return msgspec.structs.replace(given, propositions=items,
                                   perspectives=list(given.perspectives) or list(earlier.perspectives),
                                   series=given.series or earlier.series or earlier.title), links


def to_event(code: str, definition: EventDefinition, expires_at: int = 0, has_logo: bool = False,
             links: list | None = None, created: int = 0, day: str = "") -> Event:
    """The event of a validated definition under its code (`links`: each proposition's predecessor)."""
    propositions = proposition_ids(definition.propositions)
    if links:
        propositions = tuple(replace(p, previous=link) for p, link in zip(propositions, links))
    return Event(code=code, title=definition.title, language=definition.language,
                 allow_neutral=definition.allow_neutral, propositions=propositions,
                 series=definition.series, date=definition.date or day, created=created,
                 perspectives=tuple(definition.perspectives), min_group=definition.min_group,
                 accent=definition.accent, has_logo=has_logo, expires_at=expires_at,
                 wifi_name=definition.wifi_name, wifi_password=definition.wifi_password,
                 ticketed=definition.ticketed, time_zone=definition.time_zone)
