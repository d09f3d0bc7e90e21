"""Export a time range of a run's samples as CSV, streamed in blocks."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tinybench_gui.storage import layout
from tinybench_gui.storage.reader import Run

_BLOCK_SAMPLES = 1 << 18


def export_csv(
    run: Run,
    out: str | os.PathLike[str],
    t0_s: float | None = None,
    t1_s: float | None = None,
) -> tuple[int, list[str]]:
    """Write ``time_s`` and every channel on the main channel's time base to ``out``.

    The main channel is ``current_a`` if present. Returns (rows written, channels
    left out because their rate or start differs). Refuses to overwrite ``out``.
    """
    path = Path(out)
    if not run.channels:
        raise ValueError(f"{run.path} holds no samples to export")
    main = run.channels.get("current_a") or next(iter(run.channels.values()))
    same = [
        c
        for c in run.channels.values()
        if c.sample_rate_hz == main.sample_rate_hz
        and c.first_sample_index == main.first_sample_index
    ]
    skipped = [n for n in run.channels if n not in {c.name for c in same}]
    start = main.t0_s if t0_s is None else t0_s
    stop = main.t0_s + main.duration_s if t1_s is None else t1_s
    if stop <= start:
        raise ValueError(f"empty range: --from {start:g} s is not before --to {stop:g} s")
    i0, i1 = run.index_range(main.name, start, stop)
    fmts = ["%.9f"] + ["%d" if c.kind == layout.KIND_DIGITAL else "%.9g" for c in same]
    with path.open("x", encoding="utf-8", newline="\n") as fh:
        fh.write(",".join(["time_s", *(c.name for c in same)]) + "\n")
        for a in range(i0, i1, _BLOCK_SAMPLES):
            b = min(a + _BLOCK_SAMPLES, i1)
            t = (main.first_sample_index + np.arange(a, b, dtype=np.float64)) / main.sample_rate_hz
            cols = [run.samples_by_index(c.name, a, b).astype(np.float64) for c in same]
            np.savetxt(fh, np.column_stack([t, *cols]), fmt=fmts, delimiter=",")
    return i1 - i0, skipped
