"""What an event leaves behind: its archive, and the archive as a file (docs/privacy.md).

An archive keeps the figures per proposition, round and perspective as the public saw
them (`Report.results`, small groups withheld: a figure withheld on the evening is
never in the archive), the hand counts in them, the questions that were shown (text
and votes, no names) and how the propositions link to earlier events. Nobody's vote,
perspective, identity or question authorship is in it.

The file: `{"schema": "live-archive", "version": 1, "kind", "series", "archives": [...],
"checksum": "sha256:<hex>"}`, the checksum a SHA-256 over the canonical JSON of the rest
(keys sorted, no spaces, UTF-8). Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone
from collections.abc import Mapping

import orjson

from . import definition, results
from . import propositions as proposition_list
from .errors import ValidationError
from .model import DEFAULT_MIN_GROUP, Event

SCHEMA = "live-archive"
VERSION = 1
KEPT = ("figures", "hand_counts", "questions_shown", "links")
DELETED = ("votes", "perspectives", "identities", "question_authors", "sessions")
DAY_MS = 86_400_000


def due_at(event: Event, after_days: int) -> int:
    """When an event is reduced (epoch ms): `after_days` after the later of its date and its creation."""
    day = 0
    if event.date:
        day = int(datetime.combine(date.fromisoformat(event.date), datetime.min.time(), timezone.utc).timestamp() * 1000)
    return max(day, event.created) + after_days * DAY_MS


def document(event: Event, report: Mapping, archived_at: int) -> dict:
    """The archive of an event from its public, unsealed report (Report.results)."""
    propositions = [{key: value for key, value in entry.items() if key != "history"}
                    for entry in report["propositions"]]
    return {
        "event": {"code": event.code, "title": event.title, "language": event.language, "date": event.date,
                  "created": event.created, "series": event.series, "perspectives": list(event.perspectives),
                  "min_group": event.min_group, "allow_neutral": event.allow_neutral,
                  "propositions": proposition_list.stored(event.propositions)},
        "propositions": propositions,
        "questions": [{key: q[key] for key in ("id", "text", "votes", "status", "pinned", "to")}
                      for q in report["questions"]],
        "exclude_flagged": bool(report.get("exclude_flagged")),
        "archived_at": archived_at, "kept": list(KEPT), "deleted": list(DELETED),
    }


def to_event(archive: Mapping) -> Event:
    """The event an archive was made of (for linking, listing and the report)."""
    data = archive["event"]
    return Event(code=data["code"], title=data["title"], language=data.get("language", "nl"),
                 allow_neutral=bool(data.get("allow_neutral")),
                 propositions=proposition_list.proposition_ids(data["propositions"]),
                 perspectives=tuple(data.get("perspectives") or ()),
                 min_group=int(data.get("min_group") or DEFAULT_MIN_GROUP), series=data.get("series") or None,
                 date=data.get("date") or "", created=int(data.get("created") or 0))


def report(archive: Mapping, sealed: bool, flagged: bool = False) -> dict:
    """The figures of an archive as Report.results gives them; `sealed`: propositions that
    were never revealed show only their voter counts; `flagged` (moderators and
    organisers): with the part of the counts from flagged identities, as on the evening."""
    event = archive["event"]
    extra = {"exclude_flagged": bool(archive.get("exclude_flagged"))} if flagged else {}
    return {"code": event["code"], "title": event["title"], "perspectives": event["perspectives"],
            "min_group": event["min_group"], **extra,
            "propositions": [results.sealed(_shown(p, flagged)) if sealed and not p["revealed"] else _shown(p, flagged)
                             for p in archive["propositions"]],
            "questions": [{**q, "name": None} for q in archive["questions"]],
            "archived": {"at": archive["archived_at"], "kept": archive["kept"], "deleted": archive["deleted"]}}


def _shown(entry: Mapping, flagged: bool) -> dict:
    """An archived proposition, without the flagged figures for those who may not see them."""
    if flagged:
        return dict(entry)
    rounds = {key: {k: v for k, v in r.items() if k not in ("flagged", "unflagged")}
              for key, r in entry["rounds"].items()}
    return {**{k: v for k, v in entry.items() if k != "flagged"}, "rounds": rounds}


def meta(archive: Mapping) -> dict:
    """What the list of events shows of an archive."""
    event = archive["event"]
    return {"code": event["code"], "title": event["title"], "date": event["date"], "created": event["created"],
            "series": event["series"], "archived_at": archive["archived_at"],
            "propositions": len(event["propositions"])}


def _canonical(data) -> bytes:
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def checksum(body: Mapping) -> str:
    return "sha256:" + hashlib.sha256(_canonical({k: v for k, v in body.items() if k != "checksum"})).hexdigest()


def export(archives: list[dict], series: str | None = None) -> dict:
    """The file of one archive or of a whole series."""
    body = {"schema": SCHEMA, "version": VERSION, "kind": "series" if series else "event", "series": series,
            "archives": archives}
    return {**body, "checksum": checksum(body)}


def parse(raw: bytes) -> list[dict]:
    """The archives of an exported file, checked. Raises ValidationError: not_json,
    not_an_archive, unknown_version, tampered (the checksum does not match), bad_archive."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValidationError("not_json", "file") from None
    if not isinstance(body, dict) or body.get("schema") != SCHEMA:
        raise ValidationError("not_an_archive", "file")
    if body.get("version") != VERSION:
        raise ValidationError("unknown_version", "file")
    if not isinstance(body.get("checksum"), str) or body["checksum"] != checksum(body):
        raise ValidationError("tampered", "file")
    archives = body.get("archives")
    if not isinstance(archives, list) or not archives:
        raise ValidationError("bad_archive", "file")
    for archive in archives:
        try:
            code = archive["event"]["code"]
            to_event(archive)
            ok = definition.normalize_code(code) == code and all(
                isinstance(p["rounds"], dict) and "revealed" in p for p in archive["propositions"]) \
                and isinstance(archive["questions"], list) and isinstance(archive["archived_at"], int)
        except (KeyError, TypeError, ValueError, AttributeError):
            ok = False
        if not ok:
            raise ValidationError("bad_archive", "file")
    return archives
