"""The one bridge that carries core callbacks onto the GUI thread.

Workers (the runner, the device watcher, file readers) call ``post(item)`` from
any thread. Items queue in a deque and a single queued signal wakes the GUI
thread, which drains everything posted so far in one go (Joulescope's coalesced
``resync_request``): a burst of 1000 protocol lines costs one wake-up, not 1000.
Status snapshots that supersede each other (``ProgressMade``) are coalesced to
the newest. Samples never come through here: views pull them from ring buffers.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal

from tinybench_gui.runner.events import ProgressMade

_log = logging.getLogger(__name__)
Handler = Callable[[Any], None]


class QtBridge(QObject):
    """Moves items from any thread to handlers on the GUI thread, in order."""

    _wake = Signal()  # queued to the GUI thread; carries nothing, the deque has the items

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if QThread.currentThread() is not self.thread():
            raise RuntimeError("QtBridge must be created on the GUI thread")
        self._items: collections.deque[Any] = collections.deque()
        self._lock = threading.Lock()
        self._scheduled = False
        self._handlers: list[Handler] = []
        self.delivered = 0  # items handed to handlers, for tests and the perf figures
        self.wakeups = 0
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)

    def connect_handler(self, handler: Handler) -> None:
        """Call ``handler(item)`` on the GUI thread for every posted item."""
        self._handlers.append(handler)

    def disconnect_handler(self, handler: Handler) -> None:
        """Stop calling ``handler``."""
        if handler in self._handlers:
            self._handlers.remove(handler)

    def post(self, item: Any) -> None:
        """Queue ``item`` for the GUI thread (any thread; returns at once)."""
        with self._lock:
            if isinstance(item, ProgressMade) and self._items:
                # A newer snapshot makes an undelivered older one worthless.
                last = self._items[-1]
                if isinstance(last, ProgressMade):
                    self._items[-1] = item
                    return
            self._items.append(item)
            if self._scheduled:
                return
            self._scheduled = True
        self._wake.emit()

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run ``fn()`` on the GUI thread (results of workers)."""
        self.post(_Call(fn))

    def _drain(self) -> None:
        with self._lock:
            items = list(self._items)
            self._items.clear()
            self._scheduled = False
        self.wakeups += 1
        for item in items:
            self.delivered += 1
            if isinstance(item, _Call):
                self._guard(item.fn)
                continue
            for handler in list(self._handlers):
                self._guard(handler, item)

    @staticmethod
    def _guard(fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:  # one faulty view must not stop the others
            _log.exception("GUI handler failed")


class _Call:
    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[], None]) -> None:
        self.fn = fn
