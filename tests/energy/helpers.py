"""What the energy tests share: waiting on a condition a stream reaches in its own time."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(condition: Callable[[], bool], timeout_s: float) -> None:
    """Poll ``condition`` until it holds or ``timeout_s`` passes (a loaded machine is slow).

    The caller asserts what it waited for, so a timeout fails there with its own message.
    """
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
