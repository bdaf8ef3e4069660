"""What is waiting to go to one socket, a timer that coalesces bursts, and the slices that
spread one message over many sockets. Pure asyncio: no Redis, no Starlette, no knowledge of
what the messages say."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection

log = logging.getLogger(__name__)

MAX_REPLIES = 32  # a socket that does not read loses its oldest replies, never the hall's time
ASKING = -1  # Outbox.waiting while the participant's question is being stored


class Outbox:
    """What is waiting to go to one socket. Replies are a bounded FIFO (oldest dropped);
    state, tally and presence are single slots in which the newest replaces the older.

    No task of its own while there is nothing to send (an idle phone costs no task): the
    socket's receiving task sends its own replies (`drain`), and anything else that arrives
    starts a short-lived task that sends what waits and ends. Never two senders at once."""

    __slots__ = ("role", "participant", "language", "_replies", "_state", "_state_seq", "_tally",
                 "_presence", "_questions", "_status", "_send", "_close", "_sender", "_busy", "waiting",
                 "_close_code", "by_key", "session")

    def __init__(self, role: str, participant: str | None = None, language: str = "nl"):
        self.role = role
        self.participant = participant
        self.language = language
        self._replies: list[str] = []
        self._state: str | None = None
        self._state_seq = -1
        self._tally: str | None = None
        self._presence: str | None = None
        self._questions: str | None = None
        self._status: str | None = None
        self._send: Callable[[str], Awaitable[None]] | None = None  # None: not attached yet, or the socket is gone
        self._close: Callable[[int], Awaitable[None]] | None = None
        self._sender: asyncio.Task | None = None  # the task sending what waits, while there is one
        self._busy = False  # something is sending now (that task, or the socket's own receiving task)
        # This participant's questions waiting for moderation: 0 none, ASKING while an ask is
        # on its way to Redis, else the questions version of their newest ask (rooms.py).
        self.waiting = 0
        self._close_code: int | None = None
        self.by_key = False  # a moderator socket opened with the key (not a session): closes on a new key
        self.session = None  # the moderator session (device) a socket was opened with: closes on its logout

    @property
    def who(self) -> str:
        """A moderator socket, for the audit log: opened with the key, or which session (by a
        digest: the log never holds a session id)."""
        if self.by_key or not self.session:
            return "key" if self.by_key else "organiser"
        return "session " + hashlib.sha256(self.session.encode()).hexdigest()[:8]

    def reply(self, message: str) -> None:
        replies = self._replies
        replies.append(message)
        if len(replies) > MAX_REPLIES:
            del replies[0]
        self._wake()

    def state(self, seq: int, message: str, force: bool = False, wake: bool = True) -> None:
        """(`wake=False`: more is coming for this socket in this turn; `wake()` sends it all.)"""
        if seq < self._state_seq or (seq == self._state_seq and not force):
            return
        self._state_seq = seq
        self._state = message
        if wake:
            self._wake()

    def tally(self, message: str, wake: bool = True) -> None:
        self._tally = message
        if wake:
            self._wake()

    def wake(self) -> None:
        """Send what waits (after messages given with `wake=False`)."""
        self._wake()

    def presence(self, message: str) -> None:
        self._presence = message
        self._wake()

    def questions(self, message: str) -> None:
        self._questions = message
        self._wake()

    def status(self, message: str) -> None:
        self._status = message
        self._wake()

    @property
    def closing(self) -> bool:
        return self._close_code is not None

    def close(self, code: int) -> None:
        """Ask for the socket to be closed after the waiting replies (state and tallies are dropped)."""
        self._close_code = code
        self._wake()

    # --- sending ----------------------------------------------------------------------

    def attach(self, send: Callable[[str], Awaitable[None]],
               close: Callable[[int], Awaitable[None]] | None = None) -> None:
        """Where the messages go from now on (what waited goes with the next `drain` or wake)."""
        self._send, self._close = send, close

    def detach(self) -> None:
        """The socket is gone: nothing more is sent, and a sender under way stops."""
        self._send = self._close = None
        if self._sender is not None:
            self._sender.cancel()

    def _wake(self) -> None:
        """Start sending at once, here: a send that does not have to wait (the socket takes
        it) needs no task, so a reveal to 10,000 phones creates none. Only a send that waits
        (a slow phone's full buffer) goes on in a task of its own."""
        if self._busy or self._send is None:
            return
        self._busy = True
        sending = self._send_waiting()
        try:
            awaited = sending.send(None)
        except StopIteration:
            return
        self._sender = asyncio.get_running_loop().create_task(self._go_on(sending, awaited))

    async def _go_on(self, sending, awaited) -> None:
        """Go on with `sending`, started by hand and suspended on `awaited` (the future it
        waits for, or None for a bare yield). The coroutine reads the future's outcome
        itself when it is resumed; a cancel (the socket went) closes it."""
        try:
            while True:
                if awaited is not None:  # a future yielded by hand is still marked as awaited: await it here
                    awaited._asyncio_future_blocking = False
                try:
                    await (asyncio.sleep(0) if awaited is None else awaited)
                except asyncio.CancelledError:
                    sending.close()
                    raise
                except Exception:  # noqa: BLE001 - the coroutine sees it when resumed
                    pass
                try:
                    awaited = sending.send(None)
                except StopIteration:
                    return
        finally:
            self._sender = None

    async def drain(self) -> None:
        """Send what waits now, in this task (the socket's own receiving task: its replies
        need no other task); returns at once if another sender is under way (it sends them)."""
        if not self._busy and self._send is not None:
            self._busy = True
            await self._send_waiting()

    async def finish(self, timeout: float) -> None:
        """Before the socket goes: what waits (the last error, the close) is sent."""
        sender = self._sender
        await asyncio.wait_for(asyncio.shield(sender) if sender is not None else self.drain(), timeout)

    async def _send_waiting(self) -> None:
        """Replies first, then the slots, until nothing waits; after a close, only the replies."""
        try:
            while True:
                if self._replies:
                    await self._send(self._replies.pop(0))
                    continue
                if self._close_code is not None:
                    if self._close is not None:
                        await self._close(self._close_code)
                    self._send = None
                    return
                for slot in ("_status", "_state", "_tally", "_questions", "_presence"):
                    message = getattr(self, slot)
                    if message is not None:
                        setattr(self, slot, None)
                        await self._send(message)
                        break
                else:
                    return
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - whatever the transport raises, the socket is gone
            log.debug("outbox of a %s socket stopped: %r", self.role, error)
            self._send = None
        finally:
            self._busy = False


class Throttle:
    """Calls `action` at most once per `interval`, and always once after the last trigger."""

    def __init__(self, interval: float, action: Callable[[], None]):
        self.interval = interval
        self.action = action
        self._last = 0.0
        self._handle: asyncio.TimerHandle | None = None

    def trigger(self) -> None:
        if self._handle is not None:
            return
        loop = asyncio.get_running_loop()
        delay = self._last + self.interval - loop.time()
        if delay <= 0:
            self._fire()
        else:
            self._handle = loop.call_later(delay, self._fire)

    def _fire(self) -> None:
        self._handle = None
        self._last = asyncio.get_running_loop().time()
        self.action()

    @property
    def pending(self) -> bool:
        """A call is waiting for the end of the interval."""
        return self._handle is not None

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class Slices:
    """Gives the newest of one message to many outboxes spread over `interval`: `slices`
    slices of at least `minimum` outboxes, the loop free in between. Each slice asks
    `message()` at its turn (the newest, encoded once for all; None: stop, nobody else
    gets it); an outbox no longer in `members()` is skipped."""

    def __init__(self, interval: float, slices: int, minimum: int, message: Callable[[], str | None],
                 members: Callable[[], Collection[Outbox]]):
        self.interval, self.slices, self.minimum = interval, slices, minimum
        self.message, self.members = message, members
        self._due: OrderedDict[Outbox, None] = OrderedDict()  # in turn
        self._handle: asyncio.TimerHandle | None = None

    @property
    def busy(self) -> bool:
        return bool(self._due) or self._handle is not None

    def start(self) -> None:
        """Every member is due the newest message: those still waiting for the last one keep
        their place, the others queue behind them; with no slice under way, the first goes now."""
        for outbox in self.members():
            self._due.setdefault(outbox)
        if self._handle is None:
            self._send()

    def _send(self) -> None:
        self._handle = None
        message = self.message()
        if message is None:
            self._due.clear()
            return
        members = self.members()
        for _ in range(min(max(self.minimum, -(-len(members) // self.slices)), len(self._due))):
            outbox, _ = self._due.popitem(last=False)
            if outbox in members:
                outbox.tally(message)
        if self._due:
            self._handle = asyncio.get_running_loop().call_later(self.interval / self.slices, self._send)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._due.clear()
