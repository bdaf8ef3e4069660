"""An edit of the debate reaches a worker twice (applied at once where it was made, then as a
notice) and notices may arrive late: a room keeps the newest list and never goes back to an older one."""

from __future__ import annotations

import json

from live.model import Event, Proposition
from live.outbox import Outbox
from live.all_rooms import Rooms

EVENT = Event(code="ABCDEF", title="t", language="nl", allow_neutral=True,
              propositions=(Proposition("p1", "Een", 0), Proposition("p2", "Twee", 1)), perspectives=("A",))


def texts(room) -> list[str]:
    return [p.text for p in room.event.propositions]


def sent(outbox: Outbox, kind: str) -> list[dict]:
    return [m for m in map(json.loads, outbox._replies) if m["type"] == kind]


def test_a_late_notice_never_brings_back_an_older_list():
    rooms, console = Rooms(), Outbox("moderator")
    room = rooms.join(EVENT, console)
    first = [{"id": "p2", "text": "Twee"}, {"id": "p1", "text": "Een"}]  # moved: state seq 4
    second = [{"id": "p1", "text": "Een"}, {"id": "p2", "text": "Twee"}]  # moved back: seq 5
    room.set_propositions(first, 4)
    room.set_propositions(second, 5)
    room.set_propositions(first, 4)  # the notice of the first edit, arriving late
    room.set_propositions(second, 5)  # and that of the second: the same edit again
    assert texts(room) == ["Een", "Twee"]
    assert [[p["text"] for p in m["propositions"]] for m in sent(console, "propositions")] == [
        ["Twee", "Een"], ["Een", "Twee"]]


def test_perspectives_and_propositions_are_kept_apart():
    """An edit of the perspectives (seq 7) before the late notice of a proposition edit (seq 6): both apply."""
    rooms, console = Rooms(), Outbox("moderator")
    room = rooms.join(EVENT, console)
    room.set_perspectives(["A", "B"], 7)
    room.set_propositions([{"id": "p1", "text": "Een, verbeterd"}, {"id": "p2", "text": "Twee"}], 6)
    room.set_perspectives(["A"], 3)  # older
    assert room.event.perspectives == ("A", "B") and texts(room) == ["Een, verbeterd", "Twee"]
