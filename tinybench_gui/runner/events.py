"""Typed run events, past tense, emitted on the runner's thread.

Subscribers must return quickly; the GUI's bridge re-posts them to its own thread.
Samples never travel as events: they go through ring buffers.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinybench_gui.devices.dut import DutIdentity
from tinybench_gui.devices.transport import TranscriptEntry
from tinybench_gui.runner.plan import RunPlan
from tinybench_gui.runner.results import RunSummary, WindowResult
from tinybench_gui.runner.state import RunnerStatus, RunState
from tinybench_gui.streams.acquisition import Acquisition


@dataclass(frozen=True, slots=True)
class RunStarted:
    """The run began; the plan is fixed from here on."""

    plan: RunPlan
    started_at_s: float  # host time.time()


@dataclass(frozen=True, slots=True)
class DutIdentified:
    """The DUT answered name and profile."""

    identity: DutIdentity
    url: str


@dataclass(frozen=True, slots=True)
class PhaseChanged:
    """The runner moved to another state."""

    state: RunState
    status: RunnerStatus


@dataclass(frozen=True, slots=True)
class ProgressMade:
    """Progress within the run: i of n steps, and an estimate of the time left."""

    status: RunnerStatus


@dataclass(frozen=True, slots=True)
class WindowFinished:
    """A timed window completed."""

    window: WindowResult


@dataclass(frozen=True, slots=True)
class FileScored:
    """Accuracy mode: one dataset file's answer.

    ``results`` is the DUT's vector (AD: the file's score, the mean window MSE);
    ``host_results`` the host reference's, ``agrees`` whether every window matched.
    """

    index: int
    file: str
    label: int
    results: tuple[float, ...]
    host_results: tuple[float, ...] = ()
    windows: int = 1
    agrees: bool | None = None


@dataclass(frozen=True, slots=True)
class AcquisitionStarted:
    """Energy mode: a monitor streams; views pull its samples from ``acquisition.ring``.

    The event carries the acquisition, never samples: readers keep their own cursor
    on the ring and take snapshots of the marked edges.
    """

    monitor: str  # instrument model
    port: str
    sample_rate_hz: float
    acquisition: Acquisition
    # Host time (time.time()) of sample 0: the same moment the runner counts sample
    # indices from, so a view places samples and protocol lines on one axis.
    started_host_s: float


@dataclass(frozen=True, slots=True)
class LogLine:
    """A protocol line or an application message (source ``app``)."""

    entry: TranscriptEntry


@dataclass(frozen=True, slots=True)
class RunFinished:
    """The run ended: done, failed or cancelled; artifacts are written."""

    state: RunState
    reason: str | None
    summary: RunSummary


RunEvent = (
    RunStarted
    | DutIdentified
    | PhaseChanged
    | ProgressMade
    | WindowFinished
    | FileScored
    | AcquisitionStarted
    | LogLine
    | RunFinished
)
