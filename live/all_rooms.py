"""Every room of this worker, by event code, and whether the worker can reach Redis.

No Redis and no bus, like each room (rooms.py).
"""

from __future__ import annotations

from collections.abc import Callable

from . import protocol
from .model import Event
from .outbox import Outbox
from .rooms import Room


class Rooms:
    """Every room of this worker, by event code."""

    def __init__(self):
        self.rooms: dict[str, Room] = {}
        self.healthy = True  # whether this worker can reach Redis, as clients were last told
        # Told (code, True) when a room opens and (code, False) when it is removed: on a
        # cluster the worker follows the channel of each event it has sockets for (app.py).
        self.on_change: Callable[[str, bool], None] | None = None

    def get(self, code: str) -> Room | None:
        return self.rooms.get(code)

    def join(self, event: Event, outbox: Outbox) -> Room:
        room = self.rooms.get(event.code)
        if room is None:
            room = self.rooms[event.code] = Room(event)
            if self.on_change is not None:
                self.on_change(event.code, True)
        # else keep the room's event: an edit of the debate may have reached it after this
        # socket loaded its copy (edits arrive with the state notice, see Room.set_propositions)
        room.outboxes[outbox.role].add(outbox)
        if outbox.role == "audience":
            room.online += 1
        return room

    def leave(self, code: str, outbox: Outbox) -> None:
        room = self.rooms.get(code)
        if room is None:
            return
        room.outboxes[outbox.role].discard(outbox)
        if outbox.role == "audience":
            room.online -= 1

    def remove(self, code: str) -> None:
        room = self.rooms.pop(code, None)
        if room is not None:
            room.close()
            if self.on_change is not None:
                self.on_change(code, False)

    def set_health(self, healthy: bool) -> None:
        """Tell every socket when this worker loses or regains Redis: screens and phones then
        show that what they display may be stale, instead of silently freezing."""
        if healthy == self.healthy:
            return
        self.healthy = healthy
        message = protocol.status(healthy)
        for room in self.rooms.values():
            for outbox in room.everyone():
                outbox.status(message)
