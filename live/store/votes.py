"""Redis I/O for votes, hand counts and declared perspectives.

Every vote is one Lua script (lua/vote.lua); the votes that arrive within one event-loop
tick (while votes keep coming: within a window of a few ms, store/batch.py) share one
pipeline. This module is the only reader of the stored count format
(documented in lua/vote.lua and keys.py): everything above it works on a `model.Tally`.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from ..errors import StoreUnavailable
from ..keys import Keys
from ..model import CHOICES, Tally
from .base import RedisStore, lua, redis_errors
from .batch import TickBatcher, VoteBatcher


@dataclass(frozen=True)
class VoteOutcome:
    error: str | None
    round: int = 1
    version: int = 0


def tally_from(fields: dict[str, str], proposition: str, round_: int) -> Tally:
    """The counts of one round, from the counts hash of a proposition."""
    phones, phones_by, hands, hands_by, flagged, flagged_by = {}, {}, {}, {}, {}, {}
    for prefix, total, by in ((f"{round_}:", phones, phones_by), (f"m{round_}:", hands, hands_by),
                              (f"f{round_}:", flagged, flagged_by)):
        for field, value in fields.items():
            if not field.startswith(prefix):
                continue
            choice, _, index = field[len(prefix):].partition(":")
            if choice not in CHOICES:
                continue
            if not index:
                total[choice] = int(value)
            elif index.isdigit():
                by.setdefault(int(index), {})[choice] = int(value)
    stream = {field[len(f"s{round_}:"):]: int(value) for field, value in fields.items()
              if field.startswith(f"s{round_}:") and field[len(f"s{round_}:"):] in CHOICES}
    return Tally.of(proposition, round_, phones=phones, phones_by=phones_by, hands=hands, hands_by=hands_by,
                    version=int(fields.get("v") or 0), flagged=flagged, flagged_by=flagged_by, stream=stream)


def choice_of(stored_vote: str) -> str:
    """The choice of a stored vote ("agree" or "agree:2")."""
    return stored_vote.partition(":")[0]


class VoteStore(RedisStore):
    def __init__(self, redis: Redis, keys: Keys, wait: tuple[int, int] = (0, 0), window: float = 0.0,
                 reads: TickBatcher | None = None):
        super().__init__(redis, keys)
        self._reads = reads or TickBatcher(redis)  # a joining socket's reads share its pipeline
        self._vote_script = redis.register_script(lua("vote"))
        self._hand_count_script = redis.register_script(lua("hand_count"))
        self._perspective_script = redis.register_script(lua("perspective"))
        self._votes = VoteBatcher(redis, self._vote_script, wait, window)

    async def cast_vote(self, code: str, proposition: str, participant: str, choice: str,
                        expires_at: int) -> VoteOutcome:
        keys = [self.keys.props(code), self.keys.state(code), self.keys.votes(code, proposition),
                self.keys.counts(code, proposition), self.keys.perspectives(code), self.keys.flagged(code),
                self.keys.event(code), self.keys.holders(code), self.keys.channels(code)]
        reply = await self._votes.submit(keys, [proposition, participant, choice, expires_at])
        if reply[0] != "ok":
            return VoteOutcome(error=reply[0])
        return VoteOutcome(error=None, round=int(reply[1]), version=int(reply[2] or 0))

    @redis_errors
    async def read_tally(self, code: str, proposition: str, round_: int) -> Tally:
        return tally_from(await self._reads.command("HGETALL", self.keys.counts(code, proposition)), proposition,
                          round_)

    @redis_errors
    async def join_stream(self, code: str, participant: str, expires_at: int) -> None:
        """A fresh identity that came through the stream's link: its votes count as the stream's."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.keys.channels(code), participant, "stream")
            pipe.pexpireat(self.keys.channels(code), expires_at)
            await pipe.execute()

    @redis_errors
    async def set_hand_count(self, code: str, proposition: str, round_: int, counts: dict[str, int],
                             perspective: int | None, expires_at: int) -> int | str:
        """Set the hand counts of one round and group (lua/hand_count.lua). Returns the
        version, or the error code `hand_count_mode` when the other kind is stored."""
        args = [round_, perspective or "", expires_at]
        for choice, count in counts.items():
            args += [choice, count]
        reply = await self._hand_count_script(keys=[self.keys.counts(code, proposition)], args=args)
        return int(reply[1]) if reply[0] == "ok" else reply[0]

    @redis_errors
    async def hand_counts(self, code: str, propositions: list[str]) -> list[tuple[str, int, int | None, dict]]:
        """Every saved hand count: (proposition, round, perspective index or None, counts)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for proposition in propositions:
                pipe.hgetall(self.keys.counts(code, proposition))
            replies = await pipe.execute()
        found = []
        for proposition, fields in zip(propositions, replies):
            groups: dict[tuple[int, int | None], dict] = {}
            for field, value in fields.items():
                round_, _, rest = field[1:].partition(":")
                choice, _, index = rest.partition(":")
                if field[:1] != "m" or not round_.isdigit() or choice not in CHOICES or int(value) <= 0:
                    continue
                group = groups.setdefault((int(round_), int(index) if index.isdigit() else None), {})
                group[choice] = int(value)
            for (round_, index), counts in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1] or 0)):
                found.append((proposition, round_, index, {c: counts.get(c, 0) for c in CHOICES}))
        return found

    @redis_errors
    async def set_perspective(self, code: str, participant: str, index: int | None,
                              expires_at: int) -> tuple[str, int, int] | None:
        """Declare, change or withdraw a perspective (lua/perspective.lua): a vote in the
        open round of the current proposition moves with it, atomically. Returns
        (proposition, round, version) when a vote moved, else None."""
        current = await self.redis.hget(self.keys.state(code), "current") or ""
        for _ in range(5):  # the current proposition changed in between: try again with the new one
            # In the lobby the last two keys are placeholders the script never touches.
            proposition = current or "-"
            keys = [self.keys.perspectives(code), self.keys.state(code), self.keys.votes(code, proposition),
                    self.keys.counts(code, proposition), self.keys.flagged(code)]
            reply = await self._perspective_script(keys=keys, args=[participant, index or "", expires_at, current])
            if reply[0] == "retry":
                current = reply[1]
                continue
            return (current, int(reply[1]), int(reply[2])) if len(reply) == 3 else None
        raise StoreUnavailable("the current proposition kept changing")

    @redis_errors
    async def perspective_of(self, code: str, participant: str) -> int | None:
        value = await self._reads.command("HGET", self.keys.perspectives(code), participant)
        return int(value) if value else None

    @redis_errors
    async def read_vote(self, code: str, proposition: str, round_: int, participant: str) -> str | None:
        """A participant's choice in a round, or None."""
        stored = await self._reads.command("HGET", self.keys.votes(code, proposition), f"{round_}:{participant}")
        return choice_of(stored) if stored else None

    @redis_errors
    async def read_rounds(self, code: str, proposition: str) -> tuple[Tally, Tally, tuple[dict, dict]]:
        """Both rounds' tallies and every participant's choice in each (one read each)."""
        counts = await self.redis.hgetall(self.keys.counts(code, proposition))
        raw = await self.redis.hgetall(self.keys.votes(code, proposition))
        choices = tuple({f[2:]: choice_of(v) for f, v in raw.items() if f.startswith(f"{r}:")} for r in (1, 2))
        return tally_from(counts, proposition, 1), tally_from(counts, proposition, 2), choices

    @redis_errors
    async def stored_choices(self, code: str, proposition: str, round_: int) -> dict[str, str]:
        """Every participant's choice in a round (for results and checks, not the hot path)."""
        prefix = f"{round_}:"
        raw = await self.redis.hgetall(self.keys.votes(code, proposition))
        return {field[len(prefix):]: choice_of(vote) for field, vote in raw.items() if field.startswith(prefix)}
