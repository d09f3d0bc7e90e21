"""A thread that owns one serial port: it runs queued requests and reads the stream.

Serial instruments stream while the host still sends commands (LPM01A ``stop``),
so one thread must both read and write. Callers hand it requests (a function of
the port) and wait for the result; between requests it reads whatever arrived
and passes it to the driver's parser, and it calls the driver's ``idle`` hook
(stall watchdogs) on every turn.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

import serial

_T = TypeVar("_T")
_READ_CHUNK = 1 << 16


class PortWorker:
    """The owning thread of ``port`` (an open pyserial object with a short timeout)."""

    def __init__(
        self,
        name: str,
        port: Any,
        *,
        on_bytes: Callable[[bytes], None],
        on_idle: Callable[[float], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self.port = port
        self._on_bytes = on_bytes
        self._on_idle = on_idle
        self._on_error = on_error
        self._requests: queue.SimpleQueue[tuple[Callable[[Any], Any], Future[Any]]] = (
            queue.SimpleQueue()
        )
        self._stop = threading.Event()
        self.reading = False  # the stream is read only while True
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def call(self, fn: Callable[[Any], _T], timeout_s: float) -> _T:
        """Run ``fn(port)`` on the owning thread and return its result."""
        if not self._thread.is_alive():
            raise RuntimeError("the port's thread has ended")
        future: Future[_T] = Future()
        self._requests.put((fn, future))
        return future.result(timeout=timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                fn, future = self._requests.get_nowait()
            except queue.Empty:
                pass
            else:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(fn(self.port))
                    except BaseException as exc:  # handed to the caller
                        future.set_exception(exc)
                continue
            if not self.reading:
                time.sleep(0.005)
                self._on_idle(time.monotonic())
                continue
            try:
                waiting = self.port.in_waiting
                data = self.port.read(min(max(waiting, 1), _READ_CHUNK))
            except (serial.SerialException, OSError, TypeError) as exc:
                self.reading = False
                self._on_error(exc)
                continue
            try:
                if data:
                    self._on_bytes(bytes(data))
                self._on_idle(time.monotonic())
            except Exception as exc:  # a parser bug must not kill the port silently
                self.reading = False
                self._on_error(exc)

    def close(self) -> None:
        """Stop the thread and close the port."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        with contextlib.suppress(serial.SerialException, OSError):
            self.port.close()
