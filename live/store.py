"""All Redis I/O. Every write that depends on a read is one Lua script or one WATCH/MULTI.

Returns model objects; raises StoreUnavailable when Redis cannot answer, so that callers
can tell the client to retry instead of pretending a write happened.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError, WatchError

from . import model
from .keys import Keys
from .model import DebateState, Event, Phase, Status, Tally

# KEYS: props, state, votes, counts, perspectives.  ARGV: proposition, participant,
# choice, expires_at_ms. Checks that the proposition is current and open, stores the
# participant's vote (with their perspective at this moment) for the proposition's current
# round, last vote wins, and moves the counts, all at once: a vote is either counted
# before a close or rejected after it, and counts always equal the stored votes.
VOTE_LUA = """
local p, who, choice, expires = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HEXISTS', KEYS[1], p) == 0 then return {'unknown_proposition'} end
local st = redis.call('HMGET', KEYS[2], 'current', 'phase:' .. p, 'round:' .. p)
if st[1] ~= p or st[2] ~= 'open' then return {'voting_closed'} end
local r = st[3] or '1'
local field = r .. ':' .. who
local perspective = redis.call('HGET', KEYS[5], who)
local value = choice
if perspective then value = choice .. ':' .. perspective end
local prev = redis.call('HGET', KEYS[3], field)
local version
if prev ~= value then
  redis.call('HSET', KEYS[3], field, value)
  if prev then
    local prev_choice, prev_perspective = string.match(prev, '^([^:]+):?(.*)$')
    redis.call('HINCRBY', KEYS[4], r .. ':' .. prev_choice, -1)
    if prev_perspective ~= '' then redis.call('HINCRBY', KEYS[4], r .. ':' .. prev, -1) end
  else
    redis.call('PEXPIREAT', KEYS[3], expires)
    redis.call('PEXPIREAT', KEYS[4], expires)
  end
  redis.call('HINCRBY', KEYS[4], r .. ':' .. choice, 1)
  if perspective then redis.call('HINCRBY', KEYS[4], r .. ':' .. value, 1) end
  version = redis.call('HINCRBY', KEYS[4], 'v', 1)
else
  version = redis.call('HGET', KEYS[4], 'v')
end
return {'ok', r, version}
"""

# KEYS: counts.  ARGV: round, perspective index or '', expires_at_ms, then choice/count
# pairs. Sets (not adds) the hand counts, so a repeated command changes nothing.
HAND_COUNT_LUA = """
local suffix = ''
if ARGV[2] ~= '' then suffix = ':' .. ARGV[2] end
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[1], 'm' .. ARGV[1] .. ':' .. ARGV[i] .. suffix, ARGV[i + 1])
end
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return redis.call('HINCRBY', KEYS[1], 'v', 1)
"""

# KEYS: counter.  ARGV: window_ms.  Counts one hit in a fixed window; returns the count.
HIT_LUA = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
"""

# KEYS: alerts.  ARGV: name, value, ttl_ms.  Keeps the highest value seen.
ALERT_LUA = """
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
if tonumber(ARGV[2]) > current then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
"""

# KEYS: online.  ARGV: now_ms.  Sums the live workers' phone counts and drops dead ones.
ONLINE_LUA = """
local total = 0
local now = tonumber(ARGV[1])
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local count, expires = string.match(entries[i + 1], '^(%d+):(%d+)$')
  if count and tonumber(expires) > now then
    total = total + tonumber(count)
  else
    redis.call('HDEL', KEYS[1], entries[i])
  end
end
return total
"""


class StoreUnavailable(Exception):
    """Redis did not answer; nothing can be promised to the client."""


@dataclass(frozen=True)
class VoteOutcome:
    error: str | None
    round: int = 1
    version: int = 0


def _now_ms() -> int:
    return int(time.time() * 1000)


