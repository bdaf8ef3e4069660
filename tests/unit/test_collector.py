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
    keeper.step(99.0, cpu=0.0)
    assert keeper.step(100.0, cpu=0.0) is None  # nothing happened: nothing to do
    cycle = Node()
    cycle.me = cycle  # only the cyclic collector can free it
    gone = weakref.ref(cycle)
    gc.collect(0)  # a young collection: the worker is busy, and the cycle survived it
    assert keeper.step(101.0, cpu=0.0) == "freeze" and gc.get_freeze_count() > 0
    del cycle
    gc.collect()
    assert gone() is not None  # frozen: not even a full collection sees it
    assert keeper.step(120.0, cpu=0.0) is None  # quiet for 19 s only
    assert keeper.step(131.0, cpu=0.0) == "sweep"
    assert gone() is None and gc.get_freeze_count() == 0
    assert keeper.step(200.0, cpu=0.0) is None  # nothing frozen since: no second sweep


def test_objects_still_in_use_survive_the_sweep(no_automatic_collections):
    keeper = Collector(quiet_seconds=1)
    keeper.step(9.0, cpu=0.0)
    kept = Node()
    kept.me = kept
    gc.collect(0)
    assert keeper.step(10.0, cpu=0.0) == "freeze"
    assert keeper.step(11.5, cpu=0.0) == "sweep"
    assert kept.me is kept


def test_a_worker_using_the_cpu_is_busy_without_young_collections(no_automatic_collections):
    """A hall voting at its pace: no young collection for half a minute, but the worker works."""
    keeper = Collector(quiet_seconds=30)
    keeper.step(99.0, cpu=0.0)
    gc.collect(0)
    assert keeper.step(100.0, cpu=0.0) == "freeze"
    assert keeper.step(125.0, cpu=5.0) is None  # a fifth of a core: busy, though nothing was collected
    assert keeper.step(140.0, cpu=8.0) is None  # still busy: 30 s after the freeze, no sweep
    assert gc.get_freeze_count() > 0
    assert keeper.step(169.0, cpu=8.1) is None  # quiet since 140 (a third of a per cent): 29 s only
    assert keeper.step(171.0, cpu=8.1) == "sweep"
    assert gc.get_freeze_count() == 0
