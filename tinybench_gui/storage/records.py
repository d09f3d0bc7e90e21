"""The rows a run file holds, as typed values (written by ``RunWriter``, read by ``Run``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Samples:
    """Consecutive samples of one or more channels sharing a time base.

    ``channels`` maps a channel name (``current_a``, ``voltage_v``, ``digital``,
    ``energy_j``…) to a 1-D array; all arrays have the same length.
    """

    first_sample_index: int
    sample_rate_hz: float
    channels: Mapping[str, npt.NDArray[np.generic]]


class MonitorEventLike(Protocol):
    """An instrument event at a sample index (``streams.blocks.MonitorEvent``)."""

    @property
    def sample_index(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...


class SampleBlockLike(Protocol):
    """What an energy monitor delivers (``streams.blocks.SampleBlock``)."""

    @property
    def first_sample_index(self) -> int: ...
    @property
    def sample_rate_hz(self) -> float: ...
    @property
    def current_a(self) -> npt.NDArray[np.float32]: ...
    @property
    def voltage_v(self) -> npt.NDArray[np.float32] | None: ...
    @property
    def digital(self) -> npt.NDArray[np.uint8] | None: ...
    @property
    def energy_j(self) -> npt.NDArray[np.float64] | None: ...
    @property
    def events(self) -> Sequence[MonitorEventLike]: ...


class EdgeLike(Protocol):
    """A level change of a digital line (``streams.edges.Edge``)."""

    @property
    def line(self) -> int: ...
    @property
    def sample_index(self) -> int: ...
    @property
    def rising(self) -> bool: ...


class TranscriptEntryLike(Protocol):
    """One protocol line (``devices.transport.TranscriptEntry``)."""

    @property
    def host_time_s(self) -> float: ...
    @property
    def source(self) -> str: ...
    @property
    def direction(self) -> str: ...
    @property
    def text(self) -> str: ...


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """A protocol line as stored: ``source`` is dut/io/emon, ``direction`` tx/rx."""

    host_time_s: float
    source: str
    direction: str
    text: str


@dataclass(frozen=True, slots=True)
class TimedWindow:
    """One timed window (performance or energy), between a start and a stop edge.

    Sample indices are -1 when the window was timed by the DUT's own timer
    (performance mode without an energy monitor); energy and power are NaN then.
    """

    window: int
    iterations: int
    runtime_s: float
    start_sample: int = -1
    stop_sample: int = -1
    energy_j: float = float("nan")
    power_w: float = float("nan")
    valid: bool = True
    note: str = ""


@dataclass(frozen=True, slots=True)
class InferenceRecord:
    """One inference inside a window, where the trace resolves it."""

    window: int
    inference: int
    start_sample: int
    stop_sample: int
    duration_s: float
    energy_j: float = float("nan")


@dataclass(frozen=True, slots=True)
class AccuracyRecord:
    """The DUT's answer for one input file.

    ``true_class``/``predicted_class`` are -1 when they do not apply (AD's
    predicted class); ``score`` is the AD anomaly score (NaN for classifiers).
    ``host_results`` is the host reference model's output for the same input and
    ``host_agrees`` whether the DUT's answer matches it (None: not checked).
    """

    file: str
    true_class: int
    predicted_class: int
    results: Sequence[float] = field(default=())
    score: float = float("nan")
    host_results: Sequence[float] = field(default=())
    host_agrees: bool | None = None

    @property
    def correct(self) -> bool:
        """Whether the predicted class is the true one (False when not a classifier)."""
        return self.true_class >= 0 and self.true_class == self.predicted_class


@dataclass(frozen=True, slots=True)
class OfficialResult:
    """One score as the benchmark defines it, e.g. ``median_throughput`` in ``inf./sec.``."""

    name: str
    value: float
    units: str
    valid: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Gap:
    """Samples missing from a channel's time base (instrument drop or writer backlog)."""

    sample_index: int
    missing_samples: int
    reason: str
