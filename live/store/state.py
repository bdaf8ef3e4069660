"""Redis I/O for the debate's state: one hash per event, changed only by WATCH/MULTI.

The same flat field mapping is the payload of a state notice on the bus, so a state is
written down in one way only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import orjson
from redis.exceptions import WatchError

from ..model import DebateState, Phase, Status
from .base import RedisStore, redis_errors
from .batch import TickBatcher


def state_from_fields(raw: dict[str, str]) -> DebateState:
    statuses: dict[str, Status] = {}
    for field, value in raw.items():
        kind, _, proposition = field.partition(":")
        if not proposition:
            continue
        status = statuses.get(proposition, Status())
        if kind == "phase":
            status = Status(Phase(value), status.revealed, status.round)
        elif kind == "revealed":
            status = Status(status.phase, value == "1", status.round)
        elif kind == "round":
            status = Status(status.phase, status.revealed, int(value))
        statuses[proposition] = status
    return DebateState(seq=int(raw.get("seq", 0)), current=raw.get("current") or None, statuses=statuses,
                       screen=raw.get("screen") or "proposition", compare=raw.get("compare") or "before_after",
                       join_panel=raw.get("join_panel") or "auto",
                       deadline=int(raw["deadline"]) if raw.get("deadline") else None,
                       auto_close=raw.get("auto_close") == "1", exclude_flagged=raw.get("exclude_flagged") == "1")


def state_fields(state: DebateState) -> dict[str, str]:
    fields = {"seq": str(state.seq), "current": state.current or "", "screen": state.screen, "compare": state.compare,
              "join_panel": state.join_panel, "deadline": str(state.deadline or ""),
              "auto_close": "1" if state.auto_close else "0", "exclude_flagged": "1" if state.exclude_flagged else "0"}
    for proposition, status in state.statuses.items():
        fields[f"phase:{proposition}"] = status.phase.value
        fields[f"revealed:{proposition}"] = "1" if status.revealed else "0"
        fields[f"round:{proposition}"] = str(status.round)
    return fields


log = logging.getLogger(__name__)
AUDIT_ENTRIES = 1000  # the newest moderator actions kept in an event's audit log


class StateStore(RedisStore):
    def __init__(self, redis, keys, notices=None, batch: TickBatcher | None = None):
        super().__init__(redis, keys)
        self.notices = notices  # how a notice is published (PUBLISH, or SPUBLISH on a cluster)
        self._batch = batch or TickBatcher(redis)  # a joining socket's reads share its pipeline

    @redis_errors
    async def load_state(self, code: str) -> DebateState:
        return state_from_fields(await self._batch.command("HGETALL", self.keys.state(code)))

    @redis_errors
    async def transition(self, code: str, change: Callable[[DebateState], DebateState | None],
                         notice: Callable[[DebateState], bytes], record: dict | None = None,
                         expires_at: int = 0) -> DebateState | None:
        """Apply `change` to the stored state atomically (WATCH/MULTI) and publish its notice.

        The notice is published inside the transaction, so notices leave in the order of
        the changes; `record` goes to the event's audit log (a JSON line) in the same
        transaction, only when the state changed, and to the log. Returns the new state, or None when
        `change` changed nothing.
        """
        key = self.keys.state(code)
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    new_state = change(state_from_fields(await pipe.hgetall(key)))
                    if new_state is None:
                        await pipe.unwatch()
                        return None
                    pipe.multi()
                    pipe.hset(key, mapping=state_fields(new_state))
                    if record is not None:
                        pipe.lpush(self.keys.audit(code), orjson.dumps(record))
                        pipe.ltrim(self.keys.audit(code), 0, AUDIT_ENTRIES - 1)
                        pipe.pexpireat(self.keys.audit(code), expires_at)
                    if self.notices is not None:
                        self.notices.publish_in(pipe, code, notice(new_state))
                    else:
                        pipe.publish(self.keys.channel(code), notice(new_state))
                    await pipe.execute()
                    if record is not None:
                        log.info("event %s, audit: %s", code, record)
                    return new_state
                except WatchError:
                    continue

    @redis_errors
    async def audit_log(self, code: str) -> list[str]:
        """The event's audit log, oldest first (JSON lines)."""
        return list(reversed(await self.redis.lrange(self.keys.audit(code), 0, -1)))
