"""The phones' once-a-second tally goes out in slices over that second (live/rooms.py), so
that the screens' tallies are never queued behind a whole hall's frames: real asyncio and
real outboxes, no server (this layer has no Redis). The second is shortened to 0.4 s."""

from __future__ import annotations

import asyncio
import json

import pytest

from live import model, rooms
from live.model import DebateState, Event, Proposition, Tally
from live.outbox import Outbox
from live.all_rooms import Rooms

EVENT = Event(code="ABCDEF", title="t", language="nl", allow_neutral=True,
              propositions=(Proposition("p1", "een", 0),))
SECOND = 0.4  # AUDIENCE_TALLY_INTERVAL in these tests


@pytest.fixture(autouse=True)
def short_second(monkeypatch):
    monkeypatch.setattr(rooms, "AUDIENCE_TALLY_INTERVAL", SECOND)


def state(*commands: str) -> DebateState:
    s = DebateState()
    for command in ("goto", *commands):
        s = model.apply(EVENT, s, command, "p1" if command == "goto" else None)
    return s


def tally(version: int) -> Tally:
    return Tally.of("p1", 1, phones={"agree": version}, version=version)


def hall(phones: int):
    """A room with one projector, one console and `phones` phones, voting open and revealed."""
    all_rooms = Rooms()
    projector, console = Outbox("projector"), Outbox("moderator")
    audience = [Outbox("audience", participant=f"x{n}") for n in range(phones)]
    for outbox in (projector, console, *audience):
        room = all_rooms.join(EVENT, outbox)
    room.set_state(state("open", "reveal"))
    return room, projector, console, audience


def version(outbox: Outbox) -> int | None:
    """The voters (= the tally version here) of the tally waiting in an outbox."""
    return None if outbox._tally is None else json.loads(outbox._tally)["voters"]


class Phone(Outbox):
    """An outbox that remembers every tally it was given (the voters of each)."""

    def tally(self, message: str) -> None:
        self.__dict__.setdefault("given", []).append(json.loads(message)["voters"])
        super().tally(message)


async def idle(room, within: float) -> float:
    """Wait until no slice is due; how long that took (fails after `within` seconds)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while room.audience_slices.busy:
        assert loop.time() - start < within, "the slices did not finish"
        await asyncio.sleep(0.002)
    return loop.time() - start


async def test_a_hall_gets_the_tally_in_slices_screens_at_once():
    """2,000 phones: the screens and the first tenth at once, the rest slice by slice, each
    phone exactly once and all within the second; every phone's copy is one encoding."""
    room, projector, console, audience = hall(2000)
    room.set_tally(tally(1))
    assert version(projector) == version(console) == 1
    assert sum(version(o) == 1 for o in audience) == 200
    await asyncio.sleep(SECOND * 0.3)
    assert 200 < sum(version(o) == 1 for o in audience) < 2000
    assert await idle(room, SECOND * 3) < SECOND  # the last slice at 0.9 of the second
    assert all(version(o) == 1 for o in audience)
    assert len({id(o._tally) for o in audience}) == 1  # encoded once, not per phone


async def test_each_slice_takes_the_newest_tally_and_the_next_round_brings_it_to_all():
    """A newer tally while the slices go out: no phone served after it gets the older one,
    and the next round (the throttle's, a second after the first) brings it to the phones
    served before; nobody gets a tally twice in a round."""
    all_rooms, audience = Rooms(), [Phone("audience", participant=f"z{n}") for n in range(1000)]
    for outbox in audience:
        room = all_rooms.join(EVENT, outbox)
    room.set_state(state("open", "reveal"))
    room.set_tally(tally(1))
    await asyncio.sleep(SECOND * 0.35)  # a few slices out
    early = {o for o in audience if version(o) == 1}
    assert 100 <= len(early) < 1000
    room.set_tally(tally(2))
    await asyncio.sleep(SECOND * 0.8)  # the throttle's next round has begun
    await idle(room, SECOND * 3)
    assert all(o.given == [1, 2] for o in early)
    assert all(o.given == [2] or o.given == [2, 2] for o in audience if o not in early)
    room.close()


async def test_a_hide_between_slices_stops_the_rest():
    """Hidden means hidden: the phones not yet served get nothing once the moderator hides."""
    room, projector, _, audience = hall(1000)
    room.set_tally(tally(1))
    served = [o for o in audience if o._tally is not None]
    assert len(served) == 100
    room.set_state(state("open", "reveal", "hide"))
    await asyncio.sleep(SECOND * 1.5)
    assert all(o._tally is None for o in audience if o not in served)
    room.set_tally(tally(2))  # votes go on while hidden: the screens see them, the phones not
    await asyncio.sleep(SECOND * 1.5)
    assert version(projector) == 2
    assert all(o._tally is None for o in audience if o not in served)
    assert not room.audience_slices.busy


async def test_a_small_hall_gets_it_at_once_and_leavers_are_skipped():
    """Up to AUDIENCE_SLICE_MIN phones in one go; a phone gone before its turn gets nothing,
    and closing the room stops the slices."""
    room, _, _, audience = hall(rooms.AUDIENCE_SLICE_MIN)
    room.set_tally(tally(1))
    assert all(version(o) == 1 for o in audience)

    all_rooms = Rooms()
    outboxes = [Outbox("audience", participant=f"y{n}") for n in range(500)]
    for outbox in outboxes:
        room = all_rooms.join(EVENT, outbox)
    room.set_state(state("open", "reveal"))
    room.set_tally(tally(1))
    assert sum(o._tally is not None for o in outboxes) == 100  # the first slice, at once
    gone = next(o for o in outboxes if o._tally is None)  # one not served yet
    all_rooms.leave("ABCDEF", gone)
    await asyncio.sleep(SECOND * 1.2)
    assert gone._tally is None and all(version(o) == 1 for o in outboxes if o is not gone)
    room.set_tally(tally(2))
    all_rooms.remove("ABCDEF")  # closes the room mid-round
    await asyncio.sleep(SECOND * 1.2)
    assert not room.audience_slices.busy
    assert sum(version(o) == 2 for o in outboxes) == 100  # only the first slice, before the close
