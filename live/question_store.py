"""Redis I/O for questions. Every change is one Lua script: asking (with its rate limit),
upvoting (one per participant per question) and moderating are each atomic."""

from __future__ import annotations

import time

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from .keys import Keys
from .questions import AUDIENCE_NEWEST, AUDIENCE_TOP, LISTED, MODERATOR_LIMIT, Question, QuestionLists
from .store import StoreUnavailable

PARTS = ("meta", "data", "status", "votes", "listed", "listed_time", "all", "mine", "up", "rate")

# KEYS: the ten parts in PARTS order. ARGV: participant, data JSON, now ms, asks per window,
# window ms, expires at ms. Returns {'ok', id, status, version} or {'rate_limited'}.
ASK_LUA = """
local who, data, now, limit, window, expires = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]),
  tonumber(ARGV[5]), ARGV[6]
local count, start = 0, now
local rate = redis.call('HGET', KEYS[10], who)
if rate then
  local c, s = string.match(rate, '^(%d+):(%d+)$')
  if c and tonumber(s) + window > now then count, start = tonumber(c), tonumber(s) end
end
if count >= limit then return {'rate_limited'} end
redis.call('HSET', KEYS[10], who, (count + 1) .. ':' .. start)
local id = 'q' .. redis.call('HINCRBY', KEYS[1], 'next', 1)
local status = 'waiting'
if redis.call('HGET', KEYS[1], 'premoderation') == '0' then status = 'visible' end
redis.call('HSET', KEYS[2], id, data)
redis.call('HSET', KEYS[3], id, status)
redis.call('ZADD', KEYS[4], 0, id)
redis.call('ZADD', KEYS[7], now, id)
redis.call('ZADD', KEYS[8], 0, who .. ':' .. id)
if status == 'visible' then
  redis.call('ZADD', KEYS[5], 0, id)
  redis.call('ZADD', KEYS[6], now, id)
end
local version = redis.call('HINCRBY', KEYS[1], 'v', 1)
for i = 1, #KEYS do redis.call('PEXPIREAT', KEYS[i], expires) end
return {'ok', id, status, version}
"""

# KEYS: status, up, votes, listed, meta. ARGV: question, participant, on ('1'/'0'), expires at ms.
# Returns {'ok', votes, version} or {'unknown_question'} / {'question_closed'}.
UPVOTE_LUA = """
local id, who, on, expires = ARGV[1], ARGV[2], ARGV[3] == '1', ARGV[4]
local status = redis.call('HGET', KEYS[1], id)
if status ~= 'visible' and status ~= 'answered' then return {'unknown_question'} end
local member = id .. ':' .. who
local changed
if on then changed = redis.call('SADD', KEYS[2], member) else changed = redis.call('SREM', KEYS[2], member) end
local votes = tonumber(redis.call('ZSCORE', KEYS[3], id) or '0')
local version = tonumber(redis.call('HGET', KEYS[5], 'v') or '0')
if changed == 1 then
  if on then votes = votes + 1 else votes = votes - 1 end
  redis.call('ZADD', KEYS[3], votes, id)
  redis.call('ZADD', KEYS[4], votes, id)
  version = redis.call('HINCRBY', KEYS[5], 'v', 1)
end
if changed == 1 and on then redis.call('PEXPIREAT', KEYS[2], expires) end
return {'ok', votes, version}
"""

# KEYS: status, votes, listed, listed_time, all, meta. ARGV: question, action.
# Returns {'ok', new status, version} or {'unknown_question'}.
MODERATE_LUA = """
local id, action = ARGV[1], ARGV[2]
local status = redis.call('HGET', KEYS[1], id)
if not status then return {'unknown_question'} end
local new = status
if action == 'approve' then new = 'visible'
elseif action == 'reject' then new = 'rejected'
elseif action == 'answer' then new = 'answered'
elseif action == 'pin' and status == 'waiting' then new = 'visible'
end
if action == 'pin' then
  if status == 'rejected' then return {'question_rejected'} end
  redis.call('HSET', KEYS[6], 'pinned', id)
elseif (action == 'unpin' or new == 'rejected') and redis.call('HGET', KEYS[6], 'pinned') == id then
  redis.call('HDEL', KEYS[6], 'pinned')
end
if new ~= status then
  redis.call('HSET', KEYS[1], id, new)
  if new == 'visible' or new == 'answered' then
    redis.call('ZADD', KEYS[3], redis.call('ZSCORE', KEYS[2], id) or 0, id)
    redis.call('ZADD', KEYS[4], redis.call('ZSCORE', KEYS[5], id) or 0, id)
  else
    redis.call('ZREM', KEYS[3], id)
    redis.call('ZREM', KEYS[4], id)
  end
end
local version = redis.call('HINCRBY', KEYS[6], 'v', 1)
return {'ok', new, version}
"""


def _unavailable(error: Exception) -> StoreUnavailable:
    return StoreUnavailable(str(error))


