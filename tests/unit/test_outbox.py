"""The outbox of one socket and the throttle, without a server: what waits, what is replaced,
what is dropped, and when a throttled action runs."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from live import outbox
from live.outbox import Outbox, Throttle


async def drain(outbox: Outbox) -> list[str]:
    """What the outbox sends for everything waiting now, in order, drained by the caller's
    own task (as a socket's receiving task drains its replies)."""
    sent: list[str] = []

    async def send(message: str) -> None:
        sent.append(message)

    outbox.attach(send)
    await outbox.drain()
    outbox.detach()  # what arrives next waits for the next call
    return sent


async def test_replies_are_bounded_at_32_and_the_oldest_are_dropped():
    """Forty replies waiting: the newest 32 are sent, in order, and the first eight are gone."""
    outbox = Outbox("audience")
    for number in range(40):
        outbox.reply(f"r{number}")
    assert await drain(outbox) == [f"r{number}" for number in range(8, 40)]


async def test_each_slot_keeps_only_its_newest_message():
    """State, tally, questions, presence and status are latest-wins slots: one message each, the newest."""
    outbox = Outbox("moderator")
    for version in (1, 2, 3):
        outbox.state(version, f"state{version}")
        outbox.tally(f"tally{version}")
        outbox.questions(f"questions{version}")
        outbox.presence(f"presence{version}")
        outbox.status(f"status{version}")
    assert await drain(outbox) == ["status3", "state3", "tally3", "questions3", "presence3"]


async def test_replies_go_before_the_slots():
    """A reply queued after a state still goes first: answers are never held up by snapshots."""
    outbox = Outbox("audience")
    outbox.state(1, "state")
    outbox.reply("ack")
    assert await drain(outbox) == ["ack", "state"]


async def test_an_older_state_is_ignored():
    """A state with a lower seq than the one already taken is not sent, before or after a send."""
    outbox = Outbox("audience")
    for seq in (5, 4):
        outbox.state(seq, f"seq{seq}")
    sent = await drain(outbox)
    outbox.state(3, "seq3")
    assert sent + await drain(outbox) == ["seq5"]


async def test_an_equal_seq_replaces_the_state_only_when_forced():
    """The same seq again is ignored, unless forced (a resync that must go out)."""
    outbox = Outbox("audience")
    outbox.state(7, "first")
    outbox.state(7, "again")
    assert await drain(outbox) == ["first"]
    outbox.state(7, "again")
    assert await drain(outbox) == []
    outbox.state(7, "forced", force=True)
    assert await drain(outbox) == ["forced"]


async def test_close_sends_the_waiting_replies_then_closes_and_drops_state_and_tally():
    """close(): the waiting replies go out, then the socket is closed with the code; state and tally never go."""
    outbox = Outbox("audience")
    outbox.state(1, "state")
    outbox.tally("tally")
    outbox.reply("error")
    outbox.close(1008)
    assert outbox.closing
    events: list[object] = []

    async def send(message: str) -> None:
        events.append(message)

    async def close(code: int) -> None:
        events.append(code)

    outbox.attach(send, close)
    await outbox.finish(5)
    assert events == ["error", 1008]
    outbox.reply("after the close")
    await outbox.drain()
    assert events == ["error", 1008]  # nothing goes to a closed socket


async def test_sending_stops_quietly_when_the_socket_is_gone():
    """A send that fails (the transport is gone) ends the sending without raising, and nothing more is tried."""
    outbox = Outbox("audience")
    outbox.reply("lost")
    tries: list[str] = []

    async def send(message: str) -> None:
        tries.append(message)
        raise ConnectionError("gone")

    outbox.attach(send)
    await asyncio.wait_for(outbox.drain(), 5)
    outbox.reply("later")
    await outbox.drain()
    assert tries == ["lost"]


async def test_an_idle_outbox_has_no_task_and_a_wake_sends_then_ends():
    """Nothing waiting: no task. A state from the room starts one sender, which sends it
    (and what arrives meanwhile) and ends; a second wake while it runs starts no other."""
    outbox = Outbox("audience")
    sent: list[str] = []
    gate = asyncio.Event()

    async def send(message: str) -> None:
        sent.append(message)
        await gate.wait()  # a slow socket: the first send waits

    outbox.attach(send)
    assert outbox._sender is None
    outbox.state(1, "state")
    sender = outbox._sender
    assert sender is not None
    await asyncio.sleep(0)
    outbox.tally("tally")
    outbox.reply("ack")
    assert outbox._sender is sender
    await outbox.drain()  # another sender is under way: returns at once, it sends these
    assert sent == ["state"]
    gate.set()
    await asyncio.wait_for(sender, 5)
    assert sent == ["state", "ack", "tally"] and outbox._sender is None


async def test_detach_stops_a_sender_under_way():
    """The socket goes while a send waits: the sender is cancelled and nothing more is sent."""
    outbox = Outbox("audience")
    sent: list[str] = []

    async def send(message: str) -> None:
        sent.append(message)
        await asyncio.Event().wait()

    outbox.attach(send)
    outbox.state(1, "state")
    sender = outbox._sender
    await asyncio.sleep(0)
    outbox.detach()
    with pytest.raises(asyncio.CancelledError):
        await sender
    outbox.tally("tally")
    assert sent == ["state"] and outbox._sender is None


class FakeLoop:
    """The two loop methods Throttle uses, on a clock the test moves by hand."""

    def __init__(self):
        self.now = 100.0
        self.timers: list[list] = []  # [when, callback, cancelled]

    def time(self) -> float:
        return self.now

    def call_later(self, delay: float, callback):
        timer = [self.now + delay, callback, False]
        self.timers.append(timer)
        return SimpleNamespace(cancel=lambda: timer.__setitem__(2, True))

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for timer in sorted(self.timers, key=lambda t: t[0]):
            if timer[0] <= self.now and timer in self.timers:
                self.timers.remove(timer)
                if not timer[2]:
                    timer[1]()


@pytest.fixture
def loop(monkeypatch) -> FakeLoop:
    fake = FakeLoop()
    monkeypatch.setattr(outbox, "asyncio", SimpleNamespace(get_running_loop=lambda: fake, TimerHandle=object))
    return fake


def test_throttle_runs_at_once_then_at_most_once_per_interval(loop):
    """The first trigger runs the action at once; a burst within the interval runs it once more, at the interval's end."""
    calls: list[float] = []
    throttle = Throttle(1.0, lambda: calls.append(loop.now))
    throttle.trigger()
    assert calls == [100.0]
    for _ in range(8):
        loop.advance(0.0625)  # binary fractions: the clock adds up exactly
        throttle.trigger()
    assert calls == [100.0]
    loop.advance(0.5)  # now 101.0: one interval after the first call
    assert calls == [100.0, 101.0]
    loop.advance(5)
    assert calls == [100.0, 101.0]  # nothing more was triggered


def test_throttle_always_runs_once_after_the_last_trigger(loop):
    """Triggers spread over several intervals: calls are an interval apart and the last trigger is followed by a call."""
    calls: list[float] = []
    throttle = Throttle(0.25, lambda: calls.append(round(loop.now, 2)))
    for _ in range(20):  # a trigger every 0.1 s for 2 s
        throttle.trigger()
        loop.advance(0.1)
    last_trigger = loop.now - 0.1
    loop.advance(1)
    assert all(b - a >= 0.25 - 1e-9 for a, b in zip(calls, calls[1:]))
    assert calls[-1] >= round(last_trigger, 2)  # the trailing call came after the last trigger
    assert len(calls) <= 2 / 0.25 + 1


def test_throttle_trigger_after_a_quiet_interval_runs_at_once(loop):
    """Once the interval has passed since the last call, a new trigger runs the action immediately."""
    calls: list[float] = []
    throttle = Throttle(1.0, lambda: calls.append(loop.now))
    throttle.trigger()
    loop.advance(3)
    throttle.trigger()
    assert calls == [100.0, 103.0]


def test_throttle_cancel_drops_the_pending_call(loop):
    """cancel() drops the trailing call that was waiting; a later trigger works again."""
    calls: list[float] = []
    throttle = Throttle(1.0, lambda: calls.append(loop.now))
    throttle.trigger()
    throttle.trigger()  # waits for the end of the interval
    throttle.cancel()
    loop.advance(5)
    assert calls == [100.0]
    throttle.trigger()
    assert calls == [100.0, 105.0]


async def test_a_send_that_waits_and_then_fails_ends_the_sending_quietly():
    """A send that has to wait (its future set later) and then fails: the sender task that
    took over ends without raising, the socket counts as gone, and nothing more is tried."""
    outbox = Outbox("audience")
    tries: list[str] = []
    pending = asyncio.get_running_loop().create_future()

    async def send(message: str) -> None:
        tries.append(message)
        await pending  # the socket's buffer is full
        raise AssertionError("not reached: the future fails")

    outbox.attach(send)
    outbox.state(1, "state")
    sender = outbox._sender
    assert sender is not None and tries == ["state"]
    outbox.tally("tally")  # waits behind the send under way
    pending.set_exception(ConnectionError("gone"))
    await asyncio.wait_for(sender, 5)  # ends quietly
    outbox.reply("later")
    await outbox.drain()
    assert tries == ["state"] and outbox._sender is None


async def test_a_send_that_waits_then_succeeds_goes_on_with_what_came_meanwhile():
    """The sender task resumes the suspended send with its future's result and sends the rest in order."""
    outbox = Outbox("projector")
    sent: list[str] = []
    ready = asyncio.get_running_loop().create_future()

    async def send(message: str) -> None:
        if not sent:
            await ready
        sent.append(message)

    outbox.attach(send)
    outbox.state(1, "state")
    outbox.tally("tally")
    outbox.reply("ack")
    ready.set_result(None)
    await asyncio.wait_for(outbox._sender, 5)
    assert sent == ["state", "ack", "tally"]
