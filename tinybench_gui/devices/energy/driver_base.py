"""What every energy monitor driver keeps: the stream's failure, its counters, its errors.

Each driver names its instrument and port in every error the same way (from its
``capabilities.model`` and ``port``), keeps why the stream ended in ``failure``
and counts samples, dropped samples and garbled input for ``stats``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from tinybench_gui.devices.energy.monitor import (
    BlockSink,
    MonitorCapabilities,
    MonitorError,
    MonitorStats,
)


class MonitorDriver(ABC):
    """The state an ``EnergyMonitor`` implementation shares with the others."""

    def __init__(self, *, stall_timeout_s: float) -> None:
        self.stall_timeout_s = stall_timeout_s
        self._failure: MonitorError | None = None
        self._sink: BlockSink | None = None
        self._last_data_s = 0.0
        self._samples = 0
        self._dropped = 0
        self._garbled = 0

    @property
    @abstractmethod
    def capabilities(self) -> MonitorCapabilities:
        """What this instrument has."""

    @property
    @abstractmethod
    def port(self) -> str:
        """Where the instrument is (port URL or device path), for messages."""

    @property
    def failure(self) -> MonitorError | None:
        """Why the stream ended early."""
        return self._failure

    def stats(self) -> MonitorStats:
        """Samples, dropped samples and garbled input (what each driver counts as such)."""
        return MonitorStats(self._samples, self._dropped, self._garbled)

    def _error(self, what: str, command: str | None = None, fix: str = "") -> MonitorError:
        return MonitorError(
            what, monitor=self.capabilities.model, port=self.port, command=command, fix=fix
        )
