"""What a socket's commands do: one handler per command (commands.COMMANDS says which
role may send which), and the snapshot a socket is sent on joining and on sync.

Transport only: turns commands into calls on the use cases and their results into
messages; a RuleError or StoreUnavailable is answered by the receiving loop (sockets.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec

from . import commands, protocol
from .clock import now_ms
from .errors import StoreUnavailable
from .model import MODERATOR_COMMANDS, Event
from .outbox import ASKING, Outbox
from .rooms import Room

if TYPE_CHECKING:
    from .debate import Debate


@dataclass
class Connection:
    """One accepted socket: who it is, for which event, and where its messages go."""

    debate: "Debate"
    room: Room
    outbox: Outbox
    minted_here: bool = False  # its identity was minted on this socket (it never loaded the page)
    voted: bool = False

    @property
    def event(self) -> Event:
        return self.room.event  # the newest definition: the debate may be edited on the night


async def send_snapshot(connection: Connection, joining: bool = False) -> None:
    """What a socket is sent on joining and on sync: the state, the tally, the questions
    (a sync always reads Redis; so does a join, unless its identity was minted on it)."""
    fresh = joining and connection.minted_here
    debate, event, outbox = connection.debate, connection.event, connection.outbox
    try:
        snapshot = await debate.snapshot(event, outbox.participant, fresh)
        state = snapshot.state
        outbox.state(state.seq, protocol.state_for(event, state, now_ms(), outbox.role, snapshot.my_vote,
                                                   snapshot.my_perspective, snapshot.my_ticket), force=True)
        if snapshot.tally is not None:
            view = protocol.tally_view(snapshot.tally, snapshot.figures, state.seq, outbox.role,
                                       state.status(state.current).revealed, event, snapshot.comparison,
                                       snapshot.unflagged, state.exclude_flagged, snapshot.round1)
            if view is not None:
                outbox.tally(protocol.encode(view))
        lists, upvoted = await debate.question_lists(event, outbox.role, outbox.participant, fresh)
        outbox.questions(protocol.questions_for(outbox.role, lists, outbox.participant, upvoted))
    except StoreUnavailable:
        outbox.reply(protocol.error("retry_later", outbox.language))


# --- one handler per command (commands.COMMANDS says which role may send which) --------

async def _vote(c: Connection, command: commands.Vote) -> None:
    await c.debate.cast_vote(c.event, c.outbox.participant, command.proposition, command.choice)
    c.voted = True
    c.outbox.reply(protocol.ack(command.id))


async def _sync(c: Connection, command: commands.Sync) -> None:
    await send_snapshot(c)


async def _ask(c: Connection, command: commands.Ask) -> None:
    # Before asking: the refresh that the question triggers must include the asker's own list.
    before, c.outbox.waiting, version = c.outbox.waiting, ASKING, None
    try:
        question, state, version = await c.debate.ask(c.event, c.outbox.participant, command.text,
                                                      command.name, command.to)
    finally:  # this ask's version while it waits; after an error, or shown at once, as it was
        c.outbox.waiting = version if version is not None and state == "waiting" else before
    c.outbox.reply(protocol.ack(command.id, question=question, status=state))


async def _upvote(c: Connection, command: commands.Upvote) -> None:
    votes = await c.debate.upvote(c.event, c.outbox.participant, command.question, command.on)
    c.outbox.reply(protocol.ack(command.id, question=command.question, votes=votes, on=command.on))


async def _perspective(c: Connection, command: commands.Perspective) -> None:
    await c.debate.set_perspective(c.event, c.outbox.participant, command.value)
    c.outbox.reply(protocol.ack(command.id, perspective=command.value))


async def _ticket(c: Connection, command: commands.Ticket) -> None:
    await c.debate.tickets.redeem(c.event, c.outbox.participant, command.code)
    c.outbox.reply(protocol.ack(command.id, ticket=True))


async def _moderate_question(c: Connection, command: commands.ModerateQuestion) -> None:
    await c.debate.moderate_question(c.event, command.question, command.action)
    c.outbox.reply(protocol.ack(command.id))


async def _hand_count(c: Connection, command: commands.HandCount) -> None:
    await c.debate.editing.set_hand_count(c.event, command.proposition, command.round,
                                          msgspec.structs.asdict(command.counts), command.perspective)
    c.outbox.reply(protocol.ack(command.id))


async def _hand_counts(c: Connection, command: commands.Simple) -> None:
    c.outbox.reply(protocol.ack(command.id, items=await c.debate.editing.hand_counts(c.event)))


async def _edit_propositions(c: Connection, command) -> None:
    """add_proposition, edit_proposition, move_proposition, remove_proposition."""
    action = type(command).__name__.removesuffix("Proposition").lower()
    fields = (getattr(command, name, None) for name in ("proposition", "text", "after", "index"))
    added = await c.debate.editing.edit_propositions(c.event, action, *fields,
                                                     plain=getattr(command, "plain", msgspec.UNSET))
    c.outbox.reply(protocol.ack(command.id, **({"proposition": added} if added else {})))


async def _link_proposition(c: Connection, command: commands.LinkProposition) -> None:
    given = command.previous
    linked = await c.debate.editing.link(c.event, command.proposition,
                                         None if given is None else (given.code, given.proposition))
    c.outbox.reply(protocol.ack(command.id, proposition=command.proposition,
                                previous=None if linked is None else {"code": linked[0], "proposition": linked[1]}))


async def _edit_perspectives(c: Connection, command: commands.EditPerspectives) -> None:
    await c.debate.editing.edit_perspectives(c.event, command.perspectives)
    c.outbox.reply(protocol.ack(command.id, perspectives=list(c.event.perspectives)))


async def _countdown(c: Connection, command: commands.Countdown) -> None:
    await c.debate.countdown(c.event, command.seconds, command.close)
    c.outbox.reply(protocol.ack(command.id))


async def _question_settings(c: Connection, command: commands.QuestionSettings) -> None:
    await c.debate.configure_questions(c.event, command.premoderation, command.wall)
    c.outbox.reply(protocol.ack(command.id))


def _debate_command(name: str):
    """goto, open, close, reveal, hide, screen, compare, exclude_flagged, join_panel: one rule each in model.apply."""
    async def handle(c: Connection, command) -> None:
        argument = next((getattr(command, f) for f in ("show", "proposition", "on", "size") if hasattr(command, f)),
                        None)
        await c.debate.command(c.event, name, argument, getattr(command, "round", 1), by=c.outbox.who)
        c.outbox.reply(protocol.ack(command.id))
    return handle


HANDLERS = {
    "vote": _vote, "ticket": _ticket, "sync": _sync, "ask": _ask, "upvote": _upvote, "perspective": _perspective,
    "question": _moderate_question, "hand_count": _hand_count, "hand_counts": _hand_counts,
    **dict.fromkeys(("add_proposition", "edit_proposition", "move_proposition", "remove_proposition"),
                    _edit_propositions),
    "edit_perspectives": _edit_perspectives, "link_proposition": _link_proposition, "countdown": _countdown,
    "settings": _question_settings,
    **{name: _debate_command(name) for name in MODERATOR_COMMANDS},
}
