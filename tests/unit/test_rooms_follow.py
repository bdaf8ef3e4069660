"""Rooms tell who follows them (the cluster's sharded subscription, wired in app.py) when
an event's first socket opens its room and when the room is removed."""

from __future__ import annotations

from live.model import Event, Proposition
from live.outbox import Outbox
from live.all_rooms import Rooms

EVENT = Event(code="ABCDEF", title="t", language="nl", allow_neutral=True,
              propositions=(Proposition("p1", "een", 0),))


async def test_a_room_opening_and_going_is_told_once_each():
    rooms, told = Rooms(), []
    rooms.on_change = lambda code, here: told.append((code, here))
    first, second = Outbox("audience"), Outbox("projector")
    rooms.join(EVENT, first)
    rooms.join(EVENT, second)
    assert told == [("ABCDEF", True)]
    rooms.leave("ABCDEF", first)
    rooms.leave("ABCDEF", second)
    assert told == [("ABCDEF", True)]  # an empty room goes with the audit, not at once
    rooms.remove("ABCDEF")
    rooms.remove("ABCDEF")
    assert told == [("ABCDEF", True), ("ABCDEF", False)]
    rooms.join(EVENT, Outbox("audience"))
    assert told[-1] == ("ABCDEF", True)
