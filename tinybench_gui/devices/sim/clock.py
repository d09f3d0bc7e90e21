"""The simulated bench's clock: real time that a simulated device may skip ahead.

In real-time mode a 10 s inference window takes 10 s of wall time, as on a real
board; with ``realtime=False`` the clock jumps over long DUT computations so a
whole run takes seconds. Both keep one monotonic time base shared by every
simulated device, so a monitor samples the same world the DUT acts in.
"""

from __future__ import annotations

import threading
import time


def sleep_until(deadline_s: float) -> None:
    """Sleep until ``time.monotonic()`` reaches ``deadline_s`` (sub-ms precise)."""
    while True:
        remaining = deadline_s - time.monotonic()
        if remaining <= 0:
            return
        # The last 0.5 ms spins: time.sleep overshoots by 50-100 µs on Linux.
        time.sleep(remaining - 0.0005 if remaining > 0.001 else 0)


class SimClock:
    """Seconds since the bench started; ``advance_to`` sleeps or skips."""

    def __init__(self, *, realtime: bool = True) -> None:
        self.realtime = realtime
        self._t0 = time.monotonic()
        self._skipped_s = 0.0
        self._lock = threading.Lock()

    def now_s(self) -> float:
        """The bench's current time in seconds."""
        return time.monotonic() - self._t0 + self._skipped_s

    def advance_to(self, t_s: float) -> None:
        """Let time pass until ``t_s``: sleep in real-time mode, skip otherwise."""
        with self._lock:
            ahead_s = t_s - self.now_s()
            if ahead_s <= 0:
                return
            if not self.realtime:
                self._skipped_s += ahead_s
                return
        sleep_until(time.monotonic() + ahead_s)

    def to_monotonic(self, t_s: float) -> float:
        """The ``time.monotonic()`` value at which the bench time is ``t_s``."""
        return t_s + self._t0 - self._skipped_s
