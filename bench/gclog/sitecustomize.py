"""Logs every garbage collection of a server process that takes 20 ms or more, to see
what stops its event loop:

    python -m bench.loadtest --phones 10000 --server-env PYTHONPATH=bench/gclog \
        --server-env BENCH_GC_LOG=/tmp/gclog

One file per process in BENCH_GC_LOG: "<unix time> gen<N> <ms> ms, <objects collected>".
"""

import gc
import os
import time

if os.environ.get("BENCH_GC_LOG"):
    os.makedirs(os.environ["BENCH_GC_LOG"], exist_ok=True)
    _log = open(os.path.join(os.environ["BENCH_GC_LOG"], f"gc-{os.getpid()}.log"), "w", buffering=1)
    _started = [0.0]

    def _time_collection(phase: str, info: dict) -> None:
        if phase == "start":
            _started[0] = time.perf_counter()
            return
        took = time.perf_counter() - _started[0]
        if took >= 0.02:
            _log.write(f"{time.time():.3f} gen{info['generation']} {took * 1000:.0f} ms, {info['collected']}\n")

    gc.callbacks.append(_time_collection)
