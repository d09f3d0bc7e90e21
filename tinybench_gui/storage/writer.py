"""``RunWriter``: one thread owns one HDF5 run file; every other thread enqueues.

The file is written in SWMR mode (``libver='latest'``, ``swmr_mode=True``) and
flushed at least every ``flush_period_s``: platform.md §4 measured that such a
file survives SIGKILL with everything up to the last flush, and that a second
process can read it live. Creating a dataset (a new channel, an artifact) is a
structural change SWMR does not promise to survive, so the writer closes the
file, makes the change in normal mode and re-enters SWMR.

Thread model: every public method returns at once (it only enqueues), except
``create`` (waits until the file exists), ``flush`` and ``close`` (wait for the
writer thread). Errors inside the writer thread do not raise in the caller: they
become ``failure`` (and ``on_failure`` is called from the writer thread), the run
stops recording samples, and ``close`` marks the file ``failed`` with the reason.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import numpy.typing as npt

from tinybench_gui.storage import layout
from tinybench_gui.storage.disk import DiskSpaceError, disk_free_bytes, format_bytes
from tinybench_gui.storage.pyramid import AnalogPyramidBuilder, DigitalPyramidBuilder
from tinybench_gui.storage.records import (
    AccuracyRecord,
    EdgeLike,
    Gap,
    InferenceRecord,
    OfficialResult,
    SampleBlockLike,
    Samples,
    TimedWindow,
    TranscriptEntryLike,
)
from tinybench_gui.storage.schema import (
    accuracy_row,
    append_rows,
    create_channel,
    create_skeleton,
    result_row,
    row,
    utc_now,
    window_row,
    write_provenance,
)

_log = logging.getLogger(__name__)

#: Refuse to start a run with less free space than this on the run's disk.
DEFAULT_MIN_FREE_BYTES = 500 * 1024**2
#: Stop recording samples when free space drops below this during a run.
DEFAULT_STOP_FREE_BYTES = 100 * 1024**2
#: Samples waiting for the disk beyond this are dropped (recorded as a gap)
#: instead of growing memory without bound (anchors.md §11, "stability").
DEFAULT_MAX_BACKLOG_BYTES = 512 * 1024**2
_DISK_CHECK_PERIOD_S = 1.0
#: The heartbeat is rewritten at least this often, data or not.
HEARTBEAT_PERIOD_S = 2.0

FailureCallback = Callable[[str], None]
DiskFree = Callable[[Path], int]


@dataclass(frozen=True, slots=True)
class WriterStats:
    """A snapshot of what the writer has done so far."""

    samples_written: Mapping[str, int]
    dropped_samples: int
    flushes: int
    last_flush_unix_s: float
    failure: str | None


class _Channel:
    """Writer-thread state of one channel."""

    def __init__(self, f: h5py.File, name: str) -> None:
        self.name = name
        self.ds: h5py.Dataset = f[layout.GROUP_CHANNELS][name]
        self.levels: list[h5py.Dataset] = []
        self.reattach(f)
        self.digital = self.ds.attrs[layout.ATTR_KIND] == layout.KIND_DIGITAL
        self.sample_rate_hz = float(self.ds.attrs[layout.ATTR_SAMPLE_RATE_HZ])
        self.next_index = int(self.ds.attrs[layout.ATTR_FIRST_SAMPLE_INDEX]) + self.ds.shape[0]
        self.builder: AnalogPyramidBuilder | DigitalPyramidBuilder = (
            DigitalPyramidBuilder() if self.digital else AnalogPyramidBuilder()
        )

    def reattach(self, f: h5py.File) -> None:
        self.ds = f[layout.GROUP_CHANNELS][self.name]
        self.levels = [
            f[layout.GROUP_PYRAMID][self.name][layout.level_name(k)]
            for k in range(1, layout.PYRAMID_LEVELS + 1)
        ]

    def fill_value(self) -> float | int:
        return 0 if self.digital else float("nan")

    def append(self, x: npt.NDArray[Any]) -> None:
        append_rows(self.ds, x.astype(self.ds.dtype, copy=False))
        summaries: list[npt.NDArray[Any]] = list(self.builder.add(x))
        for lds, rows in zip(self.levels, summaries, strict=True):
            append_rows(lds, rows)
        self.next_index += x.shape[0]


def _block_to_samples(block: SampleBlockLike) -> Samples:
    channels: dict[str, npt.NDArray[np.generic]] = {"current_a": block.current_a}
    if block.voltage_v is not None:
        channels["voltage_v"] = block.voltage_v
    if block.digital is not None:
        channels["digital"] = block.digital
    energy = getattr(block, "energy_j", None)
    if energy is not None:
        channels["energy_j"] = energy
    return Samples(block.first_sample_index, block.sample_rate_hz, channels)


class RunWriter:
    """Streams one run into one HDF5 file from its own thread.

    Create with ``RunWriter.create(path, provenance)``; then call the ``add_*``
    and ``append_samples`` methods from any thread; end with ``close(status, reason)``.
    """

    def __init__(
        self,
        path: Path,
        provenance: Mapping[str, Any],
        *,
        flush_period_s: float,
        stop_free_bytes: int,
        max_backlog_bytes: int,
        on_failure: FailureCallback | None,
        disk_free: DiskFree,
    ) -> None:
        self.path = path
        self._provenance = dict(provenance)
        self._flush_period_s = flush_period_s
        self._stop_free_bytes = stop_free_bytes
        self._max_backlog_bytes = max_backlog_bytes
        self._on_failure = on_failure
        self._disk_free = disk_free
        self._queue: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self._backlog_bytes = 0
        self._dropped_samples = 0
        self._drop_reasons: dict[int, str] = {}
        self._failure: str | None = None
        self._flushes = 0
        self._last_flush = 0.0
        self._samples_written: dict[str, int] = {}
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._final_state: layout.RunState | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"run-writer:{path.name}", daemon=True
        )

    # ------------------------------------------------------------------ public API

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        provenance: Mapping[str, Any],
        *,
        flush_period_s: float = 0.25,
        min_free_bytes: int = DEFAULT_MIN_FREE_BYTES,
        stop_free_bytes: int = DEFAULT_STOP_FREE_BYTES,
        max_backlog_bytes: int = DEFAULT_MAX_BACKLOG_BYTES,
        on_failure: FailureCallback | None = None,
        disk_free: DiskFree = disk_free_bytes,
    ) -> RunWriter:
        """Create the run file at ``path`` and start its writer thread.

        Raises ``FileExistsError`` if ``path`` exists (a file is never overwritten),
        ``FileNotFoundError`` if its folder does not exist and ``DiskSpaceError``
        if the disk has less than ``min_free_bytes`` free. ``on_failure(reason)``
        is called from the writer thread when recording stops on its own (disk
        full, write error): the caller should then cancel the run.
        """
        p = Path(path)
        if p.exists():
            raise FileExistsError(
                f"{p} already exists; tinybench never overwrites a run file: "
                "choose another --out name or move the old file away"
            )
        if not p.parent.is_dir():
            raise FileNotFoundError(f"folder {p.parent} does not exist; create it first")
        free = disk_free(p.parent)
        if free < min_free_bytes:
            raise DiskSpaceError(
                f"only {format_bytes(free)} free on the disk of {p.parent}; a run needs at "
                f"least {format_bytes(min_free_bytes)}: free some space or choose another "
                "folder with --out"
            )
        writer = cls(
            p,
            provenance,
            flush_period_s=flush_period_s,
            stop_free_bytes=stop_free_bytes,
            max_backlog_bytes=max_backlog_bytes,
            on_failure=on_failure,
            disk_free=disk_free,
        )
        writer._thread.start()
        writer._ready.wait()
        if writer._start_error is not None:
            writer._thread.join()
            raise writer._start_error
        return writer

    @property
    def failure(self) -> str | None:
        """Why recording stopped on its own, or None while all is well."""
        with self._lock:
            return self._failure

    @property
    def backlog_bytes(self) -> int:
        """Sample bytes queued but not yet written (producers may pace on it)."""
        with self._lock:
            return self._backlog_bytes

    @property
    def stats(self) -> WriterStats:
        """What has been written so far."""
        with self._lock:
            return WriterStats(
                dict(self._samples_written),
                self._dropped_samples,
                self._flushes,
                self._last_flush,
                self._failure,
            )

    def append_samples(self, block: Samples | SampleBlockLike) -> None:
        """Queue a block of samples (``Samples`` or an energy monitor's ``SampleBlock``).

        The arrays are copied, so the caller may reuse its buffers at once.
        """
        samples = block if isinstance(block, Samples) else _block_to_samples(block)
        samples = Samples(
            samples.first_sample_index,
            samples.sample_rate_hz,
            {name: np.array(a, copy=True) for name, a in samples.channels.items()},
        )
        events = () if isinstance(block, Samples) else tuple(getattr(block, "events", ()))
        nbytes = sum(int(a.nbytes) for a in samples.channels.values())
        n = len(next(iter(samples.channels.values()))) if samples.channels else 0
        with self._lock:
            self._check_open()
            if self._failure is not None or self._backlog_bytes + nbytes > self._max_backlog_bytes:
                self._dropped_samples += n
                if self._failure is None:
                    self._drop_reasons[samples.first_sample_index] = (
                        "writer backlog: the disk did not keep up"
                    )
                return
            self._backlog_bytes += nbytes
        self._queue.put(("samples", samples, nbytes))
        if events:
            rows = np.zeros(len(events), layout.MONITOR_EVENTS_DTYPE)
            rows["sample_index"] = [e.sample_index for e in events]
            rows["kind"] = [e.kind for e in events]
            rows["text"] = [e.text for e in events]
            self._put_rows("monitor_events", rows)

    def add_edges(
        self,
        sample_index: npt.ArrayLike,
        line: npt.ArrayLike,
        polarity: npt.ArrayLike,
    ) -> None:
        """Queue timestamp edges: sample index, digital line (bit), polarity +1 rise / -1 fall."""
        idx = np.atleast_1d(np.asarray(sample_index, np.int64))
        rows = np.zeros(idx.shape[0], layout.EDGES_DTYPE)
        rows["sample_index"] = idx
        rows["line"] = np.broadcast_to(np.asarray(line, np.uint8), idx.shape)
        rows["polarity"] = np.broadcast_to(np.asarray(polarity, np.int8), idx.shape)
        self._put_rows("edges", rows)

    def add_edge_records(self, edges: Iterable[EdgeLike]) -> None:
        """Queue edges as the energy streams find them (``streams.edges.Edge``)."""
        found = list(edges)
        if found:
            self.add_edges(
                [e.sample_index for e in found],
                [e.line for e in found],
                [1 if e.rising else -1 for e in found],
            )

    def add_window(self, window: TimedWindow) -> None:
        """Queue one timed window."""
        self._put_rows("windows", window_row(window))

    def add_inference(self, record: InferenceRecord) -> None:
        """Queue one per-inference record."""
        r = record
        self._put_rows(
            "inferences",
            row(
                layout.INFERENCES_DTYPE,
                (r.window, r.inference, r.start_sample, r.stop_sample, r.duration_s, r.energy_j),
            ),
        )

    def add_accuracy_result(self, record: AccuracyRecord) -> None:
        """Queue the DUT's answer for one input file."""
        self._put_rows("accuracy", accuracy_row(record))

    def add_transcript(self, entry: TranscriptEntryLike) -> None:
        """Queue one protocol line; usable directly as a ``SerialLink`` transcript sink."""
        self._put_rows(
            "transcript",
            row(
                layout.TRANSCRIPT_DTYPE,
                (entry.host_time_s, entry.source, str(entry.direction), entry.text),
            ),
        )

    def add_time_map(self, host_time_s: float, sample_index: int) -> None:
        """Queue one point of the host-time <-> sample-index map."""
        self._put_rows("time_map", row(layout.TIME_MAP_DTYPE, (host_time_s, sample_index)))

    def add_gap(self, gap: Gap) -> None:
        """Queue a gap the caller knows about (the writer records instrument gaps itself)."""
        self._put_rows(
            "gaps", row(layout.GAPS_DTYPE, (gap.sample_index, gap.missing_samples, gap.reason))
        )

    def set_results(self, results: Iterable[OfficialResult]) -> None:
        """Queue the official results (appended to ``/results``)."""
        rows = [result_row(r) for r in results]
        if rows:
            self._put(("results", np.concatenate(rows)))

    def add_artifact(self, name: str, content: str | bytes) -> None:
        """Queue a file the runner produced (``results.txt``, ``log.txt``, a PNG…)."""
        if "/" in name or not name:
            raise ValueError(f"artifact name {name!r} must be a plain file name")
        self._put(("artifact", name, content))

    def update_provenance(self, items: Mapping[str, Any]) -> None:
        """Queue provenance learned during the run (DUT banner, monitor serial…)."""
        self._put(("provenance", dict(items)))

    def flush(self, timeout_s: float = 30.0) -> None:
        """Wait until everything queued so far is written and flushed to disk."""
        done = threading.Event()
        self._put(("flush", done))
        if not done.wait(timeout_s):
            raise TimeoutError(f"run writer for {self.path} did not flush within {timeout_s} s")

    def close(
        self, status: layout.RunState | str, reason: str = "", timeout_s: float = 120.0
    ) -> layout.RunState:
        """Write what is queued, record the final status and close the file.

        Returns the status recorded: ``failed`` if the writer itself failed,
        whatever ``status`` asked. Calling it twice is harmless.
        """
        state = layout.RunState(status)
        with self._lock:
            if self._closed:
                return self._final_state or state
            self._closed = True
        self._queue.put(("close", state, reason))
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            raise TimeoutError(f"run writer for {self.path} did not close within {timeout_s} s")
        return self._final_state or state

    # ------------------------------------------------------------------ caller side

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"run writer for {self.path} is closed")

    def _put(self, item: tuple[Any, ...]) -> None:
        with self._lock:
            self._check_open()
        self._queue.put(item)

    def _put_rows(self, table: str, rows: npt.NDArray[Any]) -> None:
        self._put(("rows", table, rows))

    # ------------------------------------------------------------------ writer thread

    def _run(self) -> None:
        try:
            f = h5py.File(self.path, "x", libver=layout.LIBVER)
            create_skeleton(f, self._provenance)
            f.swmr_mode = True
        except BaseException as exc:  # reported to create()'s caller
            self._start_error = exc
            self._ready.set()
            return
        self._f: h5py.File | None = f
        self._artifacts: dict[str, str | bytes] = {}
        self._channels: dict[str, _Channel] = {}
        self._tables = {name: f[layout.GROUP_TABLES][name] for name in layout.TABLES}
        self._results = f[layout.DATASET_RESULTS]
        self._heartbeat = f[layout.DATASET_HEARTBEAT]
        self._ready.set()
        last_flush = time.monotonic()
        last_disk_check = 0.0
        dirty = False
        while True:
            if dirty:
                timeout = max(0.0, last_flush + self._flush_period_s - time.monotonic())
            else:
                # Nothing unflushed: wait for work. A timeout counted from the last flush
                # would be 0 from then on and spin this thread, starving the runner's
                # serial I/O of the GIL (an accuracy run went 7x slower).
                timeout = self._flush_period_s
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = None
            items = [] if item is None else [item]
            # Drain what is queued so rows of a table are appended in one resize.
            while item is not None and len(items) < 256:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            closing: tuple[Any, ...] | None = None
            flush_waiters: list[threading.Event] = []
            pending_rows: dict[str, list[npt.NDArray[Any]]] = {}
            for it in items:
                kind = it[0]
                if kind == "close":
                    closing = it
                elif kind == "flush":
                    flush_waiters.append(it[1])
                elif kind == "rows":
                    pending_rows.setdefault(it[1], []).append(it[2])
                else:
                    self._guarded(self._handle, it)
                dirty = True
            for table, chunks in pending_rows.items():
                self._guarded(self._append_table, table, np.concatenate(chunks))
            now = time.monotonic()
            if now - last_disk_check >= _DISK_CHECK_PERIOD_S:
                last_disk_check = now
                self._check_disk()
            if closing is not None:
                self._finish(closing[1], closing[2])
                for ev in flush_waiters:
                    ev.set()
                return
            # An idle run still refreshes the heartbeat, so readers can tell it is alive.
            heartbeat_due = now - last_flush >= HEARTBEAT_PERIOD_S
            if (
                flush_waiters
                or heartbeat_due
                or (dirty and now - last_flush >= self._flush_period_s)
            ):
                self._guarded(self._flush)
                last_flush = time.monotonic()
                dirty = False
                for ev in flush_waiters:
                    ev.set()

    def _guarded(self, fn: Callable[..., None], *args: Any) -> None:
        if self._f is None:  # lost after an error: count samples as dropped, write nothing
            item = args[0] if args else None
            if isinstance(item, tuple) and item and item[0] == "samples":
                self._release_backlog(item[2])
                with self._lock:
                    self._dropped_samples += len(next(iter(item[1].channels.values()), ()))
            return
        try:
            fn(*args)
        except Exception as exc:
            # Expected failures (disk, bad input) get one line; anything else is a bug.
            expected = isinstance(exc, OSError | ValueError)
            _log.error("run writer for %s failed: %s", self.path, exc, exc_info=not expected)
            self._fail(f"writing {self.path.name} failed: {exc}")

    def _fail(self, reason: str) -> None:
        with self._lock:
            if self._failure is not None:
                return
            self._failure = reason
        if self._on_failure is not None:
            try:
                self._on_failure(reason)
            except Exception:
                _log.exception("on_failure callback raised")

    def _release_backlog(self, nbytes: int) -> None:
        with self._lock:
            self._backlog_bytes -= nbytes

    def _handle(self, item: tuple[Any, ...]) -> None:
        kind = item[0]
        if kind == "samples":
            try:
                if self.failure is None:
                    self._write_samples(item[1])
                else:
                    with self._lock:
                        self._dropped_samples += len(next(iter(item[1].channels.values())))
            finally:
                self._release_backlog(item[2])
        elif kind == "results":
            append_rows(self._results, item[1])
        elif kind == "artifact":
            # Written when the file is closed: one structural change instead of one each.
            self._artifacts[item[1]] = item[2]
        elif kind == "provenance":
            self._provenance.update(item[1])
            self._restructure(
                lambda f: write_provenance(f[layout.GROUP_PROVENANCE], self._provenance)
            )

    def _append_table(self, table: str, rows: npt.NDArray[Any]) -> None:
        append_rows(self._tables[table], rows)

    @staticmethod
    def _write_artifact(f: h5py.File, name: str, content: str | bytes) -> None:
        group = f[layout.GROUP_ARTIFACTS]
        if name in group:
            del group[name]
        if isinstance(content, str):
            ds = group.create_dataset(name, data=content, dtype=h5py.string_dtype("utf-8"))
            ds.attrs[layout.ATTR_ENCODING] = "utf-8"
        else:
            ds = group.create_dataset(name, data=np.frombuffer(content, np.uint8))
            ds.attrs[layout.ATTR_ENCODING] = "binary"

    def _open_append(self) -> h5py.File:
        # locking=False: a live SWMR reader in another process holds a shared lock that
        # would otherwise make this reopen fail (and a look at the file end the run).
        return h5py.File(self.path, "a", libver=layout.LIBVER, locking=False)

    def _restructure(self, change: Callable[[h5py.File], None]) -> None:
        """Apply a structural change outside SWMR mode, then re-enter SWMR."""
        f = self._file()
        f.flush()
        f.close()
        self._f = None
        f = self._open_append()
        self._f = f
        try:
            change(f)
        finally:
            f.swmr_mode = True
            self._tables = {name: f[layout.GROUP_TABLES][name] for name in layout.TABLES}
            self._results = f[layout.DATASET_RESULTS]
            self._heartbeat = f[layout.DATASET_HEARTBEAT]
            for ch in self._channels.values():
                ch.reattach(f)

    def _file(self) -> h5py.File:
        if self._f is None:
            raise RuntimeError("the run file is not open (an earlier error closed it)")
        return self._f

    def _write_samples(self, s: Samples) -> None:
        new = {name: arr for name, arr in s.channels.items() if name not in self._channels}
        if new:

            def add_channels(f: h5py.File) -> None:
                for name, arr in new.items():
                    create_channel(
                        f, name, np.asarray(arr).dtype, s.sample_rate_hz, s.first_sample_index
                    )

            self._restructure(add_channels)
            for name in new:
                self._channels[name] = _Channel(self._file(), name)
        gap_rows: list[npt.NDArray[Any]] = []
        for name, arr in s.channels.items():
            ch = self._channels[name]
            if not np.isclose(ch.sample_rate_hz, s.sample_rate_hz, rtol=1e-9, atol=0.0):
                # One rate per channel is what makes the sample index the time base.
                raise ValueError(
                    f"channel {name} changed its sample rate from {ch.sample_rate_hz:g} Hz to "
                    f"{s.sample_rate_hz:g} Hz during the run; start a new run for a new rate"
                )
            x = np.asarray(arr)
            start = s.first_sample_index
            if start > ch.next_index:
                missing = start - ch.next_index
                with self._lock:
                    reason = self._drop_reasons.pop(
                        ch.next_index, "samples missing from the instrument stream"
                    )
                    # Later blocks of the same drop are inside this gap.
                    for key in [k for k in self._drop_reasons if k < start]:
                        del self._drop_reasons[key]
                if not gap_rows:
                    gap_rows.append(row(layout.GAPS_DTYPE, (ch.next_index, missing, reason)))
                ch.append(np.full(missing, ch.fill_value(), dtype=ch.ds.dtype))
            elif start < ch.next_index:
                # Overlap with what is already stored: keep the first copy.
                x = x[ch.next_index - start :]
            if x.shape[0]:
                ch.append(x)
            with self._lock:
                self._samples_written[name] = ch.next_index
        for gap_row in gap_rows:
            append_rows(self._tables["gaps"], gap_row)

    def _flush(self) -> None:
        self._heartbeat[0] = time.time()
        self._file().flush()
        with self._lock:
            self._flushes += 1
            self._last_flush = time.time()

    def _check_disk(self) -> None:
        if self.failure is not None:
            return
        try:
            free = self._disk_free(self.path.parent)
        except OSError as exc:
            _log.warning("cannot read free disk space of %s: %s", self.path.parent, exc)
            return
        if free < self._stop_free_bytes:
            self._fail(
                f"disk almost full ({format_bytes(free)} free on the disk of {self.path.parent}, "
                f"below the {format_bytes(self._stop_free_bytes)} reserve): recording stopped; "
                "everything written before is kept"
            )

    def _finish(self, state: layout.RunState, reason: str) -> None:
        failure = self.failure
        if failure is not None:
            failed = state == layout.RunState.FAILED
            reason = f"{reason}; {failure}" if reason and failed else failure
            state = layout.RunState.FAILED
        if self._f is not None:
            try:
                self._flush()
            except Exception as exc:
                _log.error("last flush of %s failed: %s", self.path, exc)
            try:
                self._f.close()
            except Exception as exc:
                _log.error("closing %s failed: %s", self.path, exc)
            self._f = None
        try:
            with self._open_append() as f:
                for name, content in self._artifacts.items():
                    self._write_artifact(f, name, content)
                f.attrs[layout.ATTR_STATUS] = state.value
                f.attrs[layout.ATTR_STATUS_REASON] = reason
                f.attrs[layout.ATTR_FINISHED_UTC] = utc_now()
        except Exception as exc:
            _log.error("recording the status of %s failed: %s", self.path, exc)
            state = layout.RunState.FAILED
            self._fail(f"closing {self.path.name} failed: {exc}")
        self._final_state = state
