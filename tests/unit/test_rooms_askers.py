"""Whose own waiting questions a room's refresh reads: a read that began before someone's
ask was stored (the resync when a cluster subscription is confirmed, another question's
refresh) must not drop the asker from the refresh their own ask triggers."""

from __future__ import annotations

import json

from live.model import Event, Proposition
from live.outbox import ASKING, Outbox
from live.questions import Question, QuestionLists
from live.all_rooms import Rooms

EVENT = Event(code="ABCDEF", title="t", language="nl", allow_neutral=True,
              propositions=(Proposition("p1", "een", 0),))


def lists(version: int, own: dict[str, list[Question]]) -> QuestionLists:
    return QuestionLists(version=version, premoderation=True, wall="votes", listed=[], everything=[], own_waiting=own)


def waiting(participant: str) -> Question:
    return Question(id="q1", text="Hoe verder?", name=None, author=participant, status="waiting", votes=0, created=1)


def sent_ids(outbox: Outbox) -> list[str]:
    return [item["id"] for item in json.loads(outbox._questions)["items"]]


def test_a_read_from_before_the_ask_keeps_the_asker_for_the_next_refresh():
    rooms, asker = Rooms(), Outbox("audience", participant="anna")
    room = rooms.join(EVENT, asker)
    asker.waiting = ASKING  # the ask is on its way to Redis
    room.send_questions(lists(0, {}))  # a refresh that began before: it did not ask for anna
    room.send_questions(lists(0, {"anna": []}))  # one that asked for her, but read before the ask
    assert room.waiting_askers() == ["anna"]
    asker.waiting = 1  # stored as questions version 1
    room.send_questions(lists(0, {"anna": []}))  # still a read from before version 1
    assert room.waiting_askers() == ["anna"]
    room.send_questions(lists(1, {"anna": [waiting("anna")]}))  # the refresh of her ask
    assert sent_ids(asker) == ["q1"]
    room.send_questions(lists(2, {"anna": []}))  # approved or rejected: nothing waits now
    assert room.waiting_askers() == []
