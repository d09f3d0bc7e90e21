"""Where a trace view gets its data: a live acquisition's ring, or a run file.

Both answer the same questions for the same view: the time extent, per-column
min/max/mean for ``(t0, t1, n_px)``, the timestamp marks, the timed windows and
inferences, the annotations, and the raw samples of a span (for statistics).

- ``LiveSource`` reads a ``SampleRing`` (memory, filled by the monitor's reader
  thread) synchronously on the GUI thread: a decimation of a full view costs
  about a millisecond (platform.md §3).
- ``FileSource`` owns an opened run file on one worker thread; column requests
  are queued there (newest wins) and the view redraws when the answer arrives.
  The GUI thread never touches the file.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from tinybench_gui.gui.decimate import Columns, column_grid, decimate
from tinybench_gui.gui.qt_bridge import QtBridge
from tinybench_gui.gui.stats import SpanStats, span_stats, summary_stats
from tinybench_gui.gui.tasks import LatestOnly
from tinybench_gui.gui.timeline import Timeline

F64 = npt.NDArray[np.float64]
SPAN_RAW_LIMIT = 50_000_000  # samples read raw for marker statistics; beyond: exact summary sums


class AcquisitionLike(Protocol):
    """What the live view needs of ``streams.acquisition.Acquisition``."""

    ring: Any

    def edges(self, since: int = 0) -> list[Any]: ...


@dataclass(slots=True)
class Marks:
    """Timestamp marks and inference spans, in trace seconds."""

    timestamps_s: F64 = field(default_factory=lambda: np.empty(0))
    inferences: list[tuple[float, float, float]] = field(default_factory=list)  # t0, t1, energy


class TraceSource(Protocol):
    """The questions a trace view asks."""

    timeline: Timeline
    supply_voltage_v: float
    live: bool

    def extent(self) -> tuple[float, float]: ...
    def columns(self, t0_s: float, t1_s: float, n_px: int) -> Columns | None: ...
    def marks(self) -> Marks: ...
    def span_stats(self, t0_s: float, t1_s: float) -> SpanStats: ...  # worker thread
    def close(self) -> None: ...


@dataclass(slots=True)
class _ColumnCache:
    """Columns ``[first_col, ...)`` of a grid of ``per_col`` samples, in sample time."""

    per_col: int
    first_col: int
    full_end_col: int  # columns before this one held all their samples
    cols: Columns

    def columns_slice(self, a: int, b: int) -> Columns:
        c = self.cols
        b = min(b, c.t_s.shape[0])
        return Columns(
            c.t_s[a:b],
            c.min[a:b],
            c.max[a:b],
            c.mean[a:b],
            None if c.digital_min is None else c.digital_min[a:b],
            None if c.digital_max is None else c.digital_max[a:b],
        )


def _concat(parts: list[Columns]) -> Columns:
    if len(parts) == 1:
        return parts[0]
    digital = all(p.digital_min is not None for p in parts)
    return Columns(
        np.concatenate([p.t_s for p in parts]),
        np.concatenate([p.min for p in parts]),
        np.concatenate([p.max for p in parts]),
        np.concatenate([p.mean for p in parts]),
        np.concatenate([p.digital_min for p in parts]) if digital else None,  # type: ignore[misc]
        np.concatenate([p.digital_max for p in parts]) if digital else None,  # type: ignore[misc]
    )


class LiveSource:
    """A running (or just finished) acquisition plus the run's timeline."""

    live = True

    def __init__(
        self,
        timeline: Timeline,
        acquisition: AcquisitionLike | None = None,
        *,
        supply_voltage_v: float = 3.0,
        timestamp_line: int = 0,
        inference_line: int | None = 1,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.timeline = timeline
        self.acquisition = acquisition
        self.supply_voltage_v = supply_voltage_v
        self.timestamp_line = timestamp_line
        self.inference_line = inference_line
        self._clock = clock
        self._offset_s: float | None = None  # trace t = sample t + offset
        self._cache: _ColumnCache | None = None
        self._edge_cursor = 0
        self._stamps: list[float] = []
        self._rise: float | None = None
        self._rise_energy = 0.0
        self._marks = Marks()
        self.running = False

    def set_acquisition(self, acquisition: AcquisitionLike, started_t_s: float) -> None:
        """Show ``acquisition``, whose sample 0 was taken at trace time ``started_t_s``."""
        self.acquisition = acquisition
        self._offset_s = started_t_s
        self._cache = None
        tracker = getattr(acquisition, "tracker", None)
        if tracker is not None:
            self.supply_voltage_v = float(tracker.supply_voltage_v)
        self._edge_cursor = 0
        self._stamps = []
        self._marks = Marks()

    @property
    def ring(self) -> Any:
        """The acquisition's ring, or None."""
        return None if self.acquisition is None else self.acquisition.ring

    def _sample_offset(self) -> float | None:
        ring = self.ring
        if ring is None or ring.end_index == 0 or not ring.sample_rate_hz:
            return None
        if self._offset_s is None:
            # No shared clock with the monitor yet: place its newest sample at "now".
            now_t = self._clock() - self.timeline.origin_s
            self._offset_s = now_t - ring.end_index / ring.sample_rate_hz
        return self._offset_s

    def extent(self) -> tuple[float, float]:
        """From 0 to the newest thing known (a running run: now)."""
        offset = self._sample_offset()
        if offset is not None:
            # Samples arrive a little late (USB, the instrument's own buffering): the
            # newest sample is the right edge, so a followed trace never ends in a gap.
            ring = self.ring
            return 0.0, max(ring.end_index / ring.sample_rate_hz + offset, 1e-3)
        end = self.timeline.end_s()
        if self.running:
            end = max(end, self._clock() - self.timeline.origin_s)
        return 0.0, max(end, 1e-3)

    def columns(self, t0_s: float, t1_s: float, n_px: int) -> Columns | None:
        """Decimate the ring's samples in view; None when there is no sample there.

        Complete columns are cached on their grid: while following, a frame only
        decimates the samples that arrived since the last one (Joulescope's
        summaries do the same), not the whole view.
        """
        offset = self._sample_offset()
        if offset is None:
            return None
        ring = self.ring
        fs = ring.sample_rate_hz
        i0 = (t0_s - offset) * fs
        i1 = (t1_s - offset) * fs
        per_col, start, stop = column_grid(i0, i1, n_px)
        oldest = max(ring.start_index, ring.end_index - ring.capacity + 1)
        start = max(start, -(-oldest // per_col) * per_col)
        stop = min(stop, ring.end_index)
        if stop <= start:
            return None
        first_col = start // per_col
        cache = self._cache
        reuse_to = start  # samples before this come from the cache
        if cache is not None and cache.per_col == per_col and cache.first_col <= first_col:
            reuse_to = max(start, min(cache.full_end_col * per_col, stop))
        new = None
        if stop > reuse_to:
            read = ring.read(reuse_to, stop)
            view = read.view
            if len(view):
                new = decimate(view.current_a, view.first_sample_index, per_col, fs, view.digital)
                reuse_to = view.first_sample_index
        parts = []
        if cache is not None and reuse_to > start and cache.per_col == per_col:
            a = first_col - cache.first_col
            b = reuse_to // per_col - cache.first_col
            parts.append(cache.columns_slice(a, b))
        if new is not None:
            parts.append(new)
        if not parts:
            return None
        cols = _concat(parts)
        full_end = (ring.end_index // per_col) if stop >= ring.end_index else stop // per_col
        self._cache = _ColumnCache(per_col, first_col, full_end, cols)
        return Columns(
            cols.t_s + offset, cols.min, cols.max, cols.mean, cols.digital_min, cols.digital_max
        )

    def marks(self) -> Marks:
        """Timestamp marks (falling edges of the timestamp line) and inference spans."""
        offset = self._sample_offset()
        if offset is None or self.acquisition is None:
            return self._marks
        new = self.acquisition.edges(self._edge_cursor)
        if new:
            self._edge_cursor += len(new)
            fs = self.ring.sample_rate_hz
            for edge in new:
                t = edge.sample_index / fs + offset
                if (edge.line == self.timestamp_line or edge.from_event) and not edge.rising:
                    self._stamps.append(t)
                elif edge.line == self.inference_line:
                    if edge.rising:
                        self._rise, self._rise_energy = t, edge.energy_j
                    elif self._rise is not None:
                        self._marks.inferences.append(
                            (self._rise, t, edge.energy_j - self._rise_energy)
                        )
                        self._rise = None
            self._marks.timestamps_s = np.asarray(self._stamps)
        return self._marks

    def span_stats(self, t0_s: float, t1_s: float) -> SpanStats:
        """Statistics of every sample of ``[t0_s, t1_s)`` still in the ring (worker thread)."""
        offset = self._sample_offset()
        if offset is None:
            raise LookupError("no samples: this bench has no energy monitor streaming")
        ring = self.ring
        fs = ring.sample_rate_hz
        i0 = int(np.floor((t0_s - offset) * fs))
        i1 = int(np.ceil((t1_s - offset) * fs))
        read = ring.read(i0, i1)
        view = read.view
        if len(view) == 0:
            raise LookupError("the span is no longer in the live buffer; open the run file")
        scope = "marker span, all samples"
        if read.lost:
            scope += f" still in the live buffer ({read.lost} older samples dropped out)"
        return span_stats(
            view.current_a,
            fs,
            view.first_sample_index / fs + offset,
            voltage_v=view.voltage_v,
            supply_voltage_v=self.supply_voltage_v,
            scope=scope,
        )

    def close(self) -> None:
        """Nothing to release: the ring belongs to the acquisition."""


@dataclass(slots=True)
class FileInfo:
    """What ``FileSource`` reads once when it opens a run."""

    path: Path
    duration_s: float
    sample_rate_hz: float
    channels: dict[str, Any]
    status: str
    mode: str
    model: str
    results: list[Any]
    windows: npt.NDArray[Any]
    inferences: npt.NDArray[Any]
    edges: npt.NDArray[Any]
    transcript: npt.NDArray[Any]
    time_map: npt.NDArray[Any]
    provenance: dict[str, Any]


def read_file_info(run: Any) -> FileInfo:
    """Everything small about an open run (worker thread)."""
    current = run.channels.get("current_a")
    fs = current.sample_rate_hz if current is not None else 0.0
    return FileInfo(
        path=run.path,
        duration_s=run.duration_s,
        sample_rate_hz=fs,
        channels=dict(run.channels),
        status=run.status.describe(),
        mode=run.mode,
        model=run.model,
        results=list(run.results),
        windows=run.table("windows"),
        inferences=run.table("inferences"),
        edges=run.table("edges"),
        transcript=run.table("transcript"),
        time_map=run.table("time_map"),
        provenance=run.provenance,
    )


class FileSource:
    """A run file, read on its own worker thread.

    ``open_run`` is ``storage.reader.load_run``; it runs on the worker. Call
    ``on_update`` is called (GUI thread) when new columns or the file info arrive.
    """

    live = False

    def __init__(
        self,
        path: Path,
        bridge: QtBridge,
        open_run: Callable[[Path], Any],
        *,
        on_opened: Callable[[FileInfo], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        time_shift_s: float = 0.0,
    ) -> None:
        self.path = path
        self.timeline = Timeline()
        self.supply_voltage_v = 3.0
        self.time_shift_s = time_shift_s  # added to file time (aligning a compared run)
        self.info: FileInfo | None = None
        self._on_update: Callable[[], Any] | None = None
        self._run: Any = None
        self._worker = LatestOnly(bridge, f"file-reader:{path.name}")
        self._cols: Columns | None = None
        self._cols_key: tuple[float, float, int] | None = None
        self._asked: tuple[float, float, int] | None = None
        self._marks = Marks()
        self._open_run = open_run
        self.opened_at_s = time.perf_counter()
        self.first_columns_at_s: float | None = None

        def work() -> FileInfo:
            self._run = open_run(path)
            return read_file_info(self._run)

        def done(info: FileInfo) -> None:
            self._set_info(info)
            if on_opened is not None:
                on_opened(info)
            self._changed()

        self._worker.submit(work, done, on_error)

    @property
    def on_update(self) -> Callable[[], None] | None:
        """Called (GUI thread) when new columns or the file info arrived."""
        return self._on_update

    @on_update.setter
    def on_update(self, callback: Callable[[], None] | None) -> None:
        # A view's bound method is held weakly: the worker's jobs reference this
        # source, and must never keep a widget alive (see tasks.py).
        if callback is not None and hasattr(callback, "__self__"):
            ref = weakref.WeakMethod(callback)  # type: ignore[arg-type]

            def call() -> None:
                method = ref()
                if method is not None:
                    method()

            self._on_update = call
        else:
            self._on_update = callback

    def _changed(self) -> None:
        if self._on_update is not None:
            self._on_update()

    def _set_info(self, info: FileInfo) -> None:
        self.info = info
        self.supply_voltage_v = float(info.provenance.get("supply_voltage_v", 3.0) or 3.0)
        fs = info.sample_rate_hz or 1.0
        shift = self.time_shift_s
        for w in info.windows:
            if w["start_sample"] >= 0 and w["stop_sample"] >= 0:
                self.timeline.windows.append(
                    (
                        w["start_sample"] / fs + shift,
                        w["stop_sample"] / fs + shift,
                        int(w["window"]),
                    )
                )
        self._marks.inferences = [
            (r["start_sample"] / fs + shift, r["stop_sample"] / fs + shift, float(r["energy_j"]))
            for r in info.inferences
        ]
        edges = info.edges
        if edges.shape[0]:
            stamp = edges[(edges["line"] == 0) & (edges["polarity"] < 0)]
            self._marks.timestamps_s = stamp["sample_index"] / fs + shift
        tm = info.time_map
        tr = info.transcript
        if tr.shape[0]:
            host = tr["host_time_s"].astype(np.float64)
            if tm.shape[0] >= 1 and fs:
                t = np.interp(host, tm["host_time_s"], tm["sample_index"] / fs)
                if tm.shape[0] == 1:
                    t = host - tm["host_time_s"][0] + tm["sample_index"][0] / fs
            else:
                t = host - host[0]
            self.timeline.origin_s = 0.0
            for ti, row in zip(t, tr, strict=True):
                self.timeline.annotate(
                    float(ti) + shift, row["source"], row["direction"], row["line"]
                )

    def extent(self) -> tuple[float, float]:
        """The file's time span (shifted)."""
        if self.info is None:
            return 0.0, 1.0
        end = max(self.info.duration_s, self.timeline.end_s() - self.time_shift_s, 1e-3)
        return self.time_shift_s, end + self.time_shift_s

    def columns(self, t0_s: float, t1_s: float, n_px: int) -> Columns | None:
        """The latest columns read; asks the worker for ``(t0, t1, n_px)`` if different."""
        if self.info is None or "current_a" not in self.info.channels:
            return None
        key = (round(t0_s, 9), round(t1_s, 9), n_px)
        if key not in (self._cols_key, self._asked):
            self._asked = key
            shift = self.time_shift_s
            names = ["current_a"] + (["digital"] if "digital" in self.info.channels else [])

            def work() -> tuple[tuple[float, float, int], Columns]:
                t0 = max(t0_s - shift, 0.0)
                t1 = max(t1_s - shift, t0 + 1e-9)
                view = self._run.view(t0, t1, n_px, channels=names)
                c = view.channels["current_a"]
                d = view.channels.get("digital")
                width = (t1 - t0) / n_px
                dmin = dmax = None
                if d is not None:
                    dmin = np.nan_to_num(d.min).astype(np.uint8)
                    dmax = np.nan_to_num(d.max).astype(np.uint8)
                return key, Columns(view.t_s + width / 2 + shift, c.min, c.max, c.mean, dmin, dmax)

            def done(result: tuple[tuple[float, float, int], Columns]) -> None:
                self._cols_key, self._cols = result
                if self.first_columns_at_s is None:
                    self.first_columns_at_s = time.perf_counter()
                self._changed()

            self._worker.submit(work, done)
        return self._cols

    def marks(self) -> Marks:
        """Timestamps and inferences from the file's tables."""
        return self._marks

    def span_stats(self, t0_s: float, t1_s: float) -> SpanStats:
        """Exact statistics of a span (called on a worker; reads the file there)."""
        assert self.info is not None
        fs = self.info.sample_rate_hz
        t0, t1 = t0_s - self.time_shift_s, t1_s - self.time_shift_s
        if (t1 - t0) * fs <= SPAN_RAW_LIMIT:
            _, x = self._run.samples("current_a", t0, t1)
            volts = None
            if "voltage_v" in self.info.channels:
                _, volts = self._run.samples("voltage_v", t0, t1)
            return span_stats(
                x,
                fs,
                max(t0, 0.0) + self.time_shift_s,
                voltage_v=volts,
                supply_voltage_v=self.supply_voltage_v,
            )
        view = self._run.view(t0, t1, 1, channels=["current_a"])
        c = view.channels["current_a"]
        n = np.array([(t1 - t0) * fs])
        return summary_stats(
            count=n,
            mean=c.mean,
            std=c.std,
            lo=c.min,
            hi=c.max,
            sample_rate_hz=fs,
            t0_s=t0_s,
            t1_s=t1_s,
            supply_voltage_v=self.supply_voltage_v,
        )

    def close(self) -> None:
        """Stop the worker, then close the file off the GUI thread."""
        self._worker.close()
        run, self._run = self._run, None
        if run is not None:
            threading.Thread(target=run.close, name="file-close", daemon=True).start()