class QuestionStore:
    def __init__(self, redis: Redis, keys: Keys):
        self.redis = redis
        self.keys = keys
        self._ask = redis.register_script(ASK_LUA)
        self._upvote = redis.register_script(UPVOTE_LUA)
        self._moderate = redis.register_script(MODERATE_LUA)

    def _keys(self, code: str, *parts: str) -> list[str]:
        return [self.keys.question(code, part) for part in parts]

    async def ask(self, code: str, participant: str, text: str, name: str | None, limit: int, window_ms: int,
                  expires_at_ms: int, perspective: str | None = None,
                  to: str | None = None) -> tuple[str, str, int] | str:
        """Store a question. Returns (id, status, version), or an error code."""
        now = int(time.time() * 1000)
        data = orjson.dumps({"text": text, "name": name, "author": participant, "created": now,
                             "perspective": perspective, "to": to}).decode()
        try:
            reply = await self._ask(keys=self._keys(code, *PARTS),
                                    args=[participant, data, now, limit, window_ms, expires_at_ms])
        except (RedisError, OSError) as error:
            raise _unavailable(error) from error
        if reply[0] != "ok":
            return reply[0]
        return reply[1], reply[2], int(reply[3])

    async def upvote(self, code: str, question: str, participant: str, on: bool,
                     expires_at_ms: int) -> tuple[int, int] | str:
        try:
            reply = await self._upvote(keys=self._keys(code, "status", "up", "votes", "listed", "meta"),
                                       args=[question, participant, "1" if on else "0", expires_at_ms])
        except (RedisError, OSError) as error:
            raise _unavailable(error) from error
        if reply[0] != "ok":
            return reply[0]
        return int(reply[1]), int(reply[2])

    async def moderate(self, code: str, question: str, action: str) -> tuple[str, int] | str:
        try:
            reply = await self._moderate(keys=self._keys(code, "status", "votes", "listed", "listed_time", "all", "meta"),
                                         args=[question, action])
        except (RedisError, OSError) as error:
            raise _unavailable(error) from error
        if reply[0] != "ok":
            return reply[0]
        return reply[1], int(reply[2])

    async def configure(self, code: str, premoderation: bool | None = None, wall: str | None = None) -> int:
        """Change the event's question settings; returns the new questions version."""
        fields = {}
        if premoderation is not None:
            fields["premoderation"] = "1" if premoderation else "0"
        if wall is not None:
            fields["wall"] = wall
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                if fields:
                    pipe.hset(self.keys.question(code, "meta"), mapping=fields)
                pipe.hincrby(self.keys.question(code, "meta"), "v", 1)
                return (await pipe.execute())[-1]
        except (RedisError, OSError) as error:
            raise _unavailable(error) from error

    async def settings(self, code: str) -> tuple[bool, int]:
        """(pre-moderation on?, questions version)."""
        try:
            premoderation, version = await self.redis.hmget(self.keys.question(code, "meta"), "premoderation", "v")
        except (RedisError, OSError) as error:
            raise _unavailable(error) from error
        return premoderation != "0", int(version or 0)

    async def lists(self, code: str, moderator: bool, own_of: list[str] = ()) -> QuestionLists:
        """What the roles see, read in two round trips: the top listed questions by votes
        plus the newest, everything for moderators (when asked), and own waiting ones."""
        k = lambda part: self.keys.question(code, part)  # noqa: E731
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.hmget(k("meta"), "v", "pinned", "premoderation", "wall")
                pipe.zrevrange(k("listed"), 0, AUDIENCE_TOP - 1)
                pipe.zrevrange(k("listed_time"), 0, AUDIENCE_NEWEST - 1)
                for participant in own_of:
                    pipe.zrangebylex(k("mine"), f"[{participant}:", f"[{participant}:\xff")
                if moderator:
                    pipe.zrevrange(k("all"), 0, MODERATOR_LIMIT - 1)
                replies = await pipe.execute()
            (version, pinned, premoderation, wall), top, newest = replies[:3]
            mine = replies[3:3 + len(own_of)]
            everything = replies[-1] if moderator else []
            own = {participant: [member.split(":", 1)[1] for member in members]
                   for participant, members in zip(own_of, mine)}
            listed_ids = list(dict.fromkeys([*top, *newest, *([pinned] if pinned else [])]))
            wanted = list(dict.fromkeys([*listed_ids, *everything, *(q for ids in own.values() for q in ids)]))
            questions = await self._load(code, wanted, pinned)
        except (RedisError, OSError) as error:
            raise _unavailable(error) from error
        return QuestionLists(
            version=int(version or 0), premoderation=premoderation != "0", wall=wall or "votes",
            listed=[questions[q] for q in listed_ids if q in questions and questions[q].status in LISTED],
            everything=[questions[q] for q in everything if q in questions],
            own_waiting={participant: [questions[q] for q in ids if q in questions and questions[q].status == "waiting"]
                         for participant, ids in own.items()})

    async def every_question(self, code: str) -> list[Question]:
        """All questions of an event, oldest first (for results and exports)."""
        try:
            ids = await self.redis.zrange(self.keys.question(code, "all"), 0, -1)
            pinned = await self.redis.hget(self.keys.question(code, "meta"), "pinned")
            found = await self._load(code, ids, pinned)
        except (RedisError, OSError) as error:
            raise _unavailable(error) from error
        return [found[q] for q in ids if q in found]

    async def _load(self, code: str, ids: list[str], pinned: str | None) -> dict[str, Question]:
        if not ids:
            return {}
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hmget(self.keys.question(code, "data"), ids)
            pipe.hmget(self.keys.question(code, "status"), ids)
            pipe.zmscore(self.keys.question(code, "votes"), ids)
            data, statuses, votes = await pipe.execute()
        found = {}
        for qid, raw, status, score in zip(ids, data, statuses, votes):
            if raw is None or status is None:
                continue
            fields = orjson.loads(raw)
            found[qid] = Question(id=qid, text=fields["text"], name=fields["name"], author=fields["author"],
                                  status=status, votes=int(score or 0), created=fields["created"],
                                  pinned=qid == pinned, perspective=fields.get("perspective"), to=fields.get("to"))
        return found

    async def upvoted(self, code: str, participant: str, ids: list[str]) -> list[str]:
        """Which of these questions this participant has upvoted."""
        if not ids:
            return []
        try:
            flags = await self.redis.smismember(self.keys.question(code, "up"), [f"{q}:{participant}" for q in ids])
        except (RedisError, OSError) as error:
            raise _unavailable(error) from error
        return [q for q, flag in zip(ids, flags) if flag]
