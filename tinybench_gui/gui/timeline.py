"""What happened when during a run, on the trace's time axis (no Qt).

The live trace's time axis is seconds since the run started. The timeline turns
the runner's events into things drawn on that axis: phase bands (downloading,
warming up, measuring), the timed windows, and every protocol line as an
annotation. It is filled on the GUI thread by the bridge and read by the views.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from tinybench_gui.runner.state import RunState

MAX_ANNOTATIONS = 200_000  # a day of a chatty run; older lines drop off the trace (not the file)


@dataclass(frozen=True, slots=True)
class Annotation:
    """One protocol line or app message at ``t_s``."""

    t_s: float
    source: str
    direction: str  # "tx" (host to device) or "rx"
    text: str


@dataclass(slots=True)
class Band:
    """A span of one phase; ``t1_s`` is None while it lasts."""

    t0_s: float
    t1_s: float | None
    state: RunState
    detail: str = ""


@dataclass(slots=True)
class Timeline:
    """Phases, timed windows and annotations of one run, in seconds since ``origin_s``."""

    origin_s: float = 0.0  # host time.time() of t = 0
    bands: list[Band] = field(default_factory=list)
    windows: list[tuple[float, float, int]] = field(default_factory=list)  # (t0, t1, index)
    inferences: list[tuple[float, float]] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    _times: list[float] = field(default_factory=list)
    _window_index: int = 0

    def clear(self, origin_s: float) -> None:
        """Start a new run at host time ``origin_s``."""
        self.origin_s = origin_s
        self.bands.clear()
        self.windows.clear()
        self.inferences.clear()
        self.annotations.clear()
        self._times.clear()
        self._window_index = 0

    def to_t(self, host_time_s: float) -> float:
        """Host time to trace time."""
        return host_time_s - self.origin_s

    def phase(self, host_time_s: float, state: RunState, detail: str = "") -> None:
        """The run moved to ``state`` at ``host_time_s``."""
        t = self.to_t(host_time_s)
        if self.bands and self.bands[-1].t1_s is None:
            last = self.bands[-1]
            if last.state == state:
                last.detail = detail
                return
            last.t1_s = t
            if last.state == RunState.MEASURING:
                self._window_index += 1
                self.windows.append((last.t0_s, t, self._window_index))
        if not state.finished and state != RunState.IDLE:
            self.bands.append(Band(t, None, state, detail))

    def annotate(self, host_time_s: float, source: str, direction: str, text: str) -> None:
        """A protocol line or app message."""
        t = self.to_t(host_time_s)
        if len(self.annotations) >= MAX_ANNOTATIONS:
            drop = MAX_ANNOTATIONS // 10
            del self.annotations[:drop]
            del self._times[:drop]
        if self._times and t < self._times[-1]:
            t = self._times[-1]  # host clocks can step back; keep the axis ordered
        self.annotations.append(Annotation(t, source, direction, text))
        self._times.append(t)

    def index_range(self, t0_s: float, t1_s: float) -> tuple[int, int]:
        """Positions in ``annotations`` of the lines with ``t0_s <= t < t1_s``."""
        return bisect.bisect_left(self._times, t0_s), bisect.bisect_left(self._times, t1_s)

    def annotations_between(self, t0_s: float, t1_s: float) -> list[Annotation]:
        """Annotations with ``t0_s <= t < t1_s``."""
        i0, i1 = self.index_range(t0_s, t1_s)
        return self.annotations[i0:i1]

    def end_s(self) -> float:
        """Latest time anything happened."""
        ends = [self._times[-1]] if self._times else []
        if self.bands:
            last = self.bands[-1]
            ends.append(last.t1_s if last.t1_s is not None else last.t0_s)
        return max(ends, default=0.0)
