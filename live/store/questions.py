"""Redis I/O for questions. Every change is one Lua script: asking (with its rate limit),
upvoting (one per participant per question) and moderating are each atomic."""

from __future__ import annotations

import asyncio

import orjson
from redis.asyncio import Redis

from ..keys import Keys
from ..questions import (
    AUDIENCE_NEWEST,
    AUDIENCE_TOP,
    LISTED,
    MODERATOR_LIMIT,
    Question,
    QuestionLists,
)
from .base import RedisStore, lua, now_ms, redis_errors
from .batch import TickBatcher


class QuestionStore(RedisStore):
    def __init__(self, redis: Redis, keys: Keys, batch: TickBatcher | None = None):
        super().__init__(redis, keys)
        self._batch = batch or TickBatcher(redis)  # a joining socket's reads share its pipeline
        self._ask = redis.register_script(lua("ask"))
        self._upvote = redis.register_script(lua("upvote"))
        self._moderate = redis.register_script(lua("moderate"))

    @redis_errors
    async def ask(self, code: str, participant: str, text: str, name: str | None, limit: int, window_ms: int,
                  expires_at_ms: int, perspective: str | None = None,
                  to: str | None = None) -> tuple[str, str, int] | str:
        """Store a question. Returns (id, status, version), or an error code."""
        now = now_ms()
        data = orjson.dumps({"text": text, "name": name, "author": participant, "created": now,
                             "perspective": perspective, "to": to}).decode()
        reply = await self._ask(keys=self.keys.questions(code),
                                args=[participant, data, now, limit, window_ms, expires_at_ms])
        if reply[0] != "ok":
            return reply[0]
        return reply[1], reply[2], int(reply[3])

    @redis_errors
    async def upvote(self, code: str, question: str, participant: str, on: bool,
                     expires_at_ms: int) -> tuple[int, int] | str:
        reply = await self._upvote(keys=self.keys.questions(code, "status", "up", "votes", "listed", "meta"),
                                   args=[question, participant, "1" if on else "0", expires_at_ms])
        if reply[0] != "ok":
            return reply[0]
        return int(reply[1]), int(reply[2])

    @redis_errors
    async def moderate(self, code: str, question: str, action: str) -> tuple[str, int] | str:
        keys = self.keys.questions(code, "status", "votes", "listed", "listed_time", "all", "meta")
        reply = await self._moderate(keys=keys, args=[question, action])
        if reply[0] != "ok":
            return reply[0]
        return reply[1], int(reply[2])

    @redis_errors
    async def configure(self, code: str, expires_at: int, premoderation: bool | None = None,
                        wall: str | None = None) -> int:
        """Change the event's question settings; returns the new questions version."""
        fields = {}
        if premoderation is not None:
            fields["premoderation"] = "1" if premoderation else "0"
        if wall is not None:
            fields["wall"] = wall
        async with self.redis.pipeline(transaction=True) as pipe:
            if fields:
                pipe.hset(self.keys.question(code, "meta"), mapping=fields)
            pipe.hincrby(self.keys.question(code, "meta"), "v", 1)
            pipe.pexpireat(self.keys.question(code, "meta"), expires_at)
            return (await pipe.execute())[-2]

    @redis_errors
    async def settings(self, code: str) -> tuple[bool, int]:
        """(pre-moderation on?, questions version)."""
        premoderation, version = await self.redis.hmget(self.keys.question(code, "meta"), "premoderation", "v")
        return premoderation != "0", int(version or 0)

    @redis_errors
    async def lists(self, code: str, moderator: bool, own_of: list[str] = ()) -> QuestionLists:
        """What the roles see, read in two round trips: the top listed questions by votes
        plus the newest, everything for moderators (when asked), and own waiting ones."""
        k = lambda part: self.keys.question(code, part)  # noqa: E731
        command = self._batch.command
        replies = await asyncio.gather(
            command("HMGET", k("meta"), "v", "pinned", "premoderation", "wall"),
            command("ZREVRANGE", k("listed"), 0, AUDIENCE_TOP - 1),
            command("ZREVRANGE", k("listed_time"), 0, AUDIENCE_NEWEST - 1),
            *(command("ZRANGEBYLEX", k("mine"), f"[{participant}:", f"[{participant}:\xff") for participant in own_of),
            *([command("ZREVRANGE", k("all"), 0, MODERATOR_LIMIT - 1)] if moderator else []))
        (version, pinned, premoderation, wall), top, newest = replies[:3]
        mine = replies[3:3 + len(own_of)]
        everything = replies[-1] if moderator else []
        own = {participant: [member.split(":", 1)[1] for member in members]
               for participant, members in zip(own_of, mine)}
        listed_ids = list(dict.fromkeys([*top, *newest, *([pinned] if pinned else [])]))
        wanted = list(dict.fromkeys([*listed_ids, *everything, *(q for ids in own.values() for q in ids)]))
        questions = await self._load(code, wanted, pinned)
        return QuestionLists(
            version=int(version or 0), premoderation=premoderation != "0", wall=wall or "votes",
            listed=[questions[q] for q in listed_ids if q in questions and questions[q].status in LISTED],
            everything=[questions[q] for q in everything if q in questions],
            own_waiting={participant: [questions[q] for q in ids if q in questions and questions[q].status == "waiting"]
                         for participant, ids in own.items()})

    @redis_errors
    async def every_question(self, code: str) -> list[Question]:
        """All questions of an event, oldest first (for results and exports)."""
        ids = await self.redis.zrange(self.keys.question(code, "all"), 0, -1)
        pinned = await self.redis.hget(self.keys.question(code, "meta"), "pinned")
        found = await self._load(code, ids, pinned)
        return [found[q] for q in ids if q in found]

    async def _load(self, code: str, ids: list[str], pinned: str | None) -> dict[str, Question]:
        if not ids:
            return {}
        data, statuses, votes = await asyncio.gather(
            self._batch.command("HMGET", self.keys.question(code, "data"), *ids),
            self._batch.command("HMGET", self.keys.question(code, "status"), *ids),
            self._batch.command("ZMSCORE", self.keys.question(code, "votes"), *ids))
        found = {}
        for qid, raw, status, score in zip(ids, data, statuses, votes):
            if raw is None or status is None:
                continue
            fields = orjson.loads(raw)
            found[qid] = Question(id=qid, text=fields["text"], name=fields["name"], author=fields["author"],
                                  status=status, votes=int(score or 0), created=fields["created"],
                                  pinned=qid == pinned, perspective=fields.get("perspective"), to=fields.get("to"))
        return found

    @redis_errors
    async def upvoted(self, code: str, participant: str, ids: list[str]) -> list[str]:
        """Which of these questions this participant has upvoted."""
        if not ids:
            return []
        flags = await self._batch.command("SMISMEMBER", self.keys.question(code, "up"),
                                          *(f"{q}:{participant}" for q in ids))
        return [q for q, flag in zip(ids, flags) if flag]
