"""Tools for the fault-injection tests: a phone that behaves like the real phone script,
the "nothing lost" checks (docs/test-plan.md, section D), and small process and polling helpers.

Everything here talks to real servers over loopback and is bounded in time.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import signal
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import redis.asyncio as aioredis
import websockets
from itsdangerous import URLSafeSerializer
from websockets.asyncio.client import connect

from bench.procfs import alive, children_of, cmdline
from bench.wsclient import CLOSE, WebSocket
from bench.wsclient import frame as client_frame
from live.embedded_redis import EmbeddedRedis

_vote_ids = itertools.count(1)
_UNSIGNED = URLSafeSerializer("not-the-secret", salt="participant")


def participant_of(token: str) -> str:
    """The server-side participant id inside a participant token (read, not verified):
    "<id>.<signature>" (docs/security.md), or the older serialized form."""
    participant, _, _ = token.rpartition(".")
    if len(participant) == 16 and "." not in participant:
        return participant
    _, payload = _UNSIGNED.loads_unsafe(token)
    return payload[1]


async def until(predicate: Callable[[], object], timeout: float, message: str | Callable[[], str] = "",
                interval: float = 0.05):
    """Poll `predicate` (sync or async) until it is truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"not true within {timeout} s: {text}")
        await asyncio.sleep(interval)


class _Record:
    """What a phone keeps of its votes (read by `check_nothing_lost`): the outbox of
    unacknowledged votes and the acknowledged ones, (time, proposition, choice, id)."""

    outbox: dict[str, dict]
    acked: list[tuple[float, str, str, str]]

    @property
    def settled(self) -> bool:
        return not self.outbox

    def last_ack(self, proposition: str) -> str | None:
        for _, acked_proposition, choice, _ in reversed(self.acked):
            if acked_proposition == proposition:
                return choice
        return None


