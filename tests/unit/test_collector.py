"""The collector keeper (live/collector.py): a busy worker's survivors are frozen out of
the collector's sight, and a cycle that froze as garbage is swept once the worker is quiet."""

from __future__ import annotations

import gc
import weakref

import pytest

from live.collector import Collector


class Node:
    pass


@pytest.fixture
def no_automatic_collections():
    """Only this test's own collections count as "young collections happened"."""
    enabled = gc.isenabled()
    gc.disable()
    gc.unfreeze()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()


def test_busy_freezes_and_quiet_sweeps_what_froze_as_garbage(no_automatic_collections):
    keeper = Collector(quiet_seconds=30)
    assert keeper.step(100.0) is None  # nothing happened: nothing to do
    cycle = Node()
    cycle.me = cycle  # only the cyclic collector can free it
    gone = weakref.ref(cycle)
    gc.collect(0)  # a young collection: the worker is busy, and the cycle survived it
    assert keeper.step(101.0) == "freeze" and gc.get_freeze_count() > 0
    del cycle
    gc.collect()
    assert gone() is not None  # frozen: not even a full collection sees it
    assert keeper.step(120.0) is None  # quiet for 19 s only
    assert keeper.step(131.0) == "sweep"
    assert gone() is None and gc.get_freeze_count() == 0
    assert keeper.step(200.0) is None  # nothing frozen since: no second sweep


def test_objects_still_in_use_survive_the_sweep(no_automatic_collections):
    keeper = Collector(quiet_seconds=1)
    kept = Node()
    kept.me = kept
    gc.collect(0)
    assert keeper.step(10.0) == "freeze"
    assert keeper.step(11.5) == "sweep"
    assert kept.me is kept
