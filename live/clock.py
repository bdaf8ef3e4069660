"""The one clock of the app: epoch milliseconds, as stored in Redis and sent to clients."""

from __future__ import annotations

import time


def now_ms() -> int:
    return int(time.time() * 1000)
