"""Redis I/O for editing the debate: the list of propositions and the perspectives, each
edit one WATCH/MULTI transaction, atomic against votes and other moderators, that grows
the state's seq and publishes its notice inside."""

from __future__ import annotations

from dataclasses import replace

import orjson
from redis.asyncio import Redis
from redis.exceptions import WatchError

from .. import propositions as proposition_list
from ..errors import RuleError
from ..keys import Keys
from ..model import DebateState, Event
from .base import RedisStore, redis_errors
from .events import event_from_hash
from .state import state_fields, state_from_fields


class EditingStore(RedisStore):
    def __init__(self, redis: Redis, keys: Keys, notices):
        super().__init__(redis, keys)
        self.notices = notices  # how a notice is published (PUBLISH, or SPUBLISH on a cluster)

    @redis_errors
    async def edit_propositions(self, code: str, target: str | None, change, notice) -> tuple[Event, DebateState]:
        """One edit of the list of propositions, atomic against votes and other moderators
        (WATCH on the event, the state and the target's votes and counts; retried when any
        changed). `change(event, current, has_votes, counter)` -> (propositions, counter).
        In the same transaction the state's seq grows and `notice(state, stored)` is
        published, so every client gets the new order, and in the order of the edits."""
        event_key, props_key, state_key = self.keys.event(code), self.keys.props(code), self.keys.state(code)
        watched = [event_key, state_key]
        if target is not None:
            watched += [self.keys.votes(code, target), self.keys.counts(code, target)]
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(*watched)
                    raw = await pipe.hgetall(event_key)
                    event = event_from_hash(code, raw)
                    if event is None:
                        raise RuleError("unknown_event")
                    state = state_from_fields(await pipe.hgetall(state_key))
                    current = state.current
                    has_votes = target is not None and (await pipe.hlen(watched[2]) > 0 or any(
                        f.startswith("m") and int(v) > 0 for f, v in (await pipe.hgetall(watched[3])).items()))
                    propositions, counter = change(event, current, has_votes, int(raw.get("pcounter") or 0))
                    gone = {p.id for p in event.propositions} - {p.id for p in propositions}
                    pipe.multi()
                    pipe.hset(event_key, mapping={"propositions": orjson.dumps(proposition_list.stored(propositions)).decode(),
                                                  "pcounter": str(counter)})
                    for proposition in gone:
                        pipe.hdel(props_key, proposition)
                        pipe.delete(self.keys.votes(code, proposition), self.keys.counts(code, proposition))
                    pipe.hset(props_key, mapping={p.id: p.text for p in propositions})
                    pipe.pexpireat(props_key, event.expires_at)
                    state = replace(state, seq=state.seq + 1)
                    pipe.hset(state_key, mapping=state_fields(state))
                    self.notices.publish_in(pipe, code, notice(state, proposition_list.stored(propositions)))
                    await pipe.execute()
                    return replace(event, propositions=propositions), state
                except WatchError:
                    continue

    @redis_errors
    async def edit_perspectives(self, code: str, names: tuple[str, ...], notice) -> tuple[Event, DebateState]:
        """Replace the perspectives, refused with `votes_cast` once any vote or hand count
        exists (WATCH on the event, the state, the declarations and every proposition's
        votes and counts: a vote in between retries the check). Declared perspectives
        that keep their name keep it (under its new index); the others are withdrawn.
        The state's seq grows and `notice(state)` is published in the same transaction."""
        event_key, state_key, declared_key = self.keys.event(code), self.keys.state(code), self.keys.perspectives(code)
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(event_key, state_key, declared_key)
                    event = event_from_hash(code, await pipe.hgetall(event_key))
                    if event is None:
                        raise RuleError("unknown_event")
                    ids = [p.id for p in event.propositions]
                    await pipe.watch(*(k for p in ids for k in (self.keys.votes(code, p), self.keys.counts(code, p))))
                    for proposition in ids:
                        counts = await pipe.hgetall(self.keys.counts(code, proposition))
                        if await pipe.hlen(self.keys.votes(code, proposition)) or any(
                                f.startswith("m") and int(v) > 0 for f, v in counts.items()):
                            raise RuleError("votes_cast")
                    declared = await pipe.hgetall(declared_key)
                    state = state_from_fields(await pipe.hgetall(state_key))
                    moved = {who: str(names.index(event.perspectives[int(i) - 1]) + 1) for who, i in declared.items()
                             if i.isdigit() and 0 < int(i) <= len(event.perspectives)
                             and event.perspectives[int(i) - 1] in names}
                    pipe.multi()
                    pipe.hset(event_key, "perspectives", orjson.dumps(list(names)).decode())
                    pipe.delete(declared_key)
                    if moved:
                        pipe.hset(declared_key, mapping=moved)
                        pipe.pexpireat(declared_key, event.expires_at)
                    state = replace(state, seq=state.seq + 1)
                    pipe.hset(state_key, mapping=state_fields(state))
                    self.notices.publish_in(pipe, code, notice(state))
                    await pipe.execute()
                    return replace(event, perspectives=names), state
                except WatchError:
                    continue
