"""What each role is shown: every outgoing message is built here, so that what the
audience, the projector and the moderator may see is decided in one place.

Pure: no I/O (the server's clock is passed in). Figures come from `results`, computed
once per tally by the room; a view only chooses what a role may see of them.
"""

from __future__ import annotations

import orjson

from .i18n import N_, translations
from .model import DebateState, Event, Tally
from .questions import MAX_NAME, MAX_QUESTION, QuestionLists, item, wall_order

ROLES = ("audience", "projector", "moderator")


# Human text for each error code, translated per connection language when sent.
ERROR_TEXT = {
    "bad_json": N_("The message could not be read."),
    "bad_message": N_("The message is not valid."),
    "unknown_type": N_("This kind of message is not known here."),
    "not_allowed": N_("You are not allowed to do this."),
    "voting_closed": N_("Voting is closed."),
    "unknown_proposition": N_("This proposition does not exist."),
    "bad_choice": N_("This choice is not available for this proposition."),
    "no_proposition": N_("Choose a proposition first."),
    "retry_later": N_("The server cannot store this right now. It will be sent again."),
    "rate_limited": N_("Too many messages. Please slow down."),
    "too_big": N_("The message is too long."),
    "empty": N_("Please write a question first."),
    "too_long": N_("A question can be at most %(max)d characters."),
    "name_too_long": N_("A name can be at most %(max)d characters."),
    "invalid_text": N_("This text contains characters that cannot be used."),
    "unknown_question": N_("This question does not exist (any more)."),
    "question_rejected": N_("A rejected question cannot be pinned."),
    "unknown_perspective": N_("This perspective is not one of this event's."),
    "bad_round": N_("There are only two rounds."),
    "round_over": N_("A later round has already been opened."),
    "has_votes": N_("This proposition has votes: it cannot be removed (its text can still be edited)."),
    "is_current": N_("This proposition is on the screen now: move to another one first."),
    "bad_index": N_("There is no such place in the list of propositions."),
    "proposition_text": N_("A proposition needs a text of at most 500 characters."),
    "unknown_previous_event": N_("There is no earlier debate or archive with this code on this server."),
    "unknown_previous_proposition": N_("The earlier debate has no such proposition."),
    "hand_count_mode": N_("A show of hands is already saved for the other kind of group (whole hall or per "
                          "perspective) in this round: clear that one first, so that nobody is counted twice."),
    "votes_cast": N_("Votes have been cast: the perspectives can no longer be changed."),
    "perspective_names": N_("At most 10 perspectives of at most 40 characters each, every name once."),
    "ticket_required": N_("This event is for ticket holders: enter the code on your ticket first."),
    "unknown_ticket": N_("This ticket code is not right. Check it and try again."),
    "ticket_used": N_("This ticket has already been used on another phone."),
    "unknown_event": N_("There is no event with this code."),
    "plain_text": N_("A plain-language line has at most 500 characters."),
}
ERROR_LIMITS = {"too_long": MAX_QUESTION, "name_too_long": MAX_NAME}


def encode(message: dict) -> str:
    return orjson.dumps(message).decode()


def error_text(code: str, language: str) -> str:
    """The human text of an error code, in the user's language."""
    text = translations(language).gettext(ERROR_TEXT.get(code, ERROR_TEXT["bad_message"]))
    return text % {"max": ERROR_LIMITS[code]} if code in ERROR_LIMITS else text


def error(code: str, language: str, message_id: object = None) -> str:
    return encode({"type": "error", "id": message_id, "code": code, "message": error_text(code, language)})


def ack(message_id: object, **fields) -> str:
    """The answer to a command that was carried out; some commands add what they changed."""
    return encode({"type": "ack", "id": message_id, **fields})


def event_view(event: Event, role: str) -> dict:
    view = {"code": event.code, "title": event.title, "language": event.language,
            "allow_neutral": event.allow_neutral, "choices": list(event.choices),
            "total": len(event.propositions), "perspectives": list(event.perspectives),
            "min_group": event.min_group, "ticketed": event.ticketed}
    if role == "moderator":
        view["propositions"] = proposition_list(event)
    return view


def proposition_list(event: Event) -> list[dict]:
    return [{"id": p.id, "text": p.text, "index": p.index, "plain": p.plain,
             **({"earlier": list(p.earlier)} if p.earlier else {}),
             **({"linked": True} if p.previous else {})} for p in event.propositions]


def propositions(event: Event) -> str:
    """To the consoles after an edit of the debate: every proposition, in the new order."""
    return encode({"type": "propositions", "propositions": proposition_list(event), "total": len(event.propositions)})


def perspectives(event: Event) -> str:
    """To every client after the perspectives were changed (before the first vote)."""
    return encode({"type": "perspectives", "perspectives": list(event.perspectives)})


def welcome(event: Event, role: str, participant_token: str | None = None) -> str:
    message = {"type": "welcome", "role": role, "event": event_view(event, role)}
    if participant_token is not None:
        message["participant"] = participant_token
    return encode(message)


