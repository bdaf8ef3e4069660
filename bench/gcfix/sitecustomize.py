"""The collector setting proposed for live (docs/performance.md, "Garbage collector"),
applied from outside so that its effect can be measured without editing live:

    python -m bench.loadtest --server-env PYTHONPATH=bench/gcfix ...

Python runs a full collection whenever 10 young collections have happened and the
long-lived objects grew by a quarter. With 10,000 sockets (~150 tracked objects each) a
full collection stops the event loop for about a second. Rarer young collections and a
high third threshold keep full collections out of a session; reference counting still
frees almost everything at once, and young cycles are still collected.
"""

import gc
import os

gc.set_threshold(*(int(x) for x in os.environ.get("BENCH_GC_THRESHOLD", "50000,10,1000").split(",")))