class PhoneScript(_Record):
    """A phone like static/audience.js with static/connection.js.

    Keeps its latest unacknowledged vote per proposition (an outbox), resends it with the
    SAME id after every reconnect (presenting its participant token with `?participant=`),
    resends after `retry_later` / `rate_limited`, and gives up on any other error
    (`voting_closed`). Reconnects by itself with backoff and jitter (shortened for tests).
    Unlike the page, it resends even when the snapshot's `my_vote` already shows the vote,
    so every stored vote ends with an ack (a replay changes nothing). Records everything
    the checks need.
    """

    def __init__(self, url: str | Callable[[], str], code: str, *, retry_delay=(0.1, 0.4), backoff=(0.1, 1.0)):
        self.url_of = url if callable(url) else (lambda: url)
        self.code = code
        self.retry_delay = retry_delay
        self.backoff = backoff
        self.token: str | None = None
        self.participant: str | None = None
        self.outbox: dict[str, dict] = {}  # proposition -> {"id", "choice"}: not acknowledged yet
        self.sent: list[tuple[float, str, str, str]] = []  # (time, proposition, choice, id), first sends
        self.acked: list[tuple[float, str, str, str]] = []  # (time, proposition, choice, id)
        self.rejected: list[tuple[float, str, str, str]] = []  # (time, proposition, choice, code)
        self.retries = 0  # retry_later / rate_limited answers to a vote
        self.errors: list[dict] = []  # every error message
        self.close_codes: list[int | None] = []
        self.connect_failures = 0
        self.welcomes = 0
        self.snapshots = 0  # the first state after each welcome
        self.state: dict | None = None
        self.tally: dict | None = None
        self.ws = None
        self.online = asyncio.Event()  # connected and snapshot received
        self._awaiting_snapshot = False
        self._task: asyncio.Task | None = None
        self._timers: set[asyncio.TimerHandle] = set()
        self._stopping = False

    # --- life cycle --------------------------------------------------------------------

    def start(self) -> "PhoneScript":
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def stop(self) -> None:
        self._stopping = True
        for timer in self._timers:
            timer.cancel()
        ws = self.ws
        if ws is not None:
            try:
                await asyncio.wait_for(ws.close(), 2)
            except (asyncio.TimeoutError, websockets.WebSocketException, OSError):
                ws.transport.abort()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def drop(self) -> None:
        """Lose the connection abruptly (like a phone switching networks): no close frame."""
        ws = self.ws
        if ws is not None:
            ws.transport.abort()

    async def _run(self) -> None:
        attempt = 0
        while not self._stopping:
            uri = f"{self.url_of()}/ws/{self.code}/audience" + (f"?participant={self.token}" if self.token else "")
            try:
                ws = await connect(uri, compression=None, open_timeout=10, close_timeout=2, max_queue=None)
            except (OSError, asyncio.TimeoutError, websockets.WebSocketException):
                self.connect_failures += 1
            else:
                self.ws = ws
                self._awaiting_snapshot = True
                try:
                    async for frame in ws:
                        self._receive(json.loads(frame))
                        if self.welcomes and self.online.is_set():
                            attempt = 0
                except websockets.ConnectionClosed:
                    pass
                finally:
                    self.ws = None
                    self.online.clear()
                    self.close_codes.append(ws.close_code)
            if self._stopping:
                return
            ceiling = min(self.backoff[1], self.backoff[0] * 2 ** attempt)
            attempt += 1
            await asyncio.sleep(random.uniform(ceiling / 2, ceiling))  # backoff with jitter

    # --- messages ----------------------------------------------------------------------

    def _receive(self, message: dict) -> None:
        kind = message.get("type")
        now = time.monotonic()
        if kind == "welcome":
            self.welcomes += 1
            self.token = message["participant"]
            self.participant = participant_of(self.token)
        elif kind == "state":
            if self.state is None or message["seq"] >= self.state["seq"] or self._awaiting_snapshot:
                self.state = message
            if self._awaiting_snapshot:
                self._awaiting_snapshot = False
                self.snapshots += 1
                self.online.set()
                self._flush()
        elif kind == "tally":
            self.tally = message
        elif kind == "ack":
            found = self._find(message.get("id"))
            if found is not None:
                proposition, entry = found
                del self.outbox[proposition]
                self.acked.append((now, proposition, entry["choice"], entry["id"]))
        elif kind == "error":
            self.errors.append(message)
            found = self._find(message.get("id"))
            if found is not None:
                proposition, entry = found
                if message["code"] in ("retry_later", "rate_limited"):
                    self.retries += 1
                    self._later(lambda: self._resend(proposition, entry["id"]))
                else:
                    del self.outbox[proposition]
                    self.rejected.append((now, proposition, entry["choice"], message["code"]))
            elif message.get("id") is None and message["code"] == "retry_later":
                self._later(lambda: self.send({"type": "sync"}))

    def _find(self, message_id) -> tuple[str, dict] | None:
        for proposition, entry in self.outbox.items():
            if entry["id"] == message_id:
                return proposition, entry
        return None

    def _later(self, action: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def fire():
            self._timers.discard(handle)
            action()
        handle = loop.call_later(random.uniform(*self.retry_delay), fire)
        self._timers.add(handle)

    def send(self, message: dict) -> bool:
        """Send a message now if connected (a vote goes through `vote`, which keeps it)."""
        ws = self.ws
        if ws is None or not self.online.is_set():
            return False
        asyncio.get_running_loop().create_task(self._write(ws, json.dumps(message)))
        return True

    @staticmethod
    async def _write(ws, text: str) -> None:
        try:
            await ws.send(text)
        except (websockets.ConnectionClosed, OSError):
            pass  # the reconnect resends what is still in the outbox

    def _resend(self, proposition: str, message_id: str) -> None:
        entry = self.outbox.get(proposition)
        if entry is not None and entry["id"] == message_id:
            self.send({"type": "vote", "proposition": proposition, "choice": entry["choice"], "id": message_id})

    def _flush(self) -> None:
        for proposition, entry in self.outbox.items():
            self.send({"type": "vote", "proposition": proposition, "choice": entry["choice"], "id": entry["id"]})

    # --- what a test does with it --------------------------------------------------------

    def vote(self, proposition: str, choice: str) -> None:
        """Tap a choice: replaces any unacknowledged vote on that proposition (latest wins)."""
        entry = {"id": f"v{next(_vote_ids)}", "choice": choice}
        self.outbox[proposition] = entry
        self.sent.append((time.monotonic(), proposition, choice, entry["id"]))
        self.send({"type": "vote", **{"proposition": proposition, "choice": choice, "id": entry["id"]}})


async def start_phones(url, code: str, count: int, timeout: float = 30.0, batch: int = 100,
                       **options) -> list[PhoneScript]:
    """`count` phones, connected and with their snapshot (started in batches)."""
    phones = []
    try:
        for start in range(0, count, batch):
            group = [PhoneScript(url, code, **options).start() for _ in range(min(batch, count - start))]
            phones += group
            await asyncio.wait_for(asyncio.gather(*(phone.online.wait() for phone in group)), timeout)
    except BaseException:
        await stop_all(phones)
        raise
    return phones


async def stop_all(clients: Iterable) -> None:
    async def stop(client):
        try:
            if isinstance(client, (PhoneScript, RawPhone)):
                await client.stop()
            else:
                await asyncio.wait_for(client.close(), 5)
        except Exception:  # noqa: BLE001 - best effort at the end of a test
            pass
    await asyncio.gather(*(stop(client) for client in clients))


async def settle(phones: Iterable[PhoneScript], timeout: float) -> None:
    """Wait until every phone has an answer (ack or final error) for every vote."""
    phones = list(phones)
    await until(lambda: all(phone.settled for phone in phones), timeout,
                lambda: f"{sum(not p.settled for p in phones)} phones still have unacknowledged votes")


# --- Redis -------------------------------------------------------------------------------

class RedisView:
    """Reads what the app stored, with a plain redis client."""

    def __init__(self, url: str, prefix: str, code: str):
        self.client = aioredis.Redis.from_url(url, decode_responses=True, socket_timeout=10)
        self.prefix, self.code = prefix, code

    def key(self, name: str) -> str:
        return f"{self.prefix}:{{{self.code}}}:{name}"

    async def votes(self, proposition: str = "p1", round_: int = 1) -> dict[str, str]:
        """participant -> choice (the perspective suffix dropped)."""
        raw = await self.client.hgetall(self.key(f"votes:{proposition}"))
        head = f"{round_}:"
        return {field[len(head):]: value.split(":")[0] for field, value in raw.items() if field.startswith(head)}

    async def counts(self, proposition: str = "p1", round_: int = 1) -> dict[str, int]:
        raw = await self.client.hgetall(self.key(f"counts:{proposition}"))
        head = f"{round_}:"
        return {field[len(head):]: int(value) for field, value in raw.items()
                if field.startswith(head) and ":" not in field[len(head):]}

    async def state(self) -> dict[str, str]:
        return await self.client.hgetall(self.key("state"))

    async def aclose(self) -> None:
        await self.client.aclose()


async def check_nothing_lost(view: RedisView, phones: list[PhoneScript], *, proposition: str = "p1",
                             screens: Iterable = (), closed_votes: dict[str, str] | None = None,
                             close_acked_at: float | None = None, converge: float = 8.0,
                             allow_unacked_stored: bool = False) -> dict[str, str]:
    """The checks of docs/test-plan.md, section D, after a fault has healed. Returns the stored votes.

    Each phone votes at most once per proposition in these tests, so "the latest
    acknowledged vote" of a phone is well defined.
    D1: every acknowledged vote is stored, as the phone's latest acknowledged choice, and
        nothing is stored that nobody sent (or that was not acknowledged, unless a phone
        gave up on a vote whose ack was lost, `allow_unacked_stored`).
    D2: the stored tally equals the tally recomputed from the stored votes.
    D3: nothing was stored after the close: the votes equal `closed_votes` (read right after
        the moderator's close ack), and no vote first sent after that ack was acknowledged.
    D4: within `converge` seconds every connected client shows Redis's state and tally.
    D5: no client ever saw a 1011 close.
    """
    stored = await view.votes(proposition)
    by_participant = {phone.participant: phone for phone in phones if phone.participant}
    problems = []
    # D1
    acked = {phone.participant: phone.last_ack(proposition) for phone in phones if phone.last_ack(proposition)}
    for participant, choice in acked.items():
        if stored.get(participant) != choice:
            problems.append(f"acked {choice!r} of {participant} stored as {stored.get(participant)!r}")
    for participant, choice in stored.items():
        phone = by_participant.get(participant)
        sent = {c for _, p, c, _ in phone.sent if p == proposition} if phone else set()
        if choice not in sent:
            problems.append(f"stored {choice!r} of {participant} that nobody sent")
        elif participant not in acked and not allow_unacked_stored:
            problems.append(f"stored {choice!r} of {participant} was never acknowledged")
    # D2
    recount = Counter(stored.values())
    tally = await view.counts(proposition)
    for choice in set(recount) | set(tally):
        if tally.get(choice, 0) != recount.get(choice, 0):
            problems.append(f"tally {choice}={tally.get(choice, 0)} but {recount.get(choice, 0)} stored votes")
    # D3
    if closed_votes is not None and stored != closed_votes:
        problems.append(f"votes changed after the close: {len(closed_votes)} -> {len(stored)}")
    if close_acked_at is not None:
        for phone in phones:
            first_sent = {i: t for t, p, _, i in phone.sent if p == proposition}
            late = [i for _, p, _, i in phone.acked if p == proposition and first_sent.get(i, 0) > close_acked_at]
            if late:
                problems.append(f"{phone.participant}: votes sent after the close were acknowledged: {late}")
    assert not problems, "\n".join(problems[:20]) + f"\n({len(problems)} problems)"
    # D4
    screens = list(screens)

    async def converged() -> bool:
        state = await view.state()
        seq, current = int(state.get("seq", 0)), state.get("current") or None
        phase = state.get(f"phase:{current}") if current else None
        stored_now = await view.votes(proposition)
        counts = await view.counts(proposition)
        for phone in phones:
            if phone.ws is None or phone.state is None:
                return False
            if phone.state["seq"] != seq or phone.state["phase"] != (phase or phone.state["phase"]):
                return False
        for client in screens:
            latest_state, latest_tally = client.latest("state"), client.latest("tally")
            if latest_state is None or latest_state["seq"] != seq:
                return False
            if current == proposition:
                if latest_tally is None or latest_tally["proposition"] != proposition:
                    return False
                if latest_tally["voters"] != len(stored_now):
                    return False
                if "counts" in latest_tally and any(latest_tally["counts"].get(c, 0) != counts.get(c, 0)
                                                    for c in ("agree", "disagree", "neutral")):
                    return False
        return True
    await until(converged, converge, lambda: "clients do not show what Redis holds: " + describe(phones, screens))
    # D5
    for phone in phones:
        assert 1011 not in phone.close_codes, f"a phone saw 1011: {phone.close_codes}"
    for client in screens:
        assert client.ws.close_code != 1011, "a screen saw 1011"
    return stored


def describe(phones: list[PhoneScript], screens: Iterable = ()) -> str:
    offline = sum(1 for phone in phones if phone.ws is None)
    seqs = Counter(phone.state["seq"] if phone.state else None for phone in phones)
    text = f"{len(phones)} phones, {offline} offline, state seqs {dict(seqs)}"
    for client in screens:
        text += f"; screen state {client.latest('state')} tally {client.latest('tally')}"
    return text


# --- processes ---------------------------------------------------------------------------

async def redis_pid(url: str) -> int | None:
    client = aioredis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return int((await client.info("server"))["process_id"])
    except (aioredis.RedisError, OSError):
        return None
    finally:
        await client.aclose()


def kill_if_alive(pid: int | None, sig: int = signal.SIGKILL) -> None:
    if pid is not None and alive(pid):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def embedded_url(data_dir: Path) -> str:
    return EmbeddedRedis(data_dir).url


def server_side_inodes(client_port: int, server_port: int) -> set[str]:
    """Socket inodes of the server's end of a loopback TCP connection from `client_port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if int(local.rsplit(":", 1)[1], 16) == server_port and int(remote.rsplit(":", 1)[1], 16) == client_port:
                found.add(inode)
    return found


def holder_of(inodes: set[str], pids: Iterable[int]) -> int | None:
    """Which of `pids` holds one of these socket inodes."""
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    if os.readlink(f"/proc/{pid}/fd/{fd}") in wanted:
                        return pid
                except OSError:
                    continue
        except OSError:
            continue
    return None


def workers_of(pid: int) -> list[int]:
    """The uvicorn worker processes under a `live --workers N` supervisor."""
    return [child for child in children_of(pid) if "spawn_main" in cmdline(child) and alive(child)]


class HealthProbe:
    """Times GET /healthz from a thread of its own, every `interval` seconds, so that a busy
    test event loop does not count against the server."""

    def __init__(self, url: str, interval: float = 0.1):
        from urllib.parse import urlsplit
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.interval = interval
        self.timings: list[tuple[int, float]] = []  # (status, seconds)
        self._stop = None
        self._thread = None

    def _run(self) -> None:
        import http.client
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
                try:
                    connection.request("GET", "/healthz")
                    status = connection.getresponse().status
                finally:
                    connection.close()
            except OSError:
                status = 0
            self.timings.append((status, time.monotonic() - started))
            self._stop.wait(self.interval)

    def __enter__(self) -> "HealthProbe":
        import threading
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(15)

    @property
    def slowest(self) -> float:
        return max((seconds for _, seconds in self.timings), default=0.0)


async def open_non_reader(port: int, path: str) -> socket.socket:
    """A WebSocket that completes the handshake and then never reads again, with a small
    receive buffer so that the server's sends back up quickly."""
    import base64
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.setblocking(False)
    try:
        await loop.sock_connect(sock, ("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        await loop.sock_sendall(sock, request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 1024), 10)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head[:200])
    except BaseException:
        sock.close()
        raise
    return sock


def established_to(port: int) -> int:
    """Established TCP connections whose local end is `port` (the server's side)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                count += 1
    return count


# --- a phone as a bare asyncio Protocol, for thousands of phones in one process ------------

class _Link(WebSocket):
    """One connection of a RawPhone: bench's raw WebSocket, its messages handed to the phone."""

    def __init__(self, phone: "RawPhone", host: str, path: str):
        super().__init__(host, path)
        self.phone = phone

    def on_message(self, payload: bytes) -> None:  # the server sends small text frames
        self.phone._receive(self, json.loads(payload))

    def connection_lost(self, exc) -> None:
        super().connection_lost(exc)
        if self.opened.done() and not self.opened.cancelled():
            self.opened.exception()  # retrieved: a failed connect is reported by `RawPhone.connect`
        self.phone._lost(self)


class RawPhone(_Record):
    """A phone with the same record as PhoneScript (so `check_nothing_lost` reads both), for
    storms of thousands: no task or library object per connection. It reconnects only when
    told to (`connect`), with its token; votes once; resends a vote on retry_later."""

    def __init__(self, host: str, port: int, code: str):
        self.host, self.port, self.code = host, port, code
        self.token: str | None = None
        self.participant: str | None = None
        self.state: dict | None = None
        self.tally: dict | None = None
        self.welcomes = self.snapshots = 0
        self.close_codes: list[int | None] = []
        self.outbox: dict[str, dict] = {}
        self.sent: list[tuple[float, str, str, str]] = []
        self.acked: list[tuple[float, str, str, str]] = []
        self.rejected: list[tuple[float, str, str, str]] = []
        self.retries = 0
        self.link: _Link | None = None
        self._online: asyncio.Future | None = None

    @property
    def ws(self):
        link = self.link
        return link if link is not None and link.upgraded and not link.transport.is_closing() else None

    async def connect(self, timeout: float = 30.0) -> "RawPhone":
        loop = asyncio.get_running_loop()
        path = f"/ws/{self.code}/audience" + (f"?participant={self.token}" if self.token else "")
        self._online = loop.create_future()
        _, link = await asyncio.wait_for(
            loop.create_connection(lambda: _Link(self, f"{self.host}:{self.port}", path), self.host, self.port), timeout)
        self.link = link
        await asyncio.wait_for(asyncio.shield(self._online), timeout)
        return self

    def _receive(self, link: _Link, message: dict) -> None:
        kind = message.get("type")
        if kind == "welcome":
            self.welcomes += 1
            self.token = message["participant"]
            self.participant = participant_of(self.token)
        elif kind == "state":
            self.state = message
            if self._online is not None and not self._online.done():
                self.snapshots += 1
                self._online.set_result(None)
                for proposition, entry in self.outbox.items():
                    self._send(link, proposition, entry)
        elif kind == "tally":
            self.tally = message
        elif kind in ("ack", "error"):
            for proposition, entry in list(self.outbox.items()):
                if entry["id"] != message.get("id"):
                    continue
                if kind == "ack":
                    del self.outbox[proposition]
                    self.acked.append((time.monotonic(), proposition, entry["choice"], entry["id"]))
                elif message["code"] in ("retry_later", "rate_limited"):
                    self.retries += 1
                    asyncio.get_running_loop().call_later(random.uniform(0.1, 0.4), self._resend, proposition, entry)
                else:
                    del self.outbox[proposition]
                    self.rejected.append((time.monotonic(), proposition, entry["choice"], message["code"]))

    def _lost(self, link: _Link) -> None:
        self.close_codes.append(link.close_code if link.close_code is not None else 1006)
        if self._online is not None and not self._online.done():
            self._online.set_exception(ConnectionError(
                f"closed before the snapshot: close {self.close_codes[-1]}, upgraded {link.upgraded}"))
            self._online.exception()  # retrieved: a failed connect is reported by `connect`

    def _resend(self, proposition: str, entry: dict) -> None:
        if self.outbox.get(proposition) is entry and self.ws is not None:
            self._send(self.link, proposition, entry)

    @staticmethod
    def _send(link: _Link, proposition: str, entry: dict) -> None:
        if link.transport is not None and not link.transport.is_closing():
            link.send(json.dumps(
                {"type": "vote", "proposition": proposition, "choice": entry["choice"], "id": entry["id"]}).encode())

    def vote(self, proposition: str, choice: str) -> None:
        entry = {"id": f"v{next(_vote_ids)}", "choice": choice}
        self.outbox[proposition] = entry
        self.sent.append((time.monotonic(), proposition, choice, entry["id"]))
        if self.ws is not None:
            self._send(self.link, proposition, entry)

    def drop(self) -> None:
        """Lose the line with a reset (no close frame, no TIME_WAIT left here)."""
        if self.link is not None:
            self.link.abort()

    async def stop(self) -> None:
        link = self.link
        if link is not None and link.transport is not None and not link.transport.is_closing():
            link.transport.write(client_frame(CLOSE, (1000).to_bytes(2, "big")))
            link.transport.close()
