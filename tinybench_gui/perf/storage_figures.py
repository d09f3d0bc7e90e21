"""Storage figures: a generated run at 1 MS/s written through the real ``RunWriter``.

The run carries what a JS220 energy run records: current and voltage (float32)
and the digital lines (uint8), 9 bytes a sample. Figures:

- write throughput in samples/s, as a ratio to the 2 MS/s a fast monitor needs;
- time to open the file (``load_run``) and to draw the first full-width view,
  also with the file evicted from the OS page cache first;
- the slowest and median full-width view (1920 columns, all channels) over
  random ranges from 1 ms to the whole run (target < 50 ms);
- file size per hour of recording.

``tinybench perf storage`` writes 120 s (``--quick``: 20 s); set
``TINYBENCH_PERF_STORAGE_S=3600`` for the full hour, or run
``python -m tinybench_gui.perf.storage_figures --duration-s 3600``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tinybench_gui.perf.figures import FigureFunction, FigureRow
from tinybench_gui.storage.reader import load_run
from tinybench_gui.storage.records import Samples
from tinybench_gui.storage.writer import RunWriter

RATE_HZ = 1_000_000.0
BLOCK = 100_000  # 0.1 s at 1 MS/s, the size of a JS220 driver callback batch
N_PX = 1920
_BYTES_PER_SAMPLE = 4 + 4 + 1
_BACKLOG_PACE_BYTES = 64 * 1024**2


def _blocks(n_distinct: int = 8) -> list[dict[str, npt.NDArray[np.generic]]]:
    """Pre-made blocks so that generating data is not part of the write time."""
    rng = np.random.default_rng(42)
    t = np.arange(BLOCK)
    out = []
    for k in range(n_distinct):
        # 1 mA idle, 12 mA bursts of inference, 20 µA noise, quantised to a 1.5 µA LSB.
        busy = ((t + 7919 * k) % 40_000) < 25_000
        current = np.where(busy, 12e-3, 1e-3) + rng.normal(0, 20e-6, BLOCK)
        current = (np.round(current / 1.5e-6) * 1.5e-6).astype(np.float32)
        voltage = (1.8 + rng.normal(0, 0.4e-3, BLOCK) - 0.02 * busy).astype(np.float32)
        digital = np.where(busy, 0, 1).astype(np.uint8)  # timestamp pin low while busy
        block: dict[str, npt.NDArray[np.generic]] = {
            "current_a": current,
            "voltage_v": voltage,
            "digital": digital,
        }
        out.append(block)
    return out


def measure(duration_s: float, folder: Path | None = None, seed: int = 1) -> list[FigureRow]:
    """Write ``duration_s`` of 1 MS/s data, then open and browse it."""
    n_blocks = max(1, round(duration_s * RATE_HZ / BLOCK))
    duration_s = n_blocks * BLOCK / RATE_HZ
    raw_bytes = n_blocks * BLOCK * _BYTES_PER_SAMPLE
    tmp = Path(tempfile.mkdtemp(prefix="tinybench-perf-", dir=folder))
    try:
        free = shutil.disk_usage(tmp).free
        if free < raw_bytes * 1.2:
            return [
                FigureRow(
                    "storage: write throughput at 1 MS/s",
                    0.0,
                    "MS/s",
                    note=f"skipped: {free / 1e9:.1f} GB free, needs {raw_bytes * 1.2 / 1e9:.1f} GB",
                )
            ]
        blocks = _blocks()
        path = tmp / "perf.h5"
        t0 = time.perf_counter()
        writer = RunWriter.create(path, {"plan": {"mode": "energy"}, "generated": True})
        for i in range(n_blocks):
            while writer.backlog_bytes > _BACKLOG_PACE_BYTES:
                time.sleep(0.002)
            writer.append_samples(Samples(i * BLOCK, RATE_HZ, blocks[i % len(blocks)]))
        writer.close("complete")
        write_s = time.perf_counter() - t0
        if writer.stats.dropped_samples:
            raise RuntimeError(f"{writer.stats.dropped_samples} samples dropped while pacing")
        size = path.stat().st_size

        cold_s = _cold_open_and_view(path, duration_s)
        t0 = time.perf_counter()
        run = load_run(path)
        open_s = time.perf_counter() - t0
        with run:
            t0 = time.perf_counter()
            run.view(0.0, duration_s, N_PX)
            first_view_s = time.perf_counter() - t0
            rng = np.random.default_rng(seed)
            times = []
            for _ in range(40):
                width = float(np.exp(rng.uniform(np.log(1e-3), np.log(duration_s))))
                start = float(rng.uniform(0.0, duration_s - width))
                t0 = time.perf_counter()
                run.view(start, start + width, N_PX)
                times.append(time.perf_counter() - t0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rate = n_blocks * BLOCK / write_s
    label = f"{duration_s:g} s run"
    return [
        FigureRow(
            "storage: write throughput at 1 MS/s",
            rate / 1e6,
            "MS/s",
            baseline=2.0,
            target=1.0,
            note=f"{label}, I+V+digital through RunWriter incl. pyramid; baseline 2 MS/s",
        ),
        FigureRow(
            "storage: time to open",
            open_s,
            "s",
            target=1.0,
            higher_is_better=False,
            note=f"load_run on the {size / 1e9:.2f} GB file of a {label}",
        ),
        FigureRow(
            "storage: open + first full view",
            open_s + first_view_s,
            "s",
            target=1.0,
            higher_is_better=False,
            note="load_run then view(whole run, 1920 px)",
        ),
        FigureRow(
            "storage: open + first view, cold cache",
            cold_s,
            "s",
            target=1.0,
            higher_is_better=False,
            note="the file's pages dropped from the OS page cache first (fsync + fadvise)",
        ),
        FigureRow(
            "storage: slowest view",
            max(times) * 1e3,
            "ms",
            target=50.0,
            higher_is_better=False,
            note=f"40 random ranges 1 ms..{duration_s:g} s, 1920 px, 3 channels; "
            f"median {statistics.median(times) * 1e3:.1f} ms",
        ),
        FigureRow(
            "storage: file size per hour",
            size / duration_s * 3600 / 1e9,
            "GB/h",
            note=f"compression ratio {raw_bytes / size:.2f} (bitshuffle-LZ4, incl. pyramid)",
        ),
    ]


def _cold_open_and_view(path: Path, duration_s: float) -> float:
    """Open and first full view after evicting the file from the page cache."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    t0 = time.perf_counter()
    with load_run(path) as run:
        run.view(0.0, duration_s, N_PX)
    return time.perf_counter() - t0


def storage_figures(quick: bool) -> list[FigureRow]:
    """The ``tinybench perf storage`` entry point."""
    default = 20.0 if quick else 120.0
    duration_s = float(os.environ.get("TINYBENCH_PERF_STORAGE_S", default))
    return measure(duration_s)


FIGURES: dict[str, tuple[FigureFunction, str]] = {
    "storage": (storage_figures, "HDF5 run file: write rate, open time, view time, size"),
}


def main() -> None:
    """``python -m tinybench_gui.perf.storage_figures --duration-s 3600``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration-s", type=float, default=3600.0)
    parser.add_argument("--folder", type=Path, default=None, help="where the temporary file goes")
    args = parser.parse_args()
    for row in measure(args.duration_s, args.folder):
        ratio = f" ratio {row.ratio:.2f}" if row.ratio is not None else ""
        met = {True: "met", False: "NOT met", None: ""}[row.met]
        print(f"{row.name:<36} {row.value:10.4g} {row.unit:<5}{ratio} {met}  ({row.note})")


if __name__ == "__main__":
    main()
