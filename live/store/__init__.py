"""All Redis I/O, split by aggregate. Every write that depends on a read is one Lua
script (lua/) or one WATCH/MULTI; every Redis error becomes `errors.StoreUnavailable`
in one place (base.redis_errors). Returns model objects.

| module       | owns                                                            |
|--------------|-----------------------------------------------------------------|
| events.py    | events: create, load, list, delete, logo, moderator key, demo   |
| editing.py   | editing the propositions and perspectives (WATCH/MULTI)         |
| state.py     | the debate's state (WATCH/MULTI, publishing its notice inside)  |
| votes.py     | votes, hand counts, perspectives; the only reader of the counts |
| questions.py | questions from the floor                                        |
| guards.py    | hit counters, alerts, the organiser's session version           |
| tickets.py   | ticketed join: one-time tickets and who redeemed them           |
| presence.py  | connected phones per worker                                     |
| notices.py   | publishing notices and this worker's subscription               |
| sharded.py   | on a cluster: sharded pub/sub, one channel per followed event   |
| batch.py     | the commands of one event-loop tick (of a few ms, while busy) as one pipeline (votes, joins) |
| packing.py   | redis-py's command packing, each argument's wire form remembered |
| connect.py   | the clients: standalone or Redis Cluster, told apart on connect |
| archive.py   | archives, the retention pass's reduction and its lock            |
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from ..keys import Keys
from .archive import ArchiveStore
from .batch import TickBatcher
from .editing import EditingStore
from .events import EventStore
from .guards import GuardStore
from .notices import NoticeStore
from .presence import PresenceStore
from .questions import QuestionStore
from .state import StateStore
from .tickets import TicketStore
from .votes import VoteStore

# While joins (votes) keep coming, the event reads and identity records (the votes) of this
# many seconds share one pipeline (store/batch.py): 10,000 phones joining at once cost ~45 %
# less CPU each, a vote at a hall's pace ~35 % less (docs/performance.md); a join or an
# acknowledgement waits a few milliseconds more.
JOIN_WINDOW = 0.004
VOTE_WINDOW = 0.004

__all__ = ["Stores"]


@dataclass(frozen=True)
class Stores:
    events: EventStore
    editing: EditingStore
    state: StateStore
    votes: VoteStore
    questions: QuestionStore
    guards: GuardStore
    presence: PresenceStore
    notices: NoticeStore
    tickets: TicketStore
    archives: ArchiveStore

    @property
    def keys(self) -> Keys:
        return self.events.keys

    @classmethod
    def open(cls, redis: Redis, subscriber: Redis, keys: Keys, retention_days: int = 90, sharded: bool = False,
             node_client=None, wait: tuple[int, int] = (0, 0)) -> "Stores":
        """Every store on one pooled client; the subscription on its own client (on a
        cluster, `sharded`: clients of single nodes made by `node_client`). `wait`:
        (replicas, ms) a vote waits for before it is acknowledged (WAIT)."""
        notices = NoticeStore(redis, subscriber, keys, sharded, node_client)
        joins = TickBatcher(redis, JOIN_WINDOW)  # what a hall joining at once reads and writes
        return cls(events=EventStore(redis, keys, retention_days, joins), editing=EditingStore(redis, keys, notices),
                   state=StateStore(redis, keys, notices, joins),
                   votes=VoteStore(redis, keys, wait, VOTE_WINDOW, joins), questions=QuestionStore(redis, keys, joins),
                   guards=GuardStore(redis, keys, joins), presence=PresenceStore(redis, keys),
                   notices=notices, tickets=TicketStore(redis, keys, joins), archives=ArchiveStore(redis, keys))
