"""Use cases for editing the debate: add, edit, move, remove or link propositions,
replace the perspectives, and the counts from a show of hands. Write, then publish:
each changes Redis through the stores, then tells the bus.

Knows the model, the stores and the bus; knows nothing of HTTP, WebSockets or the wire.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from . import definition
from . import propositions as proposition_list
from .bus import Bus
from .errors import RuleError
from .model import Event
from .store import Stores


class Editing:
    def __init__(self, stores: Stores, bus: Bus, earlier_event: Callable[[str], Awaitable[Event | None]]):
        self.stores = stores
        self.bus = bus
        self.earlier_event = earlier_event  # an event or archive by its code (Debate.earlier_event)

    async def set_hand_count(self, event: Event, proposition: str, round_: int, counts: dict[str, int],
                             perspective: str | None) -> None:
        """Counts from a show of hands (replacing earlier ones for the same round and group)."""
        if event.proposition(proposition) is None:
            raise RuleError("unknown_proposition")
        index = event.perspective_index(perspective)
        if perspective is not None and index is None:
            raise RuleError("unknown_perspective")
        if not event.allow_neutral and counts.get("neutral"):
            raise RuleError("bad_choice")
        version = await self.stores.votes.set_hand_count(event.code, proposition, round_, counts, index,
                                                         event.expires_at)
        if isinstance(version, str):
            raise RuleError(version)
        self.bus.note_vote(event.code, proposition, round_, version)

    async def edit_propositions(self, event: Event, action: str, proposition: str | None = None,
                                text: str | None = None, after: str | None = None,
                                index: int | None = None, previous: tuple[str, str] | None = None,
                                plain=proposition_list.KEEP) -> str | None:
        """Add, edit, move, remove or link (to `previous`) a proposition (`plain`: its
        plain-language line, KEEP to leave it), atomically against votes and other
        moderators; every client gets the new order. Returns the id of an added one."""
        added = None

        def change(stored: Event, current: str | None, has_votes: bool, counter: int):
            nonlocal added
            if action == "remove" and has_votes:
                raise RuleError("has_votes")
            if action == "remove" and proposition == current:
                raise RuleError("is_current")
            if action == "add":
                added = proposition_list.next_id(stored.propositions, counter)
                counter = int(added[1:])
            return proposition_list.edit(stored.propositions, action, proposition, text, after, index, added,
                                   keep_earlier=has_votes, previous=previous, plain=plain), counter

        target = proposition if action in ("edit", "remove") else None
        edited, state = await self.stores.editing.edit_propositions(
            event.code, target, change, lambda new, stored: self.bus.state_notice(event.code, new, stored))
        room = self.bus.rooms.get(event.code)
        if room is not None:  # this worker at once; the others by the notice
            room.set_propositions(proposition_list.stored(edited.propositions), state.seq)
        self.bus.show_state(event.code, state)
        return added

    async def link(self, event: Event, proposition: str,
                   previous: tuple[str, str] | None) -> tuple[str, str] | None:
        """Link a proposition to its predecessor (earlier code, proposition id) at an earlier
        event or archive, or unlink it (None). Returns the stored link. Raises RuleError:
        unknown_previous_event, unknown_previous_proposition, unknown_proposition."""
        if previous is not None:
            earlier = await self.earlier_event(previous[0])
            if earlier is None or earlier.code == event.code:
                raise RuleError("unknown_previous_event")
            if earlier.proposition(previous[1]) is None:
                raise RuleError("unknown_previous_proposition")
            previous = (earlier.code, previous[1])
        await self.edit_propositions(event, "link", proposition, previous=previous)
        return previous

    async def edit_perspectives(self, event: Event, given: list[str]) -> None:
        """Replace the perspectives, only before the first vote (atomic against votes)."""
        names = definition.perspectives(given)
        edited, state = await self.stores.editing.edit_perspectives(
            event.code, names, lambda new: self.bus.state_notice(event.code, new, perspectives=list(names)))
        room = self.bus.rooms.get(event.code)
        if room is not None:  # this worker at once; the others by the notice
            room.set_perspectives(list(edited.perspectives), state.seq)
        self.bus.show_state(event.code, state)

    async def hand_counts(self, event: Event) -> list[dict]:
        """The saved hand counts, per proposition (in order) and round; perspective None is the hall."""
        saved = await self.stores.votes.hand_counts(event.code, [p.id for p in event.propositions])
        return [{"proposition": proposition, "round": round_, "counts": counts,
                 "perspective": event.perspectives[index - 1] if index and index <= len(event.perspectives) else None}
                for proposition, round_, index, counts in saved]
