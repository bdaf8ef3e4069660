"""The load generator: one process, thousands of phones, the real protocol, checked results.

    python -m bench.loadtest --phones 10000 --window 10 [--target live --workers 2] [--json out.json]
    python -m bench.loadtest --url http://127.0.0.1:8000 --admin-password … (a running server: no /proc figures)

Phases (docs/performance.md explains each figure):
  connect   phones connect (each waits for its `welcome`); a projector and a moderator too
  idle      server memory before and after the phones: KiB per idle phone
  paced     goto p1, open; every phone votes once at a random moment within --window
            seconds (agree or neutral); a share (--change-share) later changes to disagree;
            close. Ack latency; vote-to-projector and vote-to-moderator latency
  reveal    the moderator reveals: time until every phone has the counts
  flood     goto p2, open; every phone votes again as soon as its last vote is acked (at
            most 15 a second per phone) for --flood seconds: ingestion, votes per second
  later     (--later, default p3,p3:2,p10,p4+) the paced phase again on later propositions
            and rounds, after p1 and p2 pushed their versions up (`+`: results revealed
            while voting): vote-to-projector and vote-to-moderator latency on every
            proposition, not only the first (issue 12)
  reconnect (--reconnect) every phone drops its socket and comes back with its token, as
            after the hall's Wi-Fi failed: CPU per phone that has an identity and a vote
Every phase ends by comparing the stored tally (GET /api/events/{code}/results and the
moderator's tally) with the votes acked. Exit status 1 when a vote is lost, a tally
differs, a phone failed to connect or any error came back.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import math
import os
import random
import resource
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

import httpx
import orjson

from .servers import ADMIN_PASSWORD, TARGETS, Server, machine_busy, make_server
from .wsclient import WebSocket, connect

CHOICES = ("agree", "disagree", "neutral")
FLOOD_MIN_INTERVAL = 1 / 15  # a phone sends at most 15 votes a second (live allows 20)
now = time.perf_counter


class Run:
    """Counters and hooks shared by every phone of one run."""

    def __init__(self):
        self.messages = 0  # every message any client received
        self.acks = 0
        self.in_flight = 0  # votes sent and not yet answered
        self.errors: Counter = Counter()
        self.ack_delays: list[float] = []
        self.sends: list[tuple[float, bool]] = []  # (sent at, first vote of this phone in this phase)
        self.acked: list[float] = []  # when each ack arrived
        self.opened = 0  # phones that saw the current proposition open
        self.revealed = 0  # phones that saw a tally with counts
        self.after_ack = None  # what a phase does when a phone's vote is acked

    def reset_phase(self) -> None:
        self.ack_delays, self.sends, self.acked = [], [], []
        self.opened = self.revealed = 0


class Phone(WebSocket):
    __slots__ = ("run", "welcomed", "token", "next_id", "pending", "choice", "voted", "deferred",
                 "saw_open", "saw_counts", "last_sent")

    def __init__(self, host: str, path: str, run: Run):
        super().__init__(host, path)
        self.run = run
        self.welcomed = asyncio.get_running_loop().create_future()
        self.token = None
        self.next_id = 0
        self.pending: tuple[int, float, str, bytes] | None = None
        self.choice: str | None = None  # the last vote acked in this phase
        self.voted = 0
        self.deferred: str | None = None  # a change to send once the pending vote is acked
        self.saw_open = self.saw_counts = False
        self.last_sent = 0.0

    def new_phase(self) -> None:
        self.choice, self.voted, self.deferred, self.saw_open, self.saw_counts = None, 0, None, False, False

    def vote(self, proposition: str, choice: str) -> None:
        self.next_id += 1
        message = orjson.dumps({"type": "vote", "proposition": proposition, "choice": choice, "id": self.next_id})
        self.last_sent = now()
        if self.pending is None:
            self.run.in_flight += 1
        self.pending = (self.next_id, self.last_sent, choice, message)
        self.run.sends.append((self.last_sent, self.voted == 0))
        self.voted += 1
        self.send(message)

    def on_message(self, payload: bytes) -> None:
        run = self.run
        run.messages += 1
        message = orjson.loads(payload)
        kind = message["type"]
        if kind == "ack":
            pending = self.pending
            if pending is None or message["id"] != pending[0]:
                run.errors["unexpected_ack"] += 1
                return
            self.pending, self.choice = None, pending[2]
            run.acks += 1
            run.in_flight -= 1
            run.acked.append(self.received_at)
            run.ack_delays.append(self.received_at - pending[1])
            if run.after_ack is not None:
                run.after_ack(self)
        elif kind == "state":
            if message.get("phase") == "open" and not self.saw_open:
                self.saw_open = True
                run.opened += 1
        elif kind == "tally":
            if "counts" in message and not self.saw_counts:
                self.saw_counts = True
                run.revealed += 1
        elif kind == "welcome":
            self.token = message["participant"]
            self.welcomed.set_result(None)
        elif kind == "error":
            run.errors[message["code"]] += 1
            if message["code"] == "retry_later" and self.pending is not None:
                self.send(self.pending[3])  # the protocol's rule: the same message again
            elif self.pending is not None and message.get("id") == self.pending[0]:
                self.pending = None
                run.in_flight -= 1


class Observer(WebSocket):
    """A projector or moderator: keeps every message with its arrival time."""

    __slots__ = ("run", "log", "waiters", "ids")

    def __init__(self, host: str, path: str, run: Run, headers: dict | None = None):
        super().__init__(host, path, headers)
        self.run = run
        self.log: list[tuple[float, dict]] = []
        self.waiters: list[tuple] = []
        self.ids = itertools.count(1)

    def on_message(self, payload: bytes) -> None:
        self.run.messages += 1
        message = orjson.loads(payload)
        self.log.append((self.received_at, message))
        for waiter in list(self.waiters):
            if waiter[0](message) and not waiter[1].done():
                waiter[1].set_result(message)

    async def wait_for(self, predicate, timeout: float = 30.0, past: bool = True) -> dict:
        if past:
            for _, message in reversed(self.log):
                if predicate(message):
                    return message
        waiter = (predicate, asyncio.get_running_loop().create_future())
        self.waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter[1], timeout)
        finally:
            self.waiters.remove(waiter)

    async def command(self, kind: str, **fields) -> None:
        message_id = f"c{next(self.ids)}"
        waiting = self.wait_for(lambda m: m.get("id") == message_id and m["type"] in ("ack", "error"), past=False)
        task = asyncio.ensure_future(waiting)
        await asyncio.sleep(0)  # the waiter is registered before the command leaves
        self.send(orjson.dumps({"type": kind, "id": message_id, **fields}))
        reply = await task
        if reply["type"] != "ack":
            raise RuntimeError(f"{kind} refused: {reply}")

    def latest_tally(self, proposition: str) -> dict | None:
        return next((m for _, m in reversed(self.log) if m["type"] == "tally" and m["proposition"] == proposition),
                    None)

    def tallies(self, proposition: str, start: float, end: float = math.inf) -> list[tuple[float, dict]]:
        return [(t, m) for t, m in self.log
                if m["type"] == "tally" and m["proposition"] == proposition and start <= t <= end]


# --- the two kinds of target ------------------------------------------------------------


class LiveControl:
    """Runs the debate the way a moderator does, and reads the results API."""

    def __init__(self, base_url: str, admin_password: str):
        self.base_url, self.admin_password = base_url, admin_password
        self.projector = self.moderator = None

    async def setup(self, host: str, port: int, run: Run) -> str:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as http:
            response = await http.post("/api/events", headers={"Authorization": f"Bearer {self.admin_password}"},
                                       json={"title": "Load test", "propositions": [f"Stelling {i}" for i in range(1, 11)],
                                             "allow_neutral": True, "language": "nl"})
            response.raise_for_status()
            event = response.json()
        self.code, self.moderator_key = event["code"], event["moderator_key"]
        hostport = f"{host}:{port}"
        self.projector = await connect(lambda: Observer(hostport, f"/ws/{self.code}/projector", run), host, port)
        self.moderator = await connect(lambda: Observer(hostport, f"/ws/{self.code}/moderator", run,
                                                        {"Authorization": f"Bearer {event['moderator_key']}"}),
                                       host, port)
        for observer in (self.projector, self.moderator):
            await observer.wait_for(lambda m: m["type"] == "state")
        return self.code

    async def open(self, proposition: str, round_: int = 1) -> None:
        await self.moderator.command("goto", proposition=proposition)
        self.opened_at = now()
        await self.moderator.command("open", round=round_)

    async def close(self) -> None:
        await self.moderator.command("close")

    async def reveal(self) -> None:
        await self.moderator.command("reveal")

    async def stored(self, proposition: str, round_: int = 1) -> dict[str, int]:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as http:
            # unrevealed counts: moderators and organisers only. The moderator key, not the
            # organiser's password: the API tries a Bearer as the moderator key first and counts
            # the password as a wrong key, which after six phases blocks this address.
            response = await http.get(f"/api/events/{self.code}/results",
                                      headers={"Authorization": f"Bearer {self.moderator_key}"})
            response.raise_for_status()
        found = next(p for p in response.json()["propositions"] if p["id"] == proposition)
        return found["rounds"][str(round_)]["counts"]

    async def aclose(self) -> None:
        for observer in (self.projector, self.moderator):
            if observer is not None:
                observer.abort()


class BareControl:
    """The bare servers have no moderator: the phase is written into Redis directly."""

    projector = moderator = None

    def __init__(self, redis_url: str):
        from live.keys import Keys
        from live.store.votes import VoteStore

        from .bare import PREFIX
        from redis.asyncio import Redis
        self.store = VoteStore(Redis.from_url(redis_url, decode_responses=True), Keys(PREFIX))
        self.keys = self.store.keys
        self.code = "BENCH1"

    async def setup(self, host: str, port: int, run: Run) -> str:
        await self.store.redis.hset(self.keys.props(self.code), mapping={f"p{i}": str(i) for i in range(1, 11)})
        return self.code

    async def open(self, proposition: str, round_: int = 1) -> None:
        await self.store.redis.hset(self.keys.state(self.code), mapping={
            "current": proposition, f"phase:{proposition}": "open", f"round:{proposition}": str(round_)})
        self.current = proposition

    async def close(self) -> None:
        await self.store.redis.hset(self.keys.state(self.code), f"phase:{self.current}", "closed")

    async def stored(self, proposition: str, round_: int = 1) -> dict[str, int]:
        return (await self.store.read_tally(self.code, proposition, round_)).phones

    async def aclose(self) -> None:
        await self.store.redis.aclose()


# --- figures ----------------------------------------------------------------------------


def percentiles(values: list[float], points=(50, 95, 99)) -> dict[str, float | None]:
    """Nearest-rank percentiles in milliseconds, and the maximum."""
    ordered = sorted(values)
    out = {f"p{p}": (round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000, 1) if ordered else None)
           for p in points}
    out["max"] = round(ordered[-1] * 1000, 1) if ordered else None
    return out


def display_delays(sent: list[float], seen: list[tuple[float, int]]) -> tuple[list[float], int]:
    """How long after its send each vote was first included in a displayed cumulative count.

    `sent`: send times. `seen`: (arrival time, cumulative count shown). The k-th vote sent
    is included once a shown count reaches k; its delay is that arrival minus its send.
    Returns the delays and how many votes were never included.
    """
    delays, j, top, shown_at = [], 0, 0, 0.0
    for k, t in enumerate(sorted(sent), 1):
        while top < k and j < len(seen):
            shown_at, top = seen[j][0], max(top, seen[j][1])
            j += 1
        if top < k:
            break
        delays.append(shown_at - t)
    return delays, len(sent) - len(delays)


def busiest_second(times: list[float]) -> int:
    """The most messages within any one-second span."""
    times, best, i = sorted(times), 0, 0
    for j, t in enumerate(times):
        while t - times[i] > 1.0:
            i += 1
        best = max(best, j - i + 1)
    return best


def cpu_delta(before: dict, after: dict, seconds: float) -> dict:
    """Cores used between two samples, per role; `others` is what the rest of the machine
    used meanwhile (other programs competing for the same cores make a run noisy)."""
    out = {}
    for role in before:
        used = after[role]["cpu_s"] - before[role]["cpu_s"]
        per = [round((a[1] - b[1]) / seconds, 2) for b, a in zip(before[role]["per_process"], after[role]["per_process"])]
        out[role] = {"cpu_s": round(used, 3), "cores": round(used / seconds, 2)}
        if per:
            out[role]["per_process_cores"] = per
    ours = sum(out[role]["cpu_s"] for role in out if role != "machine")
    out["others"] = {"cores": round(max(0.0, out.pop("machine")["cpu_s"] - ours) / seconds, 2)}
    return out


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the run ----------------------------------------------------------------------------


async def wait_until(condition, timeout: float, step: float = 0.005) -> bool:
    deadline = now() + timeout
    while not condition():
        if now() > deadline:
            return False
        await asyncio.sleep(step)
    return True


class LoadTest:
    def __init__(self, url: str, control, server: Server | None, phones: int, window: float,
                 change_share: float, flood: float, concurrency: int = 200, seed: int = 1, per_address: int = 100,
                 later: tuple[tuple[str, int, bool], ...] = (), reconnect: bool = False):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.control, self.server = control, server
        self.n, self.window, self.change_share, self.flood = phones, window, change_share, flood
        self.concurrency = concurrency
        self.per_address = per_address
        self.later = later  # (proposition, round, revealed) of the paced phases after p1 and p2
        self.reconnect = reconnect  # at the end, every phone comes back with its token
        self.random = random.Random(seed)
        self.run = Run()
        self.phones: list[Phone] = []
        self.report: dict = {"phones": phones, "errors": {}, "checks": {}}

    def sample(self) -> dict:
        """CPU and memory so far: the server's processes, this generator, the whole machine."""
        sample = self.server.sample() if self.server is not None else {}
        sample["generator"] = {"cpu_s": own_cpu(), "per_process": []}
        sample["machine"] = {"cpu_s": machine_busy(), "per_process": []}
        return sample

    async def connect_phones(self, count: int, tokens: list[str | None] | None = None) -> tuple[int, float]:
        """`tokens`: the identities the phones present again (a reconnect), else none."""
        limit = asyncio.Semaphore(self.concurrency)
        hostport, base = f"{self.host}:{self.port}", f"/ws/{self.control.code}/audience"
        tokens = tokens or [None] * count

        async def one(source: str | None, token: str | None) -> Phone:
            path = base if token is None else f"{base}?participant={token}"
            async with limit:
                phone = await connect(lambda: Phone(hostport, path, self.run), self.host, self.port, source=source)
                try:
                    await asyncio.wait_for(asyncio.shield(phone.welcomed), 30)
                except BaseException:
                    phone.abort()
                    raise
                return phone

        start = now()
        first = len(self.phones)
        results = await asyncio.gather(*(one(self.source(first + i), tokens[i]) for i in range(count)),
                                       return_exceptions=True)
        elapsed = now() - start
        failed = [r for r in results if isinstance(r, BaseException)]
        self.phones += [r for r in results if not isinstance(r, BaseException)]
        if failed:
            self.run.errors["connect_failed"] += len(failed)
            self.report["first_connect_failure"] = repr(failed[0])
        return count - len(failed), elapsed

    def source(self, index: int) -> str | None:
        """The loopback address phone `index` connects from: `per_address` phones share one
        (0: all from 127.0.0.1, like a hall behind one NAT)."""
        if not self.per_address:
            return None
        a = index // self.per_address
        return f"127.1.{a // 250}.{a % 250 + 1}"

    async def check(self, name: str, proposition: str, round_: int = 1) -> None:
        """Stored tally (and the moderator's and projector's) against the votes acked."""
        expected = Counter({c: 0 for c in CHOICES})
        expected.update(p.choice for p in self.phones if p.choice is not None)
        expected = dict(expected)
        unacked = sum(1 for p in self.phones if p.pending is not None)
        stored = await self.control.stored(proposition, round_)
        check = {"expected": expected, "stored": stored, "unacked": unacked,
                 "lost": sum(max(0, expected[c] - stored.get(c, 0)) for c in CHOICES),
                 "extra": sum(max(0, stored.get(c, 0) - expected[c]) for c in CHOICES)}
        if self.control.moderator is not None:
            voters = sum(expected.values())
            moderator, projector = self.control.moderator, self.control.projector
            # the newest tally each screen holds, once the last coalesced one has arrived
            check["screens_agree"] = await wait_until(
                lambda: (moderator.latest_tally(proposition) or {}).get("counts") == expected
                and (projector.latest_tally(proposition) or {}).get("voters") == voters, 10)
        self.report["checks"][name] = check

    async def paced(self, proposition: str = "p1") -> float:
        """Every phone votes once within the window; a share changes its vote later.
        Returns when the window started."""
        run, rnd = self.run, self.random
        plan = []
        for phone in self.phones:
            first = rnd.uniform(0, self.window)
            plan.append((first, phone, rnd.choice(("agree", "neutral"))))
            if rnd.random() < self.change_share:
                plan.append((rnd.uniform(first, self.window), phone, "disagree"))
        plan.sort(key=lambda item: item[0])

        def after_ack(phone: Phone) -> None:
            if phone.deferred is not None:
                choice, phone.deferred = phone.deferred, None
                phone.vote(proposition, choice)
        run.after_ack = after_ack

        start = now()
        for at, phone, choice in plan:
            delay = start + at - now()
            if delay > 0:
                await asyncio.sleep(delay)
            if phone.pending is None:
                phone.vote(proposition, choice)
            else:
                phone.deferred = choice  # sent when the first vote is acked
        await wait_until(lambda: len(run.sends) == len(plan) and run.in_flight == 0, 30)
        run.after_ack = None
        return start

    async def flood_votes(self) -> tuple[float, float]:
        """Every phone keeps one vote in flight (at most 15 a second) until the time is up."""
        run, loop = self.run, asyncio.get_running_loop()
        end = now() + self.flood

        def next_vote(phone: Phone) -> None:
            if now() < end and phone.pending is None:
                phone.vote("p2", "disagree" if phone.choice == "agree" else "agree")

        def after_ack(phone: Phone) -> None:
            wait = phone.last_sent + FLOOD_MIN_INTERVAL - now()
            if wait > 0:
                loop.call_later(wait, next_vote, phone)
            else:
                next_vote(phone)
        run.after_ack = after_ack
        start = now()
        for phone in self.phones:
            phone.vote("p2", self.random.choice(("agree", "disagree")))
        await asyncio.sleep(max(0.0, end - now()))
        run.after_ack = None
        await wait_until(lambda: run.in_flight == 0, 30)
        return start, end

    async def redis_memory(self) -> int | None:
        """Bytes Redis uses for data (INFO used_memory), when we know where it is."""
        if self.server is None:
            return None
        from redis.asyncio import Redis
        redis = Redis.from_url(self.server.redis_url)
        try:
            return (await redis.info("memory"))["used_memory"]
        finally:
            await redis.aclose()

    async def execute(self) -> dict:
        self.control.code = await self.control.setup(self.host, self.port, self.run)
        memory = await self.redis_memory()
        await self.connect_phase()
        await self.paced_phase()
        if self.control.moderator is not None:
            await self.reveal_phase()
        if self.flood > 0:
            await self.flood_phase()
        for proposition, round_, revealed in self.later:
            await self.paced_phase(proposition, round_, revealed)
        if self.reconnect:
            await self.reconnect_phase()
        report, checks = self.report, self.report["checks"].values()
        if memory is not None:
            stored = sum(sum(c["expected"].values()) for c in checks)  # votes kept, one per phone and proposition
            grown = await self.redis_memory() - memory
            report["redis"] = {"used_memory_growth": grown, "bytes_per_stored_vote": round(grown / max(1, stored))}
        report["errors"] = dict(self.run.errors)
        report["lost"] = sum(c["lost"] + c["unacked"] for c in checks)
        report["ok"] = (report["lost"] == 0 and all(c["extra"] == 0 and c.get("screens_agree", True) for c in checks)
                        and not self.run.errors and len(self.phones) == self.n)
        return report

    async def connect_phase(self) -> None:
        # A few phones first, so that one-time costs (imports, first allocations) stay out
        # of the per-phone figures; then the rest, timed.
        warm = min(100, max(1, self.n // 10))
        await self.connect_phones(warm)
        await asyncio.sleep(1.0)
        before = self.sample()
        connected, elapsed = await self.connect_phones(self.n - warm)
        cpu = cpu_delta(before, self.sample(), elapsed)
        gc.collect()
        gc.freeze()  # this generator's own collector would otherwise pause mid-measurement (see aclose)
        await asyncio.sleep(1.0)  # let the server settle before reading its memory
        after = self.sample()
        figures = {"phones": len(self.phones), "seconds": round(elapsed, 2),
                   "per_second": round(connected / elapsed, 1), "cpu": cpu}
        if "app" in before:
            figures["server_cpu_ms_per_phone"] = round(1000 * cpu["app"]["cpu_s"] / max(1, connected), 3)
            self.report["idle"] = {
                "rss_before_kib": before["app"]["rss_kib"], "rss_after_kib": after["app"]["rss_kib"],
                "kib_per_phone": round((after["app"]["rss_kib"] - before["app"]["rss_kib"]) / max(1, connected), 2),
                "redis_rss_kib": after["redis"]["rss_kib"]}
        self.report["connect"] = figures

    async def reconnect_phase(self) -> None:
        """Every phone drops its socket and comes back with its token, as after the hall's
        Wi-Fi failed for a moment: the CPU per join of a phone that has an identity and a
        vote (it reads its own from Redis; a minted phone has none)."""
        tokens = [phone.token for phone in self.phones]
        for phone in self.phones:
            phone.abort()
        self.phones = []
        await asyncio.sleep(3.0)  # the server handles the closes before the joins are timed
        before = self.sample()
        connected, elapsed = await self.connect_phones(len(tokens), tokens)
        cpu = cpu_delta(before, self.sample(), elapsed)
        figures = {"phones": connected, "seconds": round(elapsed, 2), "per_second": round(connected / elapsed, 1),
                   "cpu": cpu}
        if "app" in before:
            figures["server_cpu_ms_per_phone"] = round(1000 * cpu["app"]["cpu_s"] / max(1, connected), 3)
        self.report["reconnect"] = figures

    async def open(self, proposition: str, round_: int = 1) -> float | None:
        """Open a proposition; with a moderator, wait until every phone has seen it open
        and return how long that took from the `open` command."""
        for phone in self.phones:
            phone.new_phase()
        self.run.reset_phase()
        await self.control.open(proposition, round_)
        if self.control.moderator is None:
            return None
        await wait_until(lambda: self.run.opened >= len(self.phones), 30)
        return round((now() - self.control.opened_at) * 1000, 1)

    async def paced_phase(self, proposition: str = "p1", round_: int = 1, revealed: bool = False) -> None:
        """Report key "paced" on p1, "paced_p3", "paced_p3_r2" or "paced_p4_revealed" on later ones."""
        run, control = self.run, self.control
        name = "paced" if (proposition, round_) == ("p1", 1) else \
            f"paced_{proposition}" + (f"_r{round_}" if round_ > 1 else "") + ("_revealed" if revealed else "")
        fanout = await self.open(proposition, round_)
        if revealed and control.moderator is not None:
            await control.reveal()  # phones then get tallies too (once a second)
        messages0, acks0, before = run.messages, run.acks, self.sample()
        start = await self.paced(proposition)
        end, messages, acks = now(), run.messages - messages0, run.acks - acks0  # before the close goes out
        cpu = cpu_delta(before, self.sample(), end - start)
        await control.close()
        await self.check(name, proposition, round_)
        sends = run.sends
        votes = len(sends)
        figures = {"votes": votes, "changes": sum(1 for _, first in sends if not first),
                   "window_s": self.window, "seconds": round(end - start, 2),
                   "ack_ms": percentiles(run.ack_delays),
                   "messages_per_vote": round(messages / votes, 3),
                   "non_ack_messages_per_vote": round((messages - acks) / votes, 3),
                   "cpu": cpu}
        if "app" in cpu:
            figures["server_cpu_ms_per_vote"] = round(1000 * cpu["app"]["cpu_s"] / votes, 3)
            figures["redis_cpu_ms_per_vote"] = round(1000 * cpu["redis"]["cpu_s"] / votes, 3)
        if control.moderator is not None:
            figures["open_fanout_ms"] = fanout
            # Projector: its `voters` against the phones' first votes (changes move no voter).
            shown = [(t, m["voters"]) for t, m in control.projector.tallies(proposition, start)]
            delays, missing = display_delays([t for t, first in sends if first], shown)
            figures["projector_ms"] = {**percentiles(delays), "never_shown": missing}
            # Moderator: first votes are agree/neutral and changes go to disagree, so
            # voters + disagree counts every vote applied, changes included.
            shown = [(t, m["voters"] + m["counts"]["disagree"])
                     for t, m in control.moderator.tallies(proposition, start)]
            delays, missing = display_delays([t for t, _ in sends], shown)
            figures["moderator_ms"] = {**percentiles(delays), "never_shown": missing}
            times = [t for t, _ in control.projector.tallies(proposition, start, end)]
            figures["projector_tallies_per_s"] = round(len(times) / (end - start), 1)
            figures["projector_busiest_second"] = busiest_second(times)
            gaps = sorted(b - a for a, b in zip(times, times[1:]))
            figures["projector_gap_ms"] = {"p50": round(gaps[len(gaps) // 2] * 1000, 1),
                                           "max": round(gaps[-1] * 1000, 1)} if gaps else None
        self.report[name] = figures

    async def reveal_phase(self) -> None:
        """The counts go to every phone: how long until the last one has them."""
        self.run.reset_phase()
        before, start = self.sample(), now()
        await self.control.reveal()
        done = await wait_until(lambda: self.run.revealed >= len(self.phones), 30, step=0.001)
        self.report["reveal_fanout_ms"] = round((now() - start) * 1000, 1) if done else None
        self.report["reveal_cpu"] = cpu_delta(before, self.sample(), now() - start)

    async def flood_phase(self) -> None:
        run = self.run
        await self.open("p2")
        before = self.sample()
        start, end = await self.flood_votes()
        drained = now()
        cpu = cpu_delta(before, self.sample(), drained - start)
        votes = len(run.sends)
        figures = {"seconds": self.flood, "votes": votes,
                   "votes_per_s": round(sum(1 for t in run.acked if start <= t <= end) / (end - start), 1),
                   "ack_ms": percentiles(run.ack_delays), "cpu": cpu}
        if "app" in cpu:
            figures["server_cpu_ms_per_vote"] = round(1000 * cpu["app"]["cpu_s"] / votes, 3)
            figures["redis_cpu_ms_per_vote"] = round(1000 * cpu["redis"]["cpu_s"] / votes, 3)
        await self.control.close()
        await self.check("flood", "p2")
        self.report["flood"] = figures

    async def aclose(self) -> None:
        for phone in self.phones:
            phone.abort()
        await self.control.aclose()
        gc.unfreeze()


async def measure(target: str, workers: int, phones: int, window: float, change_share: float, flood: float,
                  url: str | None = None, admin_password: str = ADMIN_PASSWORD, timeout: float = 170,
                  concurrency: int = 200, seed: int = 1, server_env: dict[str, str] | None = None,
                  per_address: int = 100, later: tuple[tuple[str, int, bool], ...] = (),
                  reconnect: bool = False) -> dict:
    """One bounded run: start the target (unless `url`), drive it, stop everything."""
    server = None
    if url is None:
        server = await make_server(target, workers, server_env).start()
        url = server.url
    control = LiveControl(url, admin_password) if target == "live" else BareControl(server.redis_url)
    test = LoadTest(url, control, server, phones, window, change_share, flood, concurrency, seed, per_address,
                    later, reconnect)
    try:
        report = await asyncio.wait_for(test.execute(), timeout)
        return {"target": target if server is None else server.name, "workers": workers, **report}
    finally:
        await test.aclose()
        if server is not None:
            await server.stop()


def raise_open_files_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def summary(report: dict) -> str:
    """The run as a few readable lines."""
    c = report["connect"]
    lines = [f"{report['target']}: {c['phones']} phones connected in {c['seconds']} s ({c['per_second']}/s); "
             f"cores {cores(c['cpu'])}"]
    if "idle" in report:
        i = report["idle"]
        lines.append(f"  idle memory: {i['kib_per_phone']} KiB per phone (server RSS {i['rss_before_kib']} -> "
                     f"{i['rss_after_kib']} KiB); connect CPU {c['server_cpu_ms_per_phone']} ms per phone")
    p = report["paced"]
    lines.append(f"  paced: {p['votes']} votes ({p['changes']} changes) in {p['seconds']} s; ack ms {p['ack_ms']}")
    if "projector_ms" in p:
        lines.append(f"  vote-to-projector ms {p['projector_ms']}; vote-to-moderator ms {p['moderator_ms']}")
        lines.append(f"  projector: {p['projector_tallies_per_s']} tallies/s (busiest second "
                     f"{p['projector_busiest_second']}, gaps ms {p.get('projector_gap_ms')}); messages per vote {p['messages_per_vote']} "
                     f"({p['non_ack_messages_per_vote']} besides the ack); open fan-out {p['open_fanout_ms']} ms; "
                     f"reveal fan-out {report.get('reveal_fanout_ms')} ms")
    lines.append(f"  paced cores {cores(p['cpu'])}" + (f"; server CPU {p['server_cpu_ms_per_vote']} ms/vote "
                 f"(+ Redis {p['redis_cpu_ms_per_vote']})" if "server_cpu_ms_per_vote" in p else ""))
    for name in (key for key in report if key.startswith("paced_")):
        q = report[name]
        lines.append(f"  {name}: {q['votes']} votes; ack ms {q['ack_ms']}"
                     + (f"; vote-to-projector ms {q['projector_ms']}; vote-to-moderator ms {q['moderator_ms']}"
                        if "projector_ms" in q else ""))
    if "flood" in report:
        f = report["flood"]
        lines.append(f"  flood: {f['votes_per_s']} votes/s over {f['seconds']} s; ack ms {f['ack_ms']}; "
                     f"cores {cores(f['cpu'])}")
    if "reconnect" in report:
        r = report["reconnect"]
        lines.append(f"  reconnect: {r['phones']} phones came back with their token in {r['seconds']} s "
                     f"({r['per_second']}/s); cores {cores(r['cpu'])}"
                     + (f"; CPU {r['server_cpu_ms_per_phone']} ms per phone" if "server_cpu_ms_per_phone" in r else ""))
    for name, check in report["checks"].items():
        lines.append(f"  check {name}: expected {check['expected']} stored {check['stored']} lost {check['lost']} "
                     f"extra {check['extra']} unacked {check['unacked']} screens agree {check.get('screens_agree')}")
    lines.append(f"  errors: {report['errors'] or 0}; lost: {report['lost']}; {'OK' if report['ok'] else 'FAILED'}")
    return "\n".join(lines)


def cores(cpu: dict) -> str:
    return " ".join(f"{role} {figures['cores']}" + (f" {figures['per_process_cores']}"
                                                   if len(figures.get("per_process_cores", [])) > 1 else "")
                    for role, figures in cpu.items())


def later_positions(text: str) -> tuple[tuple[str, int, bool], ...]:
    """"p3,p3:2,p4+" -> (("p3", 1, False), ("p3", 2, False), ("p4", 1, True)); `+`: revealed."""
    positions = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        revealed = item.endswith("+")
        proposition, _, round_ = item.removesuffix("+").partition(":")
        positions.append((proposition, int(round_ or 1), revealed))
    return tuple(positions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Drive live (or a bare baseline) with thousands of phones.")
    parser.add_argument("--target", choices=TARGETS, default="live")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--url", help="a server already running (live only); no memory or CPU figures")
    parser.add_argument("--admin-password", default=ADMIN_PASSWORD)
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--window", type=float, default=10.0, help="seconds in which every phone votes")
    parser.add_argument("--change-share", type=float, default=0.1, help="share of phones that change their vote")
    parser.add_argument("--flood", type=float, default=5.0, help="seconds of saturated voting (0: skip)")
    parser.add_argument("--concurrency", type=int, default=200, help="connections being opened at once")
    parser.add_argument("--timeout", type=float, default=170.0, help="the whole run, in seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-address", type=int, default=100,
                        help="phones per loopback source address (0: all from 127.0.0.1, like one NAT)")
    parser.add_argument("--later", default="p3,p3:2,p10,p4+",
                        help="paced phases after p1 and the flood: proposition[:round][+ revealed], comma-separated "
                             "('' for none)")
    parser.add_argument("--reconnect", action="store_true",
                        help="at the end, every phone drops its socket and comes back with its token (live only)")
    parser.add_argument("--json", help="also write the full report to this file")
    parser.add_argument("--nice", type=int, default=0,
                        help="scheduling priority of this generator and the servers it starts (root may go below 0)")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="environment for the server processes only (repeatable)")
    args = parser.parse_args(argv)
    raise_open_files_limit()
    if args.nice:
        os.setpriority(os.PRIO_PROCESS, 0, args.nice)  # the servers and Redis inherit it
    report = asyncio.run(measure(args.target, args.workers, args.phones, args.window, args.change_share,
                                 args.flood, args.url, args.admin_password, args.timeout, args.concurrency, args.seed,
                                 dict(item.split("=", 1) for item in args.server_env), args.per_address,
                                 later_positions(args.later), args.reconnect and args.target == "live"))
    print(summary(report), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