def state_view(event: Event, state: DebateState, server_time: int) -> dict:
    """The public state: the same for every role (the audience's snapshot adds its own vote)."""
    proposition = event.proposition(state.current) if state.current else None
    status = state.status(state.current)
    return {
        "type": "state",
        "seq": state.seq,
        "proposition": None if proposition is None else
        {"id": proposition.id, "text": proposition.text, "index": proposition.index, "plain": proposition.plain,
         **({"linked": True} if proposition.previous else {})},  # has a predecessor: "history" can be shown
        "phase": status.phase.value,
        "revealed": status.revealed,
        "round": status.round,
        "total": len(event.propositions),
        "screen": state.screen,
        "compare": state.compare,
        "exclude_flagged": state.exclude_flagged,
        "join_panel": state.join_panel,
        "deadline": state.deadline,
        "auto_close": state.auto_close,
        "server_time": server_time,
    }


def state_for(event: Event, state: DebateState, server_time: int, role: str, my_vote: str | None = None,
              my_perspective: str | None = None, my_ticket: bool | None = None) -> str:
    """The state for one joining socket: a phone also gets its own vote and perspective
    (and in a ticketed event whether it holds a ticket)."""
    view = state_view(event, state, server_time)
    if role == "audience":
        view.update(my_vote=my_vote, my_perspective=my_perspective)
        if my_ticket is not None:
            view["my_ticket"] = my_ticket
    return encode(view)


def tally_view(tally: Tally, figures: dict, seq: int, role: str, revealed: bool, event: Event,
               comparison: dict | None = None, unflagged: dict | None = None, exclude: bool = False,
               round1: dict | None = None) -> dict | None:
    """What a role may see of a tally; None when the role sees nothing (hidden audience).

    The split by perspective is guarded: a group under the event's minimum is null.
    `unflagged`: the figures without flagged identities (results.without_flagged), which
    everyone but the moderator sees while the moderator excludes them (`exclude`); the
    moderator always sees both. A round-2 tally carries round 1's figures (`round1`)
    beside it, under the same rule.
    """
    if role == "audience" and not revealed:
        return None
    unflagged = unflagged or figures
    if exclude and role != "moderator":
        figures = unflagged
    message = {"type": "tally", "seq": seq, "proposition": tally.proposition, "round": tally.round,
               "voters": figures["voters"]}
    if role == "projector" and not revealed and event.perspectives:
        # Sealed turnout: how many voted per perspective (guarded), never the split.
        message["turnout"] = {name: None if group is None else group["voters"]
                              for name, group in figures["by_perspective"].items()}
    if role == "moderator":
        message["flagged"] = tally.flagged  # the part of counts from flagged identities (docs/security.md)
        message["unflagged"] = {"counts": unflagged["counts"], "voters": unflagged["voters"]}
        message["exclude_flagged"] = exclude
    if role == "moderator" or revealed:
        message["counts"] = figures["counts"]
        if figures["manual"]:
            message["manual"] = figures["manual"]
        message["channels"] = figures["channels"]  # hall, stream and hands apart (guarded)
        if event.perspectives:
            message["by_perspective"] = figures["by_perspective"]
            message["equal_weight"] = figures["equal_weight"]
            message["equal_weight_groups"] = figures["equal_weight_groups"]
            message["marker"] = figures["marker"]
        if round1 is not None and tally.round == 2:
            message["round1"] = round1  # round 1 beside round 2, as soon as round 2 may be seen
        if comparison is not None and tally.round == 2:
            message["before_after"] = comparison  # round 1 against round 2, once round 2 is closed
    return message


def presence(online: int, moderators: int | None = None, alerts: dict[str, int] | None = None) -> str:
    message = {"type": "presence", "online": online, "alerts": alerts or {}}
    if moderators is not None:
        message["moderators"] = moderators  # moderator devices connected (sockets), this one included
    return encode(message)


def _questions(lists: QuestionLists, items: list[dict], upvoted: list[str] | None = None) -> str:
    message = {"type": "questions", "seq": lists.version, "items": items, "premoderation": lists.premoderation,
               "wall": lists.wall}
    if upvoted is not None:
        message["upvoted"] = upvoted
    return encode(message)


def moderator_questions(lists: QuestionLists) -> str:
    """Every question, newest first, with the asker's perspective."""
    return _questions(lists, [item(q, moderator=True) for q in lists.everything])


def wall_items(lists: QuestionLists) -> list[dict]:
    """The listed questions in the order of the wall (the server's order, used everywhere)."""
    return [item(q) for q in wall_order(lists.listed, lists.wall)]


def public_questions(lists: QuestionLists, wall: list[dict]) -> str:
    """The projector's wall, and what a phone sees when it has nothing waiting."""
    return _questions(lists, wall)


def own_questions(lists: QuestionLists, wall: list[dict], participant: str | None,
                  upvoted: list[str] | None = None) -> str:
    """A phone's list: the wall plus its own questions still waiting for moderation."""
    own = [item(q) for q in lists.own_waiting.get(participant, [])]
    return _questions(lists, wall + own, upvoted)


def questions_for(role: str, lists: QuestionLists, participant: str | None = None,
                  upvoted: list[str] | None = None) -> str:
    """The question list one joining socket may see."""
    if role == "moderator":
        return moderator_questions(lists)
    wall = wall_items(lists)
    if role == "projector":
        return public_questions(lists, wall)
    return own_questions(lists, wall, participant, upvoted)


def status(healthy: bool) -> str:
    """Whether the server can reach its data store; while not, what a client shows may be stale."""
    return encode({"type": "status", "redis": "ok" if healthy else "unavailable"})
