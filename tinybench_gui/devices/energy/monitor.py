"""The EnergyMonitor capability every instrument driver provides.

A monitor is configured (sample rate, supply voltage), powers the DUT where it
can, and between ``start`` and ``stop`` hands ``SampleBlock``s to a sink on its
own reader thread. The reader thread owns the instrument's port; the public
methods queue work for it and wait, so they may be called from any one thread
(the runner's). A failure of the stream (instrument stopped streaming, garbled
data it cannot resync from) is kept in ``failure`` and the stream ends; samples
already delivered stay delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from tinybench_gui.streams.blocks import SampleBlock

BlockSink = Callable[[SampleBlock], None]
EdgePolarity = Literal["falling", "rising"]


class MonitorError(RuntimeError):
    """An energy monitor failed; the message names the instrument, port, command and fix."""

    def __init__(
        self, what: str, *, monitor: str, port: str, command: str | None = None, fix: str = ""
    ) -> None:
        self.what = what
        self.monitor = monitor
        self.port = port
        self.command = command
        self.fix = fix
        text = f"{monitor} on {port}: {what}"
        if command is not None:
            text += f" (command {command!r})"
        if fix:
            text += f". Fix: {fix}"
        super().__init__(text)


@dataclass(frozen=True, slots=True)
class MonitorCapabilities:
    """What an instrument has; results derived from a set-point are labelled from this.

    Attributes
    ----------
    model:
        Instrument model (``LPM01A``, ``PPK2``, ``JS220``, ``JS110``).
    max_sample_rate_hz:
        Highest output sample rate.
    voltage_measured:
        True if the rail voltage is measured; False if only the set-point is known.
    power_switching:
        Whether the instrument can switch the DUT supply.
    digital_lines:
        Bit numbers of the logic inputs it samples with the current.
    timestamp_line:
        Bit (or pseudo line) of the DUT's timestamp pin.
    timestamp_edge:
        Which edge of the timestamp pulse the instrument reports: ``falling``
        for the LPM01A's D7 event (``eventsrc d7 fal``), both for sampled lines
        (we use the falling edge, as the LPM01A does).
    timestamp_events:
        True if the instrument reports the timestamp as events (no sampled level,
        so no pulse width).
    inference_line:
        Bit of the optional inference pin (high during each inference), if sampled.
    saturation_current_a:
        Current at which the measuring range saturates.
    supply_range_v:
        Settable supply range ``(min, max)``, or None if it cannot supply the DUT.
    """

    model: str
    max_sample_rate_hz: float
    voltage_measured: bool
    power_switching: bool
    digital_lines: tuple[int, ...]
    timestamp_line: int
    timestamp_edge: EdgePolarity
    timestamp_events: bool
    inference_line: int | None
    saturation_current_a: float
    supply_range_v: tuple[float, float] | None


@dataclass(frozen=True, slots=True)
class MonitorStats:
    """Counters a driver keeps while streaming."""

    samples: int
    dropped_samples: int
    garbled: int


@runtime_checkable
class EnergyMonitor(Protocol):
    """The interface of every energy monitor driver."""

    @property
    def capabilities(self) -> MonitorCapabilities:
        """What this instrument has."""
        ...

    @property
    def port(self) -> str:
        """Where the instrument is (port URL or device path), for messages."""
        ...

    @property
    def sample_rate_hz(self) -> float:
        """The configured output sample rate."""
        ...

    @property
    def failure(self) -> MonitorError | None:
        """Why the stream ended early, or None."""
        ...

    def open(self) -> None:
        """Connect, identify the instrument and check its firmware."""
        ...

    def configure(self, *, sample_rate_hz: float | None, supply_voltage_v: float) -> None:
        """Set the output rate (None: the instrument's benchmark default) and the supply."""
        ...

    def power(self, on: bool) -> None:
        """Switch the DUT supply (a no-op where ``power_switching`` is False)."""
        ...

    def start(self, sink: BlockSink) -> None:
        """Start streaming; ``sink`` gets every block on the reader thread."""
        ...

    def stop(self) -> None:
        """Stop streaming (after the last block was delivered)."""
        ...

    def stats(self) -> MonitorStats:
        """Counters so far."""
        ...

    def close(self) -> None:
        """Release the instrument (safe to call twice)."""
        ...
