"""The per-socket rate limit, `TokenBucket` (live/connections.py, used by sockets), on a clock the test moves (no sleeping)."""

from __future__ import annotations

import pytest

from live import sockets
from live.sockets import TokenBucket


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(sockets.time, "monotonic", fake)
    return fake


def test_a_full_bucket_allows_a_burst_then_refuses(clock):
    """A new bucket allows exactly `burst` messages at once, then refuses."""
    bucket = TokenBucket(rate=2, burst=5)
    assert [bucket.take() for _ in range(5)] == [True] * 5
    assert bucket.take() is False
    assert bucket.take() is False


def test_the_bucket_refills_at_its_rate(clock):
    """After emptying, one message is allowed per 1/rate seconds, and no more."""
    bucket = TokenBucket(rate=4, burst=4)
    while bucket.take():
        pass
    clock.now += 0.25  # one token at 4 a second
    assert bucket.take() is True
    assert bucket.take() is False
    clock.now += 0.125  # half a token
    assert bucket.take() is False
    clock.now += 0.125  # the other half
    assert bucket.take() is True


def test_the_refill_never_exceeds_the_burst(clock):
    """A long quiet spell fills the bucket up to `burst`, not beyond."""
    bucket = TokenBucket(rate=10, burst=3)
    while bucket.take():
        pass
    clock.now += 3600
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_a_steady_sender_at_the_rate_is_never_refused(clock):
    """Messages exactly at the rate, after the burst is used, are all allowed."""
    bucket = TokenBucket(rate=5, burst=2)
    assert bucket.take() and bucket.take()
    for _ in range(50):
        clock.now += 0.2
        assert bucket.take() is True
