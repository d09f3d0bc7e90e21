"""An energy monitor on a serial port URL, read by the port's owning thread.

The LPM01A and PPK2 drivers differ in their protocol only: both open the port
(an error names it), check on it that it is their instrument, hand requests to
its ``PortWorker`` with a timeout, parse the stream on that thread, end the
stream with a failure that says so when the thread fails or nothing arrives for
``stall_timeout_s``, and stop a running stream before they release the port.
"""

from __future__ import annotations

import contextlib
import time
from abc import abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from tinybench_gui.devices.energy.driver_base import MonitorDriver
from tinybench_gui.devices.energy.monitor import BlockSink, MonitorError
from tinybench_gui.devices.energy.port_worker import PortWorker
from tinybench_gui.devices.transport import PortUnavailableError, open_serial

_T = TypeVar("_T")


class SerialMonitorDriver(MonitorDriver):
    """A monitor whose stream arrives on a serial port URL (device, pty or socket)."""

    _BAUD_RATE: ClassVar[int]
    _STOP_STREAM: ClassVar[bytes]  # written when the port is closed mid-stream
    _STALL_WHAT: ClassVar[str]  # what a stall found missing ("no samples")
    _STALL_FIX: ClassVar[str]

    def __init__(self, url: str, *, stall_timeout_s: float) -> None:
        super().__init__(stall_timeout_s=stall_timeout_s)
        self._url = url
        self._worker: PortWorker | None = None
        self._next_index = 0

    @property
    def port(self) -> str:
        """The serial port URL."""
        return self._url

    def open(self) -> None:
        """Open the port and check that the instrument on it is this model."""
        if self._worker is not None:
            return
        try:
            port = open_serial(self._url, self._BAUD_RATE)
        except PortUnavailableError as exc:
            raise self._error(f"cannot open the port ({exc.what})", fix=exc.fix or "") from exc
        self._worker = PortWorker(
            f"{self.capabilities.model.lower()}-reader {self._url}",
            port,
            on_bytes=self._on_bytes,
            on_idle=self._on_idle,
            on_error=self._on_error,
        )
        self._identify()

    @abstractmethod
    def _identify(self) -> None:
        """Ask the open port who it is; raise ``MonitorError`` if not this model."""

    @abstractmethod
    def _on_bytes(self, data: bytes) -> None:
        """Parse stream bytes and hand blocks to the sink (the port's thread)."""

    def _call(self, fn: Callable[[Any], _T], command: str, timeout_s: float = 2.0) -> _T:
        """Run ``fn(port)`` on the port's thread; ``command`` names it in errors."""
        if self._worker is None:
            raise self._error("not open", command, "call open() first")
        try:
            return self._worker.call(fn, timeout_s)
        except TimeoutError as exc:
            raise self._error("the port's thread did not answer", command) from exc

    def _begin_stream(self, sink: BlockSink) -> None:
        """Reset the stream's state; the start command follows."""
        self._sink = sink
        self._next_index = 0
        self._failure = None
        self._last_data_s = time.monotonic()

    def _set_reading(self, reading: bool) -> None:
        """Switch the port's thread between reading the stream and idling (on that thread)."""
        assert self._worker is not None
        self._worker.reading = reading

    def close(self) -> None:
        """Stop the stream if running and release the port."""
        worker, self._worker = self._worker, None
        if worker is not None:
            if worker.reading:
                # The port may be gone already.
                with contextlib.suppress(Exception):
                    worker.call(lambda port: port.write(self._STOP_STREAM), 1.0)
            worker.close()

    # -- the port's thread ---------------------------------------------------------------------
    def _on_error(self, exc: BaseException) -> None:
        self._failure = (
            exc
            if isinstance(exc, MonitorError)
            else self._error(
                f"stream failed after sample {self._next_index} ({exc})",
                fix="check the USB cable; the samples taken so far are kept",
            )
        )

    def _on_idle(self, now_s: float) -> None:
        worker = self._worker
        if worker is None or not worker.reading:
            return
        if now_s - self._last_data_s > self.stall_timeout_s:
            worker.reading = False
            self._failure = self._error(
                f"stopped streaming: {self._STALL_WHAT} for {self.stall_timeout_s:g} s after "
                f"sample {self._next_index}",
                fix=f"{self._STALL_FIX}; the samples taken so far are kept",
            )