class VoteBatcher:
    """Sends the votes that arrive within one event-loop tick as one pipeline.

    Still one script and one answer per vote; only the round trips are shared, which is
    what dominates the cost of a vote (see docs/performance.md).
    """

    def __init__(self, redis: Redis, script):
        self._redis = redis
        self._script = script
        self._pending: list[tuple[list[str], list, asyncio.Future]] = []

    def submit(self, keys: list[str], args: list) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((keys, args, future))
        if len(self._pending) == 1:
            loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        asyncio.get_running_loop().create_task(self._run(batch))

    async def _execute(self, batch) -> list:
        async with self._redis.pipeline(transaction=False) as pipe:
            for keys, args, _ in batch:
                pipe.evalsha(self._script.sha, len(keys), *keys, *args)
            return await pipe.execute(raise_on_error=False)

    async def _run(self, batch) -> None:
        try:
            results = await self._execute(batch)
            if any(isinstance(result, NoScriptError) for result in results):
                # Redis restarted without the script. Votes are idempotent (last vote
                # wins, replays change nothing), so running the batch again is safe.
                await self._redis.script_load(self._script.script)
                results = await self._execute(batch)
        except (RedisError, OSError) as error:
            results = [error] * len(batch)
        for (_, _, future), result in zip(batch, results):
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(StoreUnavailable(str(result)))
            else:
                future.set_result(result)


