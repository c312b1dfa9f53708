"""Process-wide settings for work that must happen on time (paced sending, the simulator).

Two CPython defaults cost a paced sender its timing, both measured in `bench/send_rate.py`:

- The switch interval (5 ms): a thread woken at its send slot may wait that long for the GIL
  while other threads parse replies and sign requests. At 200 sends/s slots are 5 ms apart.
- Full (generation 2) collections walk every object in the process. With boto3's service
  models (or moto's backends) loaded that takes 70-140 ms, during which no thread runs: the
  simulator stamped requests that late, pulling two of them into one second.

`punctual()` hands the GIL over every `switch_interval` seconds and freezes the objects alive
on entry (modules, service models: they live as long as the process anyway), so collections
only walk what was made since. Uses may nest or overlap across threads; the last one out
restores the interval and unfreezes.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SWITCH_INTERVAL = 0.001

_lock = threading.Lock()
_users = 0
_saved_interval = 0.0


@contextmanager
def punctual(switch_interval: float = SWITCH_INTERVAL) -> Iterator[None]:
    """Within the block: a short GIL switch interval and a frozen long-lived heap."""
    global _users, _saved_interval
    with _lock:
        if _users == 0:
            _saved_interval = sys.getswitchinterval()
            gc.freeze()
        # A later user may ask for a shorter interval than the one in force: it gets it.
        sys.setswitchinterval(min(switch_interval, sys.getswitchinterval()))
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                sys.setswitchinterval(_saved_interval)
                gc.unfreeze()


def is_punctual() -> bool:
    """True while some `punctual()` block is running."""
    return _users > 0
