"""Use cases of the evening: create an event, run the debate, vote, ask (editing the
debate is live/editing.py). Write, then publish: each use case changes Redis through
the stores, then tells the bus, which shows the change on this worker's sockets and
rings the bell for the others.

Knows the model, the stores and the bus; knows nothing of HTTP, WebSockets or the wire.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import archive, definition, questions, results
from .bus import Bus
from .clock import now_ms
from .definition import EventDefinition
from .editing import Editing
from .errors import RuleError, ValidationError
from .model import DebateState, Event, Tally, apply, countdown, expired
from .questions import QuestionLists
from .store import Stores
from .tickets import Tickets


@dataclass(frozen=True)
class Snapshot:
    """What a socket is given when it joins: the state, the current tally and its figures,
    and for a phone its own vote and perspective."""

    state: DebateState
    tally: Tally | None
    figures: dict | None
    my_vote: str | None = None
    my_perspective: str | None = None
    comparison: dict | None = None  # round 1 against round 2, once round 2 is closed
    my_ticket: bool | None = None  # in a ticketed event: whether this phone holds a ticket
    unflagged: dict | None = None  # the figures without flagged identities
    round1: dict | None = None  # round 1's figures while the proposition is in round 2


class Debate:
    def __init__(self, stores: Stores, bus: Bus):
        self.stores = stores
        self.bus = bus
        self.tickets = Tickets(stores)  # ticketed join (vote.lua checks the ticket with the vote)
        self.editing = Editing(stores, bus, self.earlier_event)  # editing the debate: propositions, perspectives, hand counts

    async def healthy(self) -> bool:
        return await self.stores.events.ping()

    # --- events -----------------------------------------------------------------------

    async def create_event(self, given: EventDefinition, logo: bytes | None = None) -> tuple[Event, str]:
        """Validate and store a new event (`based_on` an earlier one: its propositions and
        perspectives copied and linked, both in one series). Raises ValidationError;
        returns (event, moderator key)."""
        logo_file = (definition.logo_type(logo), logo) if logo else None
        earlier, links = None, None
        if given.based_on:
            earlier = await self.earlier_event(given.based_on)
            if earlier is None:
                raise ValidationError("unknown_event", "based_on")
            given, links = definition.follow_up(given, earlier)
        event, key = await self.stores.events.create_event(definition.validate(given), logo=logo_file, links=links)
        if earlier is not None and event.series and not earlier.series:
            await self.stores.events.set_series(earlier.code, event.series)
            await self.stores.events.add_to_series(event.series, earlier.code, earlier.created)
        if not given.premoderation:
            await self.stores.questions.configure(event.code, event.expires_at, premoderation=False)
        if event.ticketed:
            await self.tickets.make(event, given.tickets)
        return event, key

    async def ensure_demo(self) -> tuple[Event, str]:
        """The demo debate, created on first start and kept afterwards."""
        events = self.stores.events
        code = await events.demo_code()
        if code:
            event, found = await events.load_event(code), await events.event_secrets(code)
            if event is not None and found is not None:
                return event, found[0]
        event, moderator_key = await self.create_event(definition.demo())
        await events.set_demo_code(event.code)
        return event, moderator_key

    async def earlier_event(self, code: str) -> Event | None:
        """An event or an archive to follow up or link to (the archive when both are there)."""
        code = definition.normalize_code(code) or ""
        kept = await self.stores.archives.load(code) if code else None
        if kept is not None:
            return archive.to_event(kept)
        return await self.stores.events.load_event(code) if code else None

    async def event(self, code: str) -> Event | None:
        return await self.stores.events.load_event(code)

    async def list_events(self) -> list[dict]:
        return await self.stores.events.list_events()

    async def delete_event(self, event: Event) -> None:
        """Remove every key of the event, then close its sockets on every worker."""
        await self.stores.events.delete_event(event)
        await self.bus.event_deleted(event.code)

    async def logo(self, event: Event) -> tuple[str, bytes] | None:
        return await self.stores.events.load_logo(event.code) if event.has_logo else None

    # --- the moderator's commands -----------------------------------------------------

    async def command(self, event: Event, name: str, argument: str | bool | None = None,
                      round_: int = 1, by: str | None = None) -> DebateState | None:
        """Apply a moderator command atomically and notify every worker. Raises RuleError.
        Excluding flagged identities (or showing them again) is recorded in the audit log."""
        record = {"at": now_ms(), "action": name, "on": argument, "by": by} if name == "exclude_flagged" else None
        return await self._transition(event, lambda state: apply(event, state, name, argument, round_), record)

    async def countdown(self, event: Event, seconds: int | None, close: bool) -> DebateState | None:
        now = now_ms()
        return await self._transition(event, lambda state: countdown(state, seconds, close, now))

    async def control(self, event: Event, action: str) -> DebateState:
        """A control-desk action (control.py): the console's commands by name, plus
        next / previous proposition and pinning the next question of the wall. Returns
        the state after it (unchanged when the action changed nothing)."""
        def change(state: DebateState) -> DebateState | None:
            if action in ("next", "previous"):
                at = event.proposition(state.current).index if state.current else -1
                target = at + (1 if action == "next" else -1)
                if not 0 <= target < len(event.propositions):
                    return None
                return apply(event, state, "goto", event.propositions[target].id)
            if action in ("wall", "proposition"):
                return apply(event, state, "screen", "questions" if action == "wall" else "proposition")
            return apply(event, state, action, round_=state.status(state.current).round)
        if action == "pin_next":
            await self.pin_next_question(event)
            return await self.stores.state.load_state(event.code)
        if action in ("exclude_flagged", "include_flagged"):  # recorded, like the console's button
            return await self.command(event, "exclude_flagged", action == "exclude_flagged", by="control desk") \
                or await self.stores.state.load_state(event.code)
        return await self._transition(event, change) or await self.stores.state.load_state(event.code)

    async def pin_next_question(self, event: Event) -> None:
        """Pin the question after the pinned one in the wall's order (the first if none is)."""
        lists = await self.stores.questions.lists(event.code, moderator=False)
        wall = questions.wall_order(lists.listed, lists.wall)
        if not wall:
            raise RuleError("unknown_question")
        pinned = next((i for i, q in enumerate(wall) if q.pinned), None)
        following = wall[0] if pinned is None else wall[(pinned + 1) % len(wall)]
        await self.moderate_question(event, following.id, "pin")

    async def close_if_expired(self, code: str) -> None:
        """Called by any worker when a countdown runs out; only the first one changes anything."""
        event = await self.event(code)
        if event is None:
            return
        now = now_ms()
        await self._transition(event, lambda state: apply(event, state, "close") if expired(state, now) else None)

    async def _transition(self, event: Event, change, record: dict | None = None) -> DebateState | None:
        state = await self.stores.state.transition(event.code, change,
                                                   lambda new: self.bus.state_notice(event.code, new),
                                                   record, event.expires_at)
        if state is not None:
            await self.bus.settle_tally(event.code)  # the screens' count first
            self.bus.show_state(event.code, state)  # this worker at once; the others by the notice
        return state

    # --- participants -----------------------------------------------------------------

    async def cast_vote(self, event: Event, participant: str, proposition: str, choice: str) -> int:
        """Store a vote (last vote wins); returns its round. Raises RuleError, StoreUnavailable."""
        if event.proposition(proposition) is None:
            raise RuleError("unknown_proposition")
        if choice not in event.choices:
            raise RuleError("bad_choice")
        outcome = await self.stores.votes.cast_vote(event.code, proposition, participant, choice, event.expires_at)
        if outcome.error is not None:
            raise RuleError(outcome.error)
        self.bus.note_vote(event.code, proposition, outcome.round, outcome.version)
        return outcome.round

    async def set_perspective(self, event: Event, participant: str, perspective: str | None) -> None:
        """The perspective a participant speaks from (None: not said). Never shown individually.
        While voting is open, the participant's open vote moves with it (attribution)."""
        index = event.perspective_index(perspective)
        if perspective is not None and index is None:
            raise RuleError("unknown_perspective")
        await self.tickets.require(event, participant)
        moved = await self.stores.votes.set_perspective(event.code, participant, index, event.expires_at)
        if moved is not None:  # the open vote now counts under the new perspective
            self.bus.note_vote(event.code, *moved)

    async def perspective_name(self, event: Event, participant: str) -> str | None:
        if not event.perspectives:
            return None
        index = await self.stores.votes.perspective_of(event.code, participant)
        if index is not None and 1 <= index <= len(event.perspectives):
            return event.perspectives[index - 1]
        return None

    async def snapshot(self, event: Event, participant: str | None = None, fresh: bool = False) -> Snapshot:
        """Read what a joining socket needs; a fresher state or tally than this worker had
        is passed on to its room (and so to everyone else here) as well. `fresh`: a phone
        whose identity was minted just now, so nothing of its own is stored yet."""
        shown = self._shown_here(event) if fresh else None
        if shown is not None:
            return shown
        state = await self.stores.state.load_state(event.code)
        tally = figures = unflagged = my_vote = my_perspective = round1 = None
        if state.position is not None:
            tally = await self.stores.votes.read_tally(event.code, *state.position)
            figures = results.round_figures(tally, event.perspectives, event.min_group)
            unflagged = results.round_figures(results.without_flagged(tally), event.perspectives,
                                              event.min_group) if results.flagged_any(tally) else figures
            if state.position[1] == 2:
                first = await self.stores.votes.read_tally(event.code, state.current, 1)
                round1 = results.round_summary(results.round_figures(first, event.perspectives, event.min_group))
            if participant is not None:
                my_vote = await self.stores.votes.read_vote(event.code, *state.position, participant)
        if participant is not None:
            my_perspective = await self.perspective_name(event, participant)
        # Read everything before showing the state here: a wait after it would let the room's
        # state (without this phone's own vote) reach this socket before its snapshot.
        my_ticket = await self.tickets.status(event, participant) if participant else None
        self.bus.show_state(event.code, state)
        room = self.bus.rooms.get(event.code)
        if room is not None and tally is not None:
            room.set_tally(tally)
        comparison = room.comparison if room is not None and room.state.seq == state.seq else None
        return Snapshot(state, tally, figures, my_vote, my_perspective, comparison, my_ticket, unflagged, round1)

    def _shown_here(self, event: Event) -> Snapshot | None:
        """What this worker's room of the event shows everyone, when it has all of it (a
        hall joining at once then costs Redis nothing). The room is kept current by the
        notices, as for every socket already in it, and the socket joined it first, so
        nothing shown after this is missed."""
        room = self.bus.rooms.get(event.code)
        if room is None or not self.bus.rooms.healthy or room.state is None:
            return None
        state = room.state
        if state.position is not None and (room.tally is None or (state.position[1] == 2 and room.round1 is None)
                                           or (room.wants_comparison(later=True) and room.comparison is None)):
            return None
        return Snapshot(state, room.tally, room.figures, comparison=room.comparison,
                        my_ticket=False if event.ticketed else None, unflagged=room.unflagged, round1=room.round1)

    # --- questions --------------------------------------------------------------------

    async def ask(self, event: Event, participant: str, text: str, name: str | None,
                  to: str | None = None) -> tuple[str, str, int]:
        """Store a question from the floor. Returns (question id, status, questions version).
        Raises RuleError."""
        text, name = questions.clean_question(text), questions.clean_name(name)
        if to is not None and event.perspective_index(to) is None:
            raise RuleError("unknown_perspective")
        await self.tickets.require(event, participant)
        asker = await self.perspective_name(event, participant)
        result = await self.stores.questions.ask(event.code, participant, text, name, questions.ASKS_PER_MINUTE,
                                                 60_000, event.expires_at, perspective=asker, to=to)
        if isinstance(result, str):
            raise RuleError(result)
        question, status, version = result
        await self.bus.announce_questions(event.code, version)
        return question, status, version

    async def upvote(self, event: Event, participant: str, question: str, on: bool) -> int:
        await self.tickets.require(event, participant)
        result = await self.stores.questions.upvote(event.code, question, participant, on, event.expires_at)
        if isinstance(result, str):
            raise RuleError(result)
        votes, version = result
        await self.bus.announce_questions(event.code, version)
        return votes

    async def moderate_question(self, event: Event, question: str, action: str) -> str:
        result = await self.stores.questions.moderate(event.code, question, action)
        if isinstance(result, str):
            raise RuleError(result)
        status, version = result
        await self.bus.announce_questions(event.code, version)
        return status

    async def configure_questions(self, event: Event, premoderation: bool | None = None,
                                  wall: str | None = None) -> None:
        version = await self.stores.questions.configure(event.code, event.expires_at, premoderation, wall)
        await self.bus.announce_questions(event.code, version)

    async def question_lists(self, event: Event, role: str, participant: str | None = None,
                             fresh: bool = False) -> tuple[QuestionLists, list[str] | None]:
        """The question lists one joining socket may see, with a phone's own upvotes
        (`fresh`: a phone minted just now, which has none: the room's newest lists do)."""
        room = self.bus.rooms.get(event.code) if fresh and role == "audience" else None
        if room is not None and room.questions is not None and self.bus.rooms.healthy:
            return room.questions, []
        lists = await self.stores.questions.lists(event.code, moderator=role == "moderator",
                                                  own_of=[participant] if participant else [])
        if room is not None:
            room.remember_questions(lists)  # the next phones minted here need not read them
        if role != "audience":
            return lists, None
        shown = [q.id for q in questions.wall_order(lists.listed, lists.wall)]
        shown += [q.id for q in lists.own_waiting.get(participant, [])]
        return lists, await self.stores.questions.upvoted(event.code, participant, shown)
