"""Python's cyclic garbage collector, kept out of the evening's way.

A hall of 10,000 sockets is about 1.5 million objects that live as long as their sockets.
Every collection of an older generation walks all of them again, which stops the event
loop for a tenth of a second and more in the middle of a vote (docs/performance.md).
Reference counting frees nearly everything anyway: only cycles need the collector.

So, while the worker is busy, what survived a young collection is frozen each second
(`gc.freeze`: moved out of the collector's sight, still freed by reference counting), and
later collections only look at what is new. What froze as garbage (a rare cycle) is swept
once the worker has been quiet for a while: everything is unfrozen and collected in full,
a pause nobody notices when nothing happens.

Quiet means no young collection *and* almost no CPU: a hall voting at its own pace can go
30 s without a young collection (reference counting frees what each vote made), and a
full sweep of 10,000 sockets then stopped the loop for 0.6 s in the middle of a vote.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

log = logging.getLogger(__name__)

THRESHOLDS = (50_000, 10, 1_000)  # rarer young collections than Python's (700, 10, 10): measured
FREEZE_SECONDS = 1.0  # how often what survived is frozen, while young collections happen
QUIET_SECONDS = 30.0  # no young collection for this long: the full sweep
BUSY_SHARE = 0.02  # a worker using more of a core than this is busy, collections or not


def young_collections() -> int:
    return gc.get_stats()[0]["collections"]


class Collector:
    """Freezes the survivors of a busy worker and sweeps when it is quiet (see the module)."""

    def __init__(self, freeze_seconds: float = FREEZE_SECONDS, quiet_seconds: float = QUIET_SECONDS):
        self.freeze_seconds, self.quiet_seconds = freeze_seconds, quiet_seconds
        self.frozen = False  # something was frozen since the last sweep
        self._seen = young_collections()
        self._busy_at = self._looked_at = time.monotonic()
        self._cpu = time.process_time()

    def step(self, now: float, cpu: float | None = None) -> str | None:
        """One look at `now` (monotonic seconds) with `cpu` the process's CPU seconds so far:
        "freeze", "sweep" or None (what it did)."""
        cpu = time.process_time() if cpu is None else cpu
        if cpu - self._cpu > BUSY_SHARE * (now - self._looked_at):
            self._busy_at = now
        self._cpu, self._looked_at = cpu, now
        young = young_collections()
        if young != self._seen:  # objects are being made: keep the survivors out of later collections
            self._seen, self._busy_at = young, now
            gc.freeze()
            self.frozen = True
            return "freeze"
        if self.frozen and now - self._busy_at >= self.quiet_seconds:
            gc.unfreeze()
            found = gc.collect()
            self.frozen = False
            self._seen = young_collections()
            log.debug("quiet: swept %d unreachable objects", found)
            return "sweep"
        return None

    async def run(self) -> None:
        gc.set_threshold(*THRESHOLDS)
        while True:
            await asyncio.sleep(self.freeze_seconds)
            self.step(time.monotonic())
