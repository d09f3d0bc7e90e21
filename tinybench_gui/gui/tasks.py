"""Background work for the GUI: a function runs on a worker thread, its result
comes back on the GUI thread through the bridge.

Anything that touches a file goes through here, so the GUI thread never waits on
it. ``LatestOnly`` keeps one worker per purpose and drops requests superseded
before they started (zooming fast through a file reads only the last view asked
for).

The callbacks never travel to the worker: they stay in a table on the GUI side
and the worker hands back only a job number and a result. A worker thread that
held the last reference to a closure over a widget would destroy that widget on
the wrong thread (Qt aborts: "Timers cannot be stopped from another thread").
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from tinybench_gui.gui.qt_bridge import QtBridge

_log = logging.getLogger(__name__)
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class LatestOnly:
    """One worker thread that runs only the newest request; older pending ones are dropped.

    ``work`` must not hold widgets (it runs, and is released, on the worker).
    """

    def __init__(self, bridge: QtBridge, name: str) -> None:
        self._bridge = bridge
        self._name = name
        self._lock = threading.Condition()
        self._pending: tuple[int, Callable[[], Any]] | None = None
        self._callbacks: dict[int, tuple[Done, Failed | None]] = {}  # GUI thread only
        self._seq = 0
        self._stop = False
        self.busy = False
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(
        self, work: Callable[[], Any], on_done: Done, on_error: Failed | None = None
    ) -> None:
        """Replace any request not started yet with this one (GUI thread; returns at once)."""
        self._seq += 1
        self._callbacks[self._seq] = (on_done, on_error)
        with self._lock:
            if self._pending is not None:
                self._callbacks.pop(self._pending[0], None)
            self._pending = (self._seq, work)
            self._lock.notify()

    def _deliver(self, seq: int, result: Any, error: BaseException | None) -> None:
        callbacks = self._callbacks.pop(seq, None)
        if callbacks is None:
            return
        on_done, on_error = callbacks
        if error is None:
            on_done(result)
        elif on_error is not None:
            on_error(error)

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the worker after the request in progress."""
        with self._lock:
            self._stop = True
            self._pending = None
            self._lock.notify()
        self._thread.join(timeout_s)

    def _loop(self) -> None:
        while True:
            with self._lock:
                while self._pending is None and not self._stop:
                    self._lock.wait()
                if self._stop:
                    return
                assert self._pending is not None
                seq, work = self._pending
                self._pending = None
                self.busy = True
            result: Any = None
            error: BaseException | None = None
            try:
                result = work()
            except BaseException as exc:
                _log.debug("%s failed", self._name, exc_info=True)
                error = exc
            work = None  # type: ignore[assignment]
            self._bridge.call_soon(functools.partial(self._deliver, seq, result, error))
            result = error = None
            self.busy = False
