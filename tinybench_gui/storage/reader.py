"""``load_run(path)``: a typed, lazily read view of a run file.

Opening reads only attributes and the small ``/results`` table, so it costs the
same for a 1-second and a 1-hour run (JLS rejected HDF5 as "slow to open": the
cost was reading data to build summaries; here the summaries are in the file).
``Run.view(t0_s, t1_s, n_px)`` reads the coarsest pyramid level that still gives
every pixel column at least one entry, so a view reads at most a few thousand
rows per channel whatever the zoom.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import h5py
import numpy as np
import numpy.typing as npt

from tinybench_gui.storage import layout
from tinybench_gui.storage.records import OfficialResult
from tinybench_gui.storage.recovery import open_run_file

F64 = npt.NDArray[np.float64]

#: A run still marked ``running`` whose heartbeat is older than this, written on
#: another host, is reported as interrupted (on this host the writer pid decides).
STALE_HEARTBEAT_S = 10.0


@dataclass(frozen=True, slots=True)
class RunStatus:
    """The run's status as recorded, and what the reader concluded.

    ``state`` is the recorded status. ``interrupted`` is True when it still says
    ``running`` but no writer is alive (killed, crashed, power cut): the file holds
    everything up to ``last_flush_unix_s``.
    """

    state: layout.RunState
    reason: str
    created_utc: str
    finished_utc: str
    last_flush_unix_s: float
    interrupted: bool

    @property
    def finished(self) -> bool:
        """Whether the run ended and its writer closed the file."""
        return self.state != layout.RunState.RUNNING

    def describe(self) -> str:
        """One line for people."""
        if self.interrupted:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.last_flush_unix_s))
            return (
                f"did not finish: the writer stopped without closing the file "
                f"(killed or crashed); data up to the last flush at {when} is kept"
            )
        if self.state == layout.RunState.RUNNING:
            return "running (still being written)"
        return f"{self.state.value}: {self.reason}" if self.reason else self.state.value


@dataclass(frozen=True, slots=True)
class Channel:
    """One sample channel: ``n_samples`` samples from ``first_sample_index``."""

    name: str
    units: str
    kind: str
    sample_rate_hz: float
    first_sample_index: int
    n_samples: int
    dtype: np.dtype[Any]

    @property
    def duration_s(self) -> float:
        """Time covered by the stored samples."""
        return self.n_samples / self.sample_rate_hz if self.sample_rate_hz else 0.0

    @property
    def t0_s(self) -> float:
        """Run time of the first stored sample."""
        return self.first_sample_index / self.sample_rate_hz if self.sample_rate_hz else 0.0


@dataclass(frozen=True, slots=True)
class ColumnStats:
    """Per pixel column: min, max, mean and std (NaN where the column has no data).

    For a digital channel ``min`` is the bitwise AND and ``max`` the bitwise OR of
    the samples (as floats); ``mean`` and ``std`` are NaN.
    """

    min: F64
    max: F64
    mean: F64
    std: F64
    level: int  # 0 = raw samples, k = pyramid level k


@dataclass(frozen=True, slots=True)
class View:
    """What a plot of ``[t0_s, t1_s)`` with ``n_px`` columns needs."""

    t0_s: float
    t1_s: float
    t_s: F64  # left edge of each column
    channels: dict[str, ColumnStats] = field(default_factory=dict)


def _s(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


class Run:
    """A run file opened read-only. Use as a context manager or call ``close()``."""

    def __init__(self, path: Path, f: h5py.File, swmr: bool) -> None:
        self.path = path
        self._f = f
        #: True when opened through SWMR: the file is live or was not closed.
        self.opened_swmr = swmr
        attrs = f.attrs
        self.layout_version = int(attrs[layout.ATTR_LAYOUT_VERSION])
        self.tinybench_version = _s(attrs.get(layout.ATTR_TINYBENCH_VERSION, ""))
        self.imported_from = _s(attrs.get(layout.ATTR_IMPORTED_FROM, ""))
        prov = f[layout.GROUP_PROVENANCE].attrs.get(layout.ATTR_PROVENANCE_JSON, "{}")
        self.provenance: dict[str, Any] = json.loads(_s(prov))
        self.channels: dict[str, Channel] = {}
        self.results: list[OfficialResult] = []
        self.refresh()

    def refresh(self) -> None:
        """Re-read status, channel lengths and results (a live file keeps growing).

        New channels and a status change made by the writer after the open show up
        only after re-opening; lengths and results of a SWMR-opened file refresh here.
        """
        f = self._f
        self.status = self._read_status()
        for name, ds in f[layout.GROUP_CHANNELS].items():
            if self.opened_swmr:
                ds.refresh()
            self.channels[name] = Channel(
                name=name,
                units=_s(ds.attrs.get(layout.ATTR_UNITS, "")),
                kind=_s(ds.attrs.get(layout.ATTR_KIND, layout.KIND_ANALOG)),
                sample_rate_hz=float(ds.attrs[layout.ATTR_SAMPLE_RATE_HZ]),
                first_sample_index=int(ds.attrs[layout.ATTR_FIRST_SAMPLE_INDEX]),
                n_samples=int(ds.shape[0]),
                dtype=ds.dtype,
            )
        results = f[layout.DATASET_RESULTS]
        if self.opened_swmr:
            results.refresh()
        self.results = [
            OfficialResult(
                _s(r["name"]), float(r["value"]), _s(r["units"]), bool(r["valid"]), _s(r["reason"])
            )
            for r in results[()]
        ]

    def close(self) -> None:
        """Close the file."""
        self._f.close()

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -------------------------------------------------------------- metadata

    def _read_status(self) -> RunStatus:
        a = self._f.attrs
        state = layout.RunState(_s(a.get(layout.ATTR_STATUS, layout.RunState.RUNNING.value)))
        beat = self._f[layout.DATASET_HEARTBEAT]
        if self.opened_swmr:
            beat.refresh()
        heartbeat = float(beat[0])
        interrupted = False
        if state == layout.RunState.RUNNING:
            interrupted = not self._writer_alive(heartbeat)
        return RunStatus(
            state=state,
            reason=_s(a.get(layout.ATTR_STATUS_REASON, "")),
            created_utc=_s(a.get(layout.ATTR_CREATED_UTC, "")),
            finished_utc=_s(a.get(layout.ATTR_FINISHED_UTC, "")),
            last_flush_unix_s=heartbeat,
            interrupted=interrupted,
        )

    def _writer_alive(self, heartbeat: float) -> bool:
        a = self._f.attrs
        if _s(a.get(layout.ATTR_WRITER_HOST, "")) == socket.gethostname():
            pid = int(a.get(layout.ATTR_WRITER_PID, -1))
            if pid <= 0:
                return False
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                pass  # alive, owned by someone else
            # A recycled pid would look alive; the heartbeat (rewritten every 2 s) settles it.
            return time.time() - heartbeat < STALE_HEARTBEAT_S * 3
        return time.time() - heartbeat < STALE_HEARTBEAT_S

    @property
    def duration_s(self) -> float:
        """Longest channel duration (0 for a run without samples)."""
        return max((c.duration_s for c in self.channels.values()), default=0.0)

    @property
    def mode(self) -> str:
        """Benchmark mode from the plan (``performance``, ``accuracy``, ``energy``) or ''."""
        plan = self.provenance.get("plan", {})
        value = plan.get("mode", "") if isinstance(plan, dict) else ""
        return str(value or self.provenance.get("mode", ""))

    @property
    def model(self) -> str:
        """Model id (``kws01``…) from the DUT or the plan, or ''."""
        for key in ("dut_model", "model"):
            if self.provenance.get(key):
                return str(self.provenance[key])
        plan = self.provenance.get("plan", {})
        return str(plan.get("model", "")) if isinstance(plan, dict) else ""

    # -------------------------------------------------------------- tables

    def table_rows(self, name: str) -> int:
        """Number of rows in ``/tables/<name>`` (without reading them)."""
        ds = self._f[layout.GROUP_TABLES][name]
        if self.opened_swmr:
            ds.refresh()
        return int(ds.shape[0])

    def table(self, name: str) -> npt.NDArray[Any]:
        """Rows of ``/tables/<name>`` as a structured array (strings decoded)."""
        if name not in layout.TABLES:
            raise KeyError(f"no table {name!r}; tables are {', '.join(layout.TABLES)}")
        ds = self._f[layout.GROUP_TABLES][name]
        if self.opened_swmr:
            ds.refresh()
        return _decode(ds[()])

    @property
    def artifacts(self) -> list[str]:
        """Names of the files stored under ``/artifacts``."""
        return sorted(self._f[layout.GROUP_ARTIFACTS])

    def artifact(self, name: str) -> bytes:
        """Content of artifact ``name`` as bytes."""
        ds = self._f[layout.GROUP_ARTIFACTS][name]
        value = ds[()]
        if isinstance(value, bytes):
            return value
        if isinstance(value, str):
            return value.encode("utf-8")
        return np.asarray(value, np.uint8).tobytes()

    # -------------------------------------------------------------- samples

    def samples(self, channel: str, t0_s: float, t1_s: float) -> tuple[F64, npt.NDArray[Any]]:
        """Raw samples of ``channel`` in ``[t0_s, t1_s)``: (time in s, values)."""
        ch = self.channels[channel]
        ds = self._dataset(channel)
        i0, i1 = self._index_range(ch, t0_s, t1_s, ds.shape[0])
        values = ds[i0:i1]
        t = (ch.first_sample_index + np.arange(i0, i1, dtype=np.float64)) / ch.sample_rate_hz
        return t, values

    def samples_by_index(self, channel: str, i0: int, i1: int) -> npt.NDArray[Any]:
        """Stored samples ``[i0, i1)`` of ``channel`` (0 = its first stored sample)."""
        return np.asarray(self._dataset(channel)[i0:i1])

    def index_range(self, channel: str, t0_s: float, t1_s: float) -> tuple[int, int]:
        """Stored-sample indices covering ``[t0_s, t1_s)``, clipped to what is stored."""
        ch = self.channels[channel]
        return self._index_range(ch, t0_s, t1_s, self._dataset(channel).shape[0])

    def _dataset(self, channel: str) -> h5py.Dataset:
        ds = self._f[layout.GROUP_CHANNELS][channel]
        if self.opened_swmr:
            ds.refresh()
        return ds

    @staticmethod
    def _index_range(ch: Channel, t0_s: float, t1_s: float, n: int) -> tuple[int, int]:
        i0 = int(np.floor(t0_s * ch.sample_rate_hz)) - ch.first_sample_index
        i1 = int(np.ceil(t1_s * ch.sample_rate_hz)) - ch.first_sample_index
        return min(max(i0, 0), n), min(max(i1, 0), n)

    def view(
        self,
        t0_s: float,
        t1_s: float,
        n_px: int,
        channels: Sequence[str] | None = None,
        *,
        snap: bool = False,
    ) -> View:
        """Min/max/mean/std per pixel column of ``[t0_s, t1_s)`` for each channel.

        Columns are ``(t1_s - t0_s) / n_px`` wide; each reads from the coarsest
        pyramid level whose entries are no wider than a column (raw samples when
        a column is narrower than a level-1 entry). With ``snap`` the columns sit on
        a global grid (``t0_s`` rounded down to a multiple of the column width), so
        peaks do not jitter while a plot scrolls; the returned ``View`` says where.
        """
        if n_px <= 0 or not t1_s > t0_s:
            raise ValueError("view needs n_px > 0 and t1_s > t0_s")
        width_s = (t1_s - t0_s) / n_px
        if snap:
            t0_s = float(np.floor(t0_s / width_s)) * width_s
            t1_s = t0_s + n_px * width_s
        edges_t = t0_s + width_s * np.arange(n_px + 1, dtype=np.float64)
        out = View(t0_s, t1_s, edges_t[:-1])
        for name in channels if channels is not None else list(self.channels):
            out.channels[name] = self._view_channel(self.channels[name], edges_t)
        return out

    def _view_channel(self, ch: Channel, edges_t: F64) -> ColumnStats:
        n_px = edges_t.shape[0] - 1
        # Column edges in stored-sample indices (float).
        edges = edges_t * ch.sample_rate_hz - ch.first_sample_index
        s0, s1 = edges[0], edges[-1]
        px_samples = (s1 - s0) / n_px
        ds = self._dataset(ch.name)
        n_stored = ds.shape[0]
        level = 0
        for k in range(layout.PYRAMID_LEVELS, 0, -1):
            if layout.samples_per_entry(k) <= px_samples:
                level = k
                break
        digital = ch.kind == layout.KIND_DIGITAL
        parts: list[_Entries] = []
        covered = 0  # stored samples [0, covered) are summarised by the levels read so far
        lo = max(int(np.floor(s0)), 0)
        hi = min(int(np.ceil(s1)), n_stored)
        for k in range(level, 0, -1):
            spe = layout.samples_per_entry(k)
            lds = self._f[layout.GROUP_PYRAMID][ch.name][layout.level_name(k)]
            if self.opened_swmr:
                lds.refresh()
            n_entries = min(lds.shape[0], n_stored // spe)
            start = max(lo, covered) // spe
            stop = min(n_entries, -(-hi // spe))
            if stop > start:
                rows = lds[start:stop]
                parts.append(_Entries.from_level(rows, start, spe, digital))
            covered = max(covered, n_entries * spe)
            if covered >= hi:
                break
        if covered < hi:
            a = max(lo, covered)
            if not parts:  # zoomed in below level 1: bin the raw samples directly
                return _bin_raw(np.asarray(ds[a:hi]), a, edges, digital)
            parts.append(_Entries.from_raw(ds[a:hi], a, digital))
        return _bin(parts, edges, level, digital)


@dataclass(slots=True)
class _Entries:
    start: F64  # first stored-sample index of each entry
    count: F64
    min: F64
    max: F64
    mean: F64
    ex2: F64

    @classmethod
    def from_level(cls, rows: npt.NDArray[Any], first: int, spe: int, digital: bool) -> _Entries:
        n = rows.shape[0]
        start = (first + np.arange(n, dtype=np.float64)) * spe
        count = np.full(n, float(spe))
        if digital:
            nan = np.full(n, np.nan)
            return cls(
                start, count, rows[:, 0].astype(np.float64), rows[:, 1].astype(np.float64), nan, nan
            )
        r = rows.astype(np.float64)
        mean, std = r[:, 2], r[:, 3]
        return cls(start, count, r[:, 0], r[:, 1], mean, std * std + mean * mean)

    @classmethod
    def from_raw(cls, x: npt.NDArray[Any], first: int, digital: bool) -> _Entries:
        n = x.shape[0]
        start = first + np.arange(n, dtype=np.float64)
        v = x.astype(np.float64)
        if digital:
            nan = np.full(n, np.nan)
            return cls(start, np.ones(n), v, v, nan, nan)
        return cls(start, np.ones(n), v, v, v, v * v)


def _bin_raw(x: npt.NDArray[Any], first: int, edges: F64, digital: bool) -> ColumnStats:
    """``_bin`` for raw samples only, without building per-sample entries."""
    n_px = edges.shape[0] - 1
    out_min, out_max = np.full(n_px, np.nan), np.full(n_px, np.nan)
    out_mean, out_std = np.full(n_px, np.nan), np.full(n_px, np.nan)
    # Sample i (centre i + 0.5) belongs to column k when edges[k] <= i + 0.5 < edges[k+1].
    idx = np.clip(np.ceil(edges - 0.5).astype(np.int64) - first, 0, x.shape[0])
    nonempty = idx[1:] > idx[:-1]
    cols = np.flatnonzero(nonempty)
    if cols.shape[0] == 0:
        return ColumnStats(out_min, out_max, out_mean, out_std, 0)
    start = idx[:-1][nonempty]
    v = x[: int(idx[-1])]
    if digital:
        out_min[cols] = np.bitwise_and.reduceat(v, start)
        out_max[cols] = np.bitwise_or.reduceat(v, start)
        return ColumnStats(out_min, out_max, out_mean, out_std, 0)
    out_min[cols] = np.fmin.reduceat(v, start)
    out_max[cols] = np.fmax.reduceat(v, start)
    v64 = v.astype(np.float64)
    valid = ~np.isnan(v64)
    if not valid.all():
        v64 = np.where(valid, v64, 0.0)
    n = np.add.reduceat(valid.astype(np.float64), start)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.add.reduceat(v64, start) / n
        ex2 = np.add.reduceat(v64 * v64, start) / n
    out_mean[cols] = mean
    out_std[cols] = np.sqrt(np.maximum(ex2 - mean * mean, 0.0))
    return ColumnStats(out_min, out_max, out_mean, out_std, 0)


def _bin(parts: list[_Entries], edges: F64, level: int, digital: bool) -> ColumnStats:
    n_px = edges.shape[0] - 1
    nan = np.full(n_px, np.nan)
    out_min, out_max, out_mean, out_std = nan, nan.copy(), nan.copy(), nan.copy()
    if not parts:
        return ColumnStats(out_min, out_max, out_mean, out_std, level)
    keys = ("start", "count", "min", "max", "mean", "ex2")
    e = (
        parts[0]
        if len(parts) == 1
        else _Entries(*(np.concatenate([getattr(p, k) for p in parts]) for k in keys))
    )
    # Entries are sorted and contiguous: column k takes the entries whose centre lies
    # in [edges[k], edges[k+1]), i.e. indices idx[k]..idx[k+1].
    centre = e.start + 0.5 * e.count
    idx = np.searchsorted(centre, edges, side="left")
    nonempty = idx[1:] > idx[:-1]
    cols = np.flatnonzero(nonempty)
    if cols.shape[0] == 0:
        return ColumnStats(out_min, out_max, out_mean, out_std, level)
    first = idx[:-1][nonempty]
    end = int(idx[-1])
    if digital:
        out_min[cols] = np.bitwise_and.reduceat(e.min[:end].astype(np.uint8), first)
        out_max[cols] = np.bitwise_or.reduceat(e.max[:end].astype(np.uint8), first)
        return ColumnStats(out_min, out_max, out_mean, out_std, level)
    mean_in = e.mean[:end]
    gaps = np.isnan(mean_in)
    w = e.count[:end]
    if gaps.any():  # gaps (NaN) weigh nothing; fmin/fmax skip them
        w = np.where(gaps, 0.0, w)
        mean_in = np.where(gaps, 0.0, mean_in)
        ex2_in = np.where(gaps, 0.0, e.ex2[:end])
    else:
        ex2_in = e.ex2[:end]
    out_min[cols] = np.fmin.reduceat(e.min[:end], first)
    out_max[cols] = np.fmax.reduceat(e.max[:end], first)
    wsum = np.add.reduceat(w, first)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.add.reduceat(w * mean_in, first) / wsum
        ex2 = np.add.reduceat(w * ex2_in, first) / wsum
    out_mean[cols] = mean
    out_std[cols] = np.sqrt(np.maximum(ex2 - mean * mean, 0.0))
    return ColumnStats(out_min, out_max, out_mean, out_std, level)


def _decode(rows: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Turn h5py's bytes in string fields into ``str`` (object dtype)."""
    if rows.dtype.names is None:
        return rows
    descr: list[tuple[str, Any]] = []
    for name in rows.dtype.names:
        dt = rows.dtype[name]
        if h5py.check_string_dtype(dt) is not None:
            descr.append((name, object))
        else:
            descr.append((name, dt))
    out = np.empty(rows.shape, np.dtype(descr))
    for name in rows.dtype.names:
        if h5py.check_string_dtype(rows.dtype[name]) is not None:
            out[name] = [_s(v) for v in rows[name]]
        else:
            out[name] = rows[name]
    return out


def load_run(path: str | os.PathLike[str]) -> Run:
    """Open the run file at ``path`` read-only.

    A live or crashed file (SWMR flag still set) opens read-only through SWMR
    with everything up to the writer's last flush. Raises ``RunFileError`` (or a
    subclass) with a message for people when the file cannot be read as a run.
    """
    p = Path(path)
    f, swmr = open_run_file(p)
    try:
        return Run(p, f, swmr)
    except BaseException:
        f.close()
        raise