class Store:
    def __init__(self, redis: Redis, keys: Keys, retention_days: int = 90):
        self.redis = redis
        self.keys = keys
        self.retention_ms = retention_days * 86_400_000
        self._vote_script = redis.register_script(VOTE_LUA)
        self._online_script = redis.register_script(ONLINE_LUA)
        self._hand_count_script = redis.register_script(HAND_COUNT_LUA)
        self._hit_script = redis.register_script(HIT_LUA)
        self._alert_script = redis.register_script(ALERT_LUA)
        self._votes = VoteBatcher(redis, self._vote_script)

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except (RedisError, OSError):
            return False

    async def ensure_value(self, key: str, generate: Callable[[], str]) -> str:
        """A value kept once for all workers: the first writer wins (SET NX)."""
        try:
            await self.redis.set(key, generate(), nx=True)
            return await self.redis.get(key)
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    # --- events ---------------------------------------------------------------------

    async def create_event(self, build: Callable[[str], Event], moderator_key: str | None = None,
                           code: str | None = None, logo: tuple[str, bytes] | None = None) -> tuple[Event, str]:
        """Store a new event under a fresh code (or `code` if free). Returns (event, moderator key)."""
        moderator_key = moderator_key or secrets.token_urlsafe(18)
        now = _now_ms()
        expires = now + self.retention_ms
        try:
            for _ in range(20):
                candidate = code or "".join(secrets.choice(model.CODE_ALPHABET) for _ in range(model.CODE_LENGTH))
                event = build(candidate)
                # HSETNX claims the code atomically; a taken code is simply tried again.
                if not await self.redis.hsetnx(self.keys.event(candidate), "code", candidate):
                    if code:
                        raise ValueError("code taken")
                    continue
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.hset(self.keys.event(candidate), mapping={
                        "title": event.title,
                        "language": event.language,
                        "allow_neutral": "1" if event.allow_neutral else "0",
                        "propositions": orjson.dumps([p.text for p in event.propositions]).decode(),
                        "perspectives": orjson.dumps(list(event.perspectives)).decode(),
                        "min_group": str(event.min_group),
                        "accent": event.accent or "",
                        "logo": "1" if logo else "",
                        "moderator_key": moderator_key,
                        "session_version": "1",
                        "created": str(now),
                        "expires_at": str(expires),
                    })
                    pipe.hset(self.keys.props(candidate), mapping={p.id: p.text for p in event.propositions})
                    pipe.hset(self.keys.state(candidate), mapping={"seq": "0", "current": ""})
                    if logo:
                        pipe.set(self.keys.logo(candidate), f"{logo[0]};{base64.b64encode(logo[1]).decode()}")
                    for key in (self.keys.event(candidate), self.keys.props(candidate), self.keys.state(candidate),
                                self.keys.logo(candidate)):
                        pipe.pexpireat(key, expires)
                    pipe.zadd(self.keys.events(), {candidate: now})
                    await pipe.execute()
                return event, moderator_key
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error
        raise RuntimeError("no free event code after 20 tries")

    async def load_event(self, code: str) -> Event | None:
        try:
            raw = await self.redis.hgetall(self.keys.event(code))
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error
        if "propositions" not in raw:
            return None
        texts = orjson.loads(raw["propositions"])
        return Event(
            code=code,
            title=raw["title"],
            language=raw.get("language", "nl"),
            allow_neutral=raw.get("allow_neutral") == "1",
            propositions=tuple(model.Proposition(id=f"p{i + 1}", text=t, index=i) for i, t in enumerate(texts)),
            perspectives=tuple(orjson.loads(raw.get("perspectives") or "[]")),
            min_group=int(raw.get("min_group") or model.DEFAULT_MIN_GROUP),
            accent=raw.get("accent") or None,
            has_logo=raw.get("logo") == "1",
        )

    async def load_logo(self, code: str) -> tuple[str, bytes] | None:
        try:
            raw = await self.redis.get(self.keys.logo(code))
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error
        if not raw:
            return None
        kind, _, data = raw.partition(";")
        return kind, base64.b64decode(data)

    async def event_secrets(self, code: str) -> tuple[str, int] | None:
        """(moderator key, session version) of an event, or None if there is no such event."""
        try:
            key, version = await self.redis.hmget(self.keys.event(code), "moderator_key", "session_version")
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error
        if key is None:
            return None
        return key, int(version or 1)

    async def revoke_sessions(self, code: str) -> int:
        try:
            return await self.redis.hincrby(self.keys.event(code), "session_version", 1)
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    async def hit(self, key: str, window_ms: int) -> int:
        """Count one request in a fixed window; returns the count so far."""
        try:
            return int(await self._hit_script(keys=[key], args=[window_ms]))
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    async def hits(self, key: str) -> int:
        try:
            return int(await self.redis.get(key) or 0)
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    async def raise_alert(self, code: str, name: str, value: int, ttl_ms: int) -> None:
        """Keep the highest value of an alert for the moderator to see (e.g. an identity burst)."""
        try:
            await self._alert_script(keys=[self.keys.alerts(code)], args=[name, value, ttl_ms])
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    async def alerts(self, code: str) -> dict[str, int]:
        try:
            return {k: int(v) for k, v in (await self.redis.hgetall(self.keys.alerts(code))).items()}
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    async def demo_code(self) -> str | None:
        try:
            return await self.redis.get(self.keys.demo())
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    async def set_demo_code(self, code: str) -> None:
        try:
            await self.redis.set(self.keys.demo(), code)
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    async def list_events(self) -> list[dict]:
        """Every stored event, newest first; codes whose keys have expired are dropped."""
        try:
            codes = await self.redis.zrevrange(self.keys.events(), 0, -1)
            async with self.redis.pipeline(transaction=False) as pipe:
                for code in codes:
                    pipe.hmget(self.keys.event(code), "title", "created", "expires_at", "propositions")
                rows = await pipe.execute()
            found, gone = [], []
            for code, (title, created, expires, propositions) in zip(codes, rows):
                if title is None:
                    gone.append(code)
                    continue
                found.append({"code": code, "title": title, "created": int(created or 0),
                              "expires": int(expires or 0), "propositions": len(orjson.loads(propositions or "[]"))})
            if gone:
                await self.redis.zrem(self.keys.events(), *gone)
            return found
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    async def delete_event(self, event: Event) -> None:
        """Remove every key of an event (all its names are known: no SCAN needed)."""
        code = event.code
        keys = [self.keys.event(code), self.keys.props(code), self.keys.state(code), self.keys.online(code),
                self.keys.perspectives(code), self.keys.logo(code), self.keys.alerts(code)]
        keys += [self.keys.question(code, part) for part in
                 ("meta", "data", "status", "votes", "listed", "listed_time", "all", "mine", "up", "rate")]
        for proposition in event.propositions:
            keys += [self.keys.votes(code, proposition.id), self.keys.counts(code, proposition.id)]
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.delete(*keys)
                pipe.zrem(self.keys.events(), code)
                await pipe.execute()
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    async def admin_session_version(self, bump: bool = False) -> int:
        key = self.keys.admin_session()
        try:
            if bump:
                return await self.redis.incr(key)
            return int(await self.redis.get(key) or 0)
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    # --- debate state ---------------------------------------------------------------

    @staticmethod
    def _parse_state(raw: dict[str, str]) -> DebateState:
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
                           screen=raw.get("screen") or "proposition",
                           deadline=int(raw["deadline"]) if raw.get("deadline") else None,
                           auto_close=raw.get("auto_close") == "1")

    @staticmethod
    def _state_fields(state: DebateState) -> dict[str, str]:
        fields = {"seq": str(state.seq), "current": state.current or "", "screen": state.screen,
                  "deadline": str(state.deadline or ""), "auto_close": "1" if state.auto_close else "0"}
        for proposition, status in state.statuses.items():
            fields[f"phase:{proposition}"] = status.phase.value
            fields[f"revealed:{proposition}"] = "1" if status.revealed else "0"
            fields[f"round:{proposition}"] = str(status.round)
        return fields

    async def load_state(self, code: str) -> DebateState:
        try:
            return self._parse_state(await self.redis.hgetall(self.keys.state(code)))
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    async def transition(self, code: str,
                         decide: Callable[[DebateState], tuple[DebateState, bytes] | None]) -> DebateState | None:
        """Apply `decide` to the stored state atomically (WATCH/MULTI) and publish its notice.

        The notice is published inside the transaction, so notices leave in the order of
        the changes. Returns the new state, or None when `decide` changed nothing.
        """
        key = self.keys.state(code)
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                while True:
                    try:
                        await pipe.watch(key)
                        current = self._parse_state(await pipe.hgetall(key))
                        decision = decide(current)
                        if decision is None:
                            await pipe.unwatch()
                            return None
                        new_state, notice = decision
                        pipe.multi()
                        pipe.hset(key, mapping=self._state_fields(new_state))
                        pipe.publish(self.keys.channel(code), notice)
                        await pipe.execute()
                        return new_state
                    except WatchError:
                        continue
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    # --- votes ----------------------------------------------------------------------

    async def cast_vote(self, code: str, proposition: str, participant: str, choice: str,
                        expires_at_ms: int | None = None) -> VoteOutcome:
        keys = [self.keys.props(code), self.keys.state(code), self.keys.votes(code, proposition),
                self.keys.counts(code, proposition), self.keys.perspectives(code)]
        expires = expires_at_ms or (_now_ms() + self.retention_ms)
        reply = await self._votes.submit(keys, [proposition, participant, choice, expires])
        if reply[0] != "ok":
            return VoteOutcome(error=reply[0])
        return VoteOutcome(error=None, round=int(reply[1]), version=int(reply[2] or 0))

    async def read_tally(self, code: str, proposition: str, round_: int) -> Tally:
        """The raw counts of one round (see model.Tally)."""
        try:
            fields = await self.redis.hgetall(self.keys.counts(code, proposition))
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error
        phones, hands = f"{round_}:", f"m{round_}:"
        raw = {}
        for field, value in fields.items():
            if field.startswith(phones):
                raw[field[len(phones):]] = int(value)
            elif field.startswith(hands):
                raw["m:" + field[len(hands):]] = int(value)
        return Tally(proposition, round_, raw, int(fields.get("v") or 0))

    async def set_hand_count(self, code: str, proposition: str, round_: int, counts: dict[str, int],
                             perspective: int | None) -> int:
        args = [round_, perspective or "", _now_ms() + self.retention_ms]
        for choice, count in counts.items():
            args += [choice, count]
        try:
            return int(await self._hand_count_script(keys=[self.keys.counts(code, proposition)], args=args))
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    async def set_perspective(self, code: str, participant: str, index: int | None) -> None:
        try:
            if index is None:
                await self.redis.hdel(self.keys.perspectives(code), participant)
            else:
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.hset(self.keys.perspectives(code), participant, str(index))
                    pipe.pexpireat(self.keys.perspectives(code), _now_ms() + self.retention_ms)
                    await pipe.execute()
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    async def perspective_of(self, code: str, participant: str) -> int | None:
        try:
            value = await self.redis.hget(self.keys.perspectives(code), participant)
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error
        return int(value) if value else None

    async def read_vote(self, code: str, proposition: str, round_: int, participant: str) -> str | None:
        try:
            return await self.redis.hget(self.keys.votes(code, proposition), f"{round_}:{participant}")
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    async def stored_votes(self, code: str, proposition: str, round_: int) -> dict[str, str]:
        """Every participant's stored vote in a round (for results and checks, not the hot path)."""
        prefix = f"{round_}:"
        try:
            raw = await self.redis.hgetall(self.keys.votes(code, proposition))
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error
        return {field[len(prefix):]: choice for field, choice in raw.items() if field.startswith(prefix)}

    # --- notices and presence -------------------------------------------------------

    async def publish(self, code: str, notice: bytes) -> None:
        try:
            await self.redis.publish(self.keys.channel(code), notice)
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    async def report_online(self, code: str, worker: str, count: int, ttl_ms: int) -> None:
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(self.keys.online(code), worker, f"{count}:{_now_ms() + ttl_ms}")
                pipe.pexpire(self.keys.online(code), ttl_ms * 4)
                await pipe.execute()
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    async def count_online(self, code: str) -> int:
        try:
            return int(await self._online_script(keys=[self.keys.online(code)], args=[_now_ms()]))
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error
