"""The notices workers send each other on an event's channel: one tagged msgspec codec.
Redis holds the truth; a notice only rings the bell (live/bus.py acts on it).

| notice    | payload                         | sent when                                 |
|-----------|---------------------------------|-------------------------------------------|
| state     | the state's fields (store.state) | a transition, inside its MULTI (+ the propositions or perspectives after an edit) |
| tally     | a model.Tally                    | after a burst of votes on one worker     |
| questions | the questions version            | a question was asked, upvoted, moderated |
| revoke    | only (a session, "key"), everyone | moderators logged out (one device; new key); everyone: the event was deleted |
"""

from __future__ import annotations

import msgspec

from .model import Tally


class Notice(msgspec.Struct, tag_field="kind"):
    code: str


class StateNotice(Notice, tag="state"):
    state: dict[str, str]
    propositions: list[dict] | None = None  # after an edit of the debate: the new list (proposition_list.stored)
    perspectives: list[str] | None = None  # after the perspectives were changed: the new ones


class TallyNotice(Notice, tag="tally"):
    tally: Tally


class QuestionsNotice(Notice, tag="questions"):
    version: int


class RevokeNotice(Notice, tag="revoke"):
    only: str | None = None  # "key": a new key, sockets opened with the old one; a session id: that device
    everyone: bool = False  # the event was deleted: every socket, not only the moderators'


_notice_decoder = msgspec.json.Decoder(StateNotice | TallyNotice | QuestionsNotice | RevokeNotice)


def encode_notice(notice: Notice) -> bytes:
    return msgspec.json.encode(notice)


def decode_notice(data: bytes | str) -> Notice:
    """Raises msgspec.DecodeError or msgspec.ValidationError for a malformed notice."""
    return _notice_decoder.decode(data)
