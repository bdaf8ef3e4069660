"""One event's room on this worker: its outboxes and the newest state and tally seen,
and the fan-out of each to every socket by role (every room of the worker: all_rooms.py).

No Redis and no bus: the bus (live/bus.py) feeds rooms what it reads and hears; a room
only decides who gets which message, encoding each message once per role.
"""

from __future__ import annotations

from dataclasses import replace

from . import definition, protocol, results
from .clock import now_ms
from .model import DebateState, Event, Tally
from .outbox import Outbox, Slices, Throttle
from .questions import QuestionLists

PROJECTOR_TALLY_INTERVAL = 0.1  # at most ~10 tally messages a second to projectors and consoles
AUDIENCE_TALLY_INTERVAL = 1.0  # phones: once a second is plenty
# ...but not all at once: 2,000 phone frames sent in one go hold up the screens' tallies
# (and the acks) queued behind them in the event loop, so the phones' tally goes out over
# its second in slices (outbox.Slices), each with the newest tally at its turn.
AUDIENCE_SLICES = 10  # at most this many slices per second...
AUDIENCE_SLICE_MIN = 100  # ...of at least this many phones (a small hall gets it at once)


class Room:
    """One event's sockets on this worker, with the newest state and tally seen."""

    def __init__(self, event: Event):
        self.event = event  # the definition, for what each role may see (replaced when the debate is edited)
        # the state seq of the newest edit applied here: a late notice never brings back an older list
        self.edited_seq = {"propositions": -1, "perspectives": -1}
        self.code = event.code
        self.outboxes: dict[str, set[Outbox]] = {role: set() for role in protocol.ROLES}
        self.state: DebateState | None = None  # a cache of Redis, by seq
        self.view: dict | None = None  # the state as sent, rendered once per change
        self.tally: Tally | None = None  # the newest tally of the current proposition and round
        self.figures: dict | None = None  # its figures, computed once per tally
        self.unflagged: dict | None = None  # and without flagged identities (the same when none are)
        self.comparison: dict | None = None  # round 1 against round 2, once round 2 is closed
        self.comparison_seq = -1  # the state it was (or is being) computed for
        self.round1: dict | None = None  # round 1's figures while the hall is in round 2 (results.round_summary)
        self.online = 0
        self.reported_online = -1
        # Projectors and consoles see a live count often; phones (only once revealed) rarely.
        self.screens_throttle = Throttle(PROJECTOR_TALLY_INTERVAL, self._send_screen_tallies)
        self.audience_throttle = Throttle(AUDIENCE_TALLY_INTERVAL, self._send_audience_tallies)
        # The phones' tally in slices (only this worker's scheduling: the tally is Redis's),
        # and the audience's tally encoded once for everyone, with what it was encoded from.
        self.audience_slices = Slices(AUDIENCE_TALLY_INTERVAL, AUDIENCE_SLICES, AUDIENCE_SLICE_MIN,
                                      self._audience_tally, lambda: self.outboxes["audience"])
        self._audience_message: tuple[tuple, str | None] | None = None
        self.questions: QuestionLists | None = None  # the newest lists given to the sockets here

    def empty(self) -> bool:
        return not any(self.outboxes.values())

    def close(self) -> None:
        self.screens_throttle.cancel()
        self.audience_throttle.cancel()
        self.audience_slices.cancel()

    def everyone(self):
        """Every socket here, the screens first (a state reaches the projector before the hall)."""
        for role in ("moderator", "projector", "audience"):
            yield from self.outboxes[role]

    # --- state --------------------------------------------------------------------

    def set_state(self, state: DebateState, force: bool = False) -> bool:
        """Take a newer state and pass it on. Returns True if the proposition or round changed."""
        if self.state is not None and (state.seq < self.state.seq or (state.seq == self.state.seq and not force)):
            return False
        previous = self.state
        self.state = state
        self.view = protocol.state_view(self.event, state, now_ms())
        message = protocol.encode(self.view)
        moved = previous is None or previous.position != state.position
        if moved or not self.wants_comparison(later=True):
            self.comparison = None
        if moved:
            self.tally = self.figures = self.round1 = None
        # Revealing or hiding changes what each role may see of the same tally: it goes with
        # the state, in one turn of each socket (a reveal reaches the hall at once, not in slices).
        tallies = {}
        if self.tally is not None:
            self.audience_slices.cancel()
            tallies = {role: self.tally_message(role) for role in ("moderator", "projector")}
            tallies["audience"] = self._audience_tally()
        for outbox in self.everyone():
            outbox.state(state.seq, message, force, wake=False)
            tally = tallies.get(outbox.role)
            if tally is not None:
                outbox.tally(tally, wake=False)
            outbox.wake()
        return moved

    @property
    def revealed(self) -> bool:
        return self.state is not None and self.state.status(self.state.current).revealed

    # --- tallies ------------------------------------------------------------------

    def wants_comparison(self, later: bool = False) -> bool:
        """Round 2 of the current proposition is closed and this state has no comparison yet
        (`later`: whether it is round 2 closed at all)."""
        if self.state is None or self.state.position is None or self.state.position[1] != 2:
            return False
        closed = self.state.status(self.state.current).phase.value == "closed"
        return closed and (later or self.comparison_seq != self.state.seq)

    def claim_comparison(self) -> bool:
        """Whether to read the comparison now (then nobody else here reads it for this state)."""
        wanted = self.wants_comparison()
        if wanted:
            self.comparison_seq = self.state.seq
        return wanted

    def set_comparison(self, first: Tally, second: Tally, choices: tuple[dict, dict]) -> None:
        """Round 1 against round 2 (votes frozen): sent with every tally from now on."""
        if self.state is None or self.state.position != (second.proposition, 2):
            return
        if self.state.exclude_flagged:  # the comparison follows the moderator's exclusion
            first, second = results.without_flagged(first), results.without_flagged(second)
        figures = [results.round_figures(t, self.event.perspectives, self.event.min_group) for t in (first, second)]
        self.comparison = results.before_after(*figures, results.transitions(*choices), self.event.min_group)
        if self.tally is not None:
            self.send_tally(protocol.ROLES)

    def set_round1(self, first: Tally) -> None:
        """Round 1 of the current proposition while it is in round 2: sent beside round 2's tallies."""
        if self.state is None or self.state.position != (first.proposition, 2) or first.round != 1:
            return
        self.round1 = results.round_summary(results.round_figures(first, self.event.perspectives,
                                                                  self.event.min_group))
        if self.tally is not None:
            self.send_tally(protocol.ROLES)

    def set_tally(self, tally: Tally) -> None:
        if self.state is None or self.state.position != (tally.proposition, tally.round):
            return
        if self.tally is not None and tally.version <= self.tally.version:
            return
        self.tally = tally
        self.figures = results.round_figures(tally, self.event.perspectives, self.event.min_group)
        self.unflagged = results.round_figures(results.without_flagged(tally), self.event.perspectives,
                                               self.event.min_group) if results.flagged_any(tally) else self.figures
        self.screens_throttle.trigger()
        if self.revealed:
            self.audience_throttle.trigger()

    def tally_message(self, role: str) -> str | None:
        """The current tally as one role may see it, or None."""
        if self.tally is None or self.state is None:
            return None
        view = protocol.tally_view(self.tally, self.figures, self.state.seq, role, self.revealed, self.event,
                                   self.comparison, self.unflagged, self.state.exclude_flagged, self.round1)
        return None if view is None else protocol.encode(view)

    def send_tally(self, roles: tuple[str, ...]) -> None:
        """The current tally to these roles: screens at once (first), phones in slices."""
        for role in roles:
            if role == "audience":
                continue
            message = self.tally_message(role)
            if message is not None:
                for outbox in self.outboxes[role]:
                    outbox.tally(message)
        if "audience" in roles:
            self._send_audience_tallies()

    def _send_screen_tallies(self) -> None:
        self.send_tally(("moderator", "projector"))

    def _send_audience_tallies(self) -> None:
        self.audience_slices.start()

    def _audience_tally(self) -> str | None:
        """The tally as phones may see it now (None while hidden: asked at each slice, so
        after a hide no phone gets it), encoded once per change."""
        basis = (self.tally, self.state, self.event, self.comparison, self.round1)  # all replaced, never changed
        cached = self._audience_message
        if cached is None or any(a is not b for a, b in zip(cached[0], basis)):
            cached = self._audience_message = (basis, self.tally_message("audience"))
        return cached[1]

    # --- questions and presence ---------------------------------------------------

    def waiting_askers(self) -> list[str]:
        """Participants here with questions waiting for moderation (their lists differ)."""
        return [outbox.participant for outbox in self.outboxes["audience"] if outbox.waiting]

    def send_questions(self, lists: QuestionLists) -> None:
        """Give each socket its view of one read of the question lists."""
        self.remember_questions(lists)
        wall = protocol.wall_items(lists)
        public = protocol.public_questions(lists, wall)
        for outbox in self.outboxes["projector"]:
            outbox.questions(public)
        for outbox in self.outboxes["audience"]:
            if lists.own_waiting.get(outbox.participant):
                outbox.questions(protocol.own_questions(lists, wall, outbox.participant))
            else:
                # Nothing waiting any more only if this read asked for the participant's own
                # list and saw their newest ask: a read that began before it (a resync, an
                # upvote's refresh) must not drop them from the refresh their ask triggers.
                if outbox.participant in lists.own_waiting and 0 < outbox.waiting <= lists.version:
                    outbox.waiting = 0
                outbox.questions(public)
        if self.outboxes["moderator"]:
            message = protocol.moderator_questions(lists)
            for outbox in self.outboxes["moderator"]:
                outbox.questions(message)

    def remember_questions(self, lists: QuestionLists) -> None:
        """Keep the newest read of the question lists (what a phone minted here is given)."""
        if self.questions is None or lists.version >= self.questions.version:
            self.questions = lists

    def send_presence(self, message: str) -> None:
        for outbox in self.outboxes["moderator"]:
            outbox.presence(message)

    @property
    def moderators(self) -> int:
        return len(self.outboxes["moderator"])

    def _newer_edit(self, kind: str, seq: int) -> bool:
        if seq <= self.edited_seq[kind]:
            return False
        self.edited_seq[kind] = seq
        return True

    def set_propositions(self, stored: list[dict] | None, seq: int) -> None:
        """The debate was edited (in state `seq`): the new list (proposition_list.stored), and
        the consoles are told."""
        if stored is None or not self._newer_edit("propositions", seq):
            return
        self.event = replace(self.event, propositions=definition.proposition_ids(stored))
        message = protocol.propositions(self.event)
        for outbox in self.outboxes["moderator"]:
            outbox.reply(message)

    def set_perspectives(self, names: list[str] | None, seq: int) -> None:
        """The perspectives were changed (before the first vote; in state `seq`): every client is told."""
        if names is None or not self._newer_edit("perspectives", seq):
            return
        self.event = replace(self.event, perspectives=tuple(names))
        message = protocol.perspectives(self.event)
        for outbox in self.everyone():
            outbox.reply(message)

    def close_moderators(self, code: int, only: str | None = None) -> None:
        """Every moderator socket; with `only`, those opened with the key ("key") or one session."""
        for outbox in list(self.outboxes["moderator"]):
            if only is None or (outbox.by_key if only == "key" else outbox.session == only):
                outbox.close(code)

    def close_everyone(self, code: int) -> None:
        for outbox in list(self.everyone()):
            outbox.close(code)
