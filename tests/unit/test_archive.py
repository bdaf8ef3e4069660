"""The archive file (issue 15): its checksum over canonical JSON and the checks on import, and when the
retention pass reduces an event."""

from __future__ import annotations

import orjson
import pytest

from live import archive
from live.archive import DAY_MS, due_at
from live.errors import ValidationError
from live.model import Event, Proposition


def document(code="K7M2QX") -> dict:
    event = Event(code=code, title="Jubileum", language="nl", allow_neutral=False,
                  propositions=(Proposition("p1", "Koers?", 0, previous=("ABCDEF", "p2")),), date="2018-06-01",
                  created=1_500_000_000_000, series="Werkplaatsen")
    report = {"propositions": [{"id": "p1", "text": "Koers?", "revealed": True,
                                "rounds": {"1": {"counts": {"agree": 1}, "voters": 1}}, "history": []}],
              "questions": [{"id": "q1", "text": "Vraag", "name": "Jan", "votes": 3, "status": "visible",
                             "pinned": False, "to": None}]}
    return archive.document(event, report, 1_600_000_000_000)


def test_an_archive_keeps_no_names_and_round_trips_its_event():
    """The question's name is not kept; the event (links included) comes back from the archive."""
    kept = document()
    assert "name" not in kept["questions"][0] and "history" not in kept["propositions"][0]
    event = archive.to_event(kept)
    assert event.propositions[0].previous == ("ABCDEF", "p2") and event.series == "Werkplaatsen"


def test_the_file_is_checked_before_anything_is_imported():
    """A good file parses; changed, wrong-version, foreign, malformed or non-JSON files raise their error."""
    file = archive.export([document()])
    raw = orjson.dumps(file)
    assert archive.parse(raw)[0]["event"]["code"] == "K7M2QX"
    reordered = orjson.dumps(dict(reversed(list(file.items()))))  # key order does not matter
    assert archive.parse(reordered)
    changed = orjson.loads(raw)
    changed["archives"][0]["propositions"][0]["rounds"]["1"]["voters"] = 2
    bad_code = archive.export([{**document(), "event": {**document()["event"], "code": "nope"}}])
    cases = {b"{": "not_json", b"[]": "not_an_archive", orjson.dumps({**file, "schema": "x"}): "not_an_archive",
             orjson.dumps({**file, "version": 2}): "unknown_version", orjson.dumps(changed): "tampered",
             orjson.dumps(archive.export([])): "bad_archive", orjson.dumps(bad_code): "bad_archive"}
    for body, code in cases.items():
        with pytest.raises(ValidationError) as raised:
            archive.parse(body)
        assert raised.value.code == code, body


def test_due_after_the_later_of_date_and_creation():
    """A debate dated in the past but created today is not archived before its 30 days from today."""
    created = 1_800_000_000_000
    past = Event(code="K7M2QX", title="t", language="nl", allow_neutral=False, propositions=(), date="2018-06-01",
                 created=created)
    assert due_at(past, 30) == created + 30 * DAY_MS
    future = Event(code="K7M2QX", title="t", language="nl", allow_neutral=False, propositions=(), date="2030-01-01",
                   created=created)
    assert due_at(future, 30) == 1_893_456_000_000 + 30 * DAY_MS
