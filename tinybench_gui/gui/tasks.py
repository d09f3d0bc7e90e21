"""Background work for the GUI: a function runs on a worker thread, its result
comes back on the GUI thread through the bridge.

Anything that touches a port, a file or a model goes through here, so the GUI
thread never waits on it. ``LatestOnly`` keeps one worker per purpose and drops
requests superseded before they started (zooming fast through a file reads only
the last view asked for).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from tinybench_gui.gui.qt_bridge import QtBridge

_log = logging.getLogger(__name__)
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


def run_in_background(
    bridge: QtBridge,
    work: Callable[[], Any],
    on_done: Done,
    on_error: Failed | None = None,
    *,
    name: str = "tinybench-task",
) -> threading.Thread:
    """Run ``work()`` on a daemon thread; ``on_done(result)`` / ``on_error(exc)`` on the GUI thread."""

    def body() -> None:
        try:
            result = work()
        except BaseException:
            _log.debug("background task %s failed", name, exc_info=True)
            if on_error is not None:
                bridge.call_soon(lambda: on_error(exc))
            return
        bridge.call_soon(lambda: on_done(result))

    thread = threading.Thread(target=body, name=name, daemon=True)
    thread.start()
    return thread


class LatestOnly:
    """One worker thread that runs only the newest request; older pending ones are dropped."""

    def __init__(self, bridge: QtBridge, name: str) -> None:
        self._bridge = bridge
        self._name = name
        self._lock = threading.Condition()
        self._pending: tuple[Callable[[], Any], Done, Failed | None] | None = None
        self._stop = False
        self.busy = False
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(
        self, work: Callable[[], Any], on_done: Done, on_error: Failed | None = None
    ) -> None:
        """Replace any request not started yet with this one; returns at once."""
        with self._lock:
            self._pending = (work, on_done, on_error)
            self._lock.notify()

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
                work, on_done, on_error = self._pending
                self._pending = None
                self.busy = True
            try:
                result = work()
            except BaseException as exc:
                _log.debug("%s failed", self._name, exc_info=True)
                if on_error is not None:
                    self._bridge.call_soon(lambda e=exc, cb=on_error: cb(e))
            else:
                self._bridge.call_soon(lambda r=result, cb=on_done: cb(r))
            finally:
                self.busy = False
