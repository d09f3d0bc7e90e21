"""Min/max/mean per pixel column, on a global sample grid (no Qt here).

A view of ``n_px`` columns never gets more than two points per column: the
column's min and max, drawn as one zig-zag line so every peak stays visible at
any zoom (anchors.md §11, "peaks at every zoom"). Column edges are multiples of
the column width in samples, counted from sample 0, so a peak does not jitter
between columns while the view scrolls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Columns:
    """Per-column figures of one analog trace; NaN where a column has no data."""

    t_s: F64  # centre of each column
    min: F64
    max: F64
    mean: F64
    digital_min: npt.NDArray[np.uint8] | None = None  # bitwise AND of the column's samples
    digital_max: npt.NDArray[np.uint8] | None = None  # bitwise OR


def column_grid(i0: float, i1: float, n_px: int) -> tuple[int, int, int]:
    """Samples per column and the first/last sample index of a snapped grid over ``[i0, i1)``."""
    span = max(i1 - i0, 1.0)
    per_col = max(1, int(np.ceil(span / max(n_px, 1))))
    start = int(np.floor(i0 / per_col)) * per_col
    stop = int(np.ceil(i1 / per_col)) * per_col
    return per_col, start, stop


def decimate(
    current: npt.NDArray[np.floating],
    first_index: int,
    per_col: int,
    sample_rate_hz: float,
    digital: npt.NDArray[np.uint8] | None = None,
) -> Columns:
    """Reduce samples starting at ``first_index`` into columns of ``per_col`` samples.

    ``first_index`` should lie on the grid (a multiple of ``per_col``); a partial
    first or last column is kept. NaN samples (dropped) are ignored; a column of
    only NaN stays NaN so the gap shows.
    """
    n = int(current.shape[0])
    if n == 0:
        empty = np.empty(0)
        return Columns(empty, empty, empty, empty)
    offset = first_index % per_col
    starts = np.arange(0, n + offset, per_col) - offset
    starts[0] = 0
    starts = starts[starts < n]
    x = current
    finite = np.isfinite(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.fmin.reduceat(x, starts).astype(np.float64)
        hi = np.fmax.reduceat(x, starts).astype(np.float64)
        if finite.all():  # the common case: no dropped sample, no masking pass
            counts = np.diff(np.append(starts, n))
            sums = np.add.reduceat(x, starts, dtype=np.float64)
        else:
            counts = np.add.reduceat(finite.astype(np.int64), starts)
            sums = np.add.reduceat(np.where(finite, x, 0), starts, dtype=np.float64)
        mean = sums / counts
    mean[counts == 0] = np.nan
    ends = np.append(starts[1:], n)
    t = (first_index + (starts + ends) / 2.0) / sample_rate_hz
    dmin = dmax = None
    if digital is not None and digital.shape[0] == n:
        dmin = np.bitwise_and.reduceat(digital, starts)
        dmax = np.bitwise_or.reduceat(digital, starts)
    return Columns(t, lo, hi, mean, dmin, dmax)


def envelope_xy(t: F64, lo: F64, hi: F64) -> tuple[F64, F64]:
    """Interleave min and max into one zig-zag line: 2 points per column."""
    x = np.repeat(t, 2)
    y = np.empty(x.shape[0])
    y[0::2] = lo
    y[1::2] = hi
    return x, y


def lane_xy(columns: Columns, bit: int, lane: int, height: float = 0.7) -> tuple[F64, F64]:
    """A digital line drawn in lane ``lane``: low at ``lane``, high at ``lane + height``.

    A column where the line toggled shows as a vertical bar (its AND differs from its OR).
    """
    if columns.digital_min is None or columns.digital_max is None:
        empty = np.empty(0)
        return empty, empty
    lo = ((columns.digital_min >> bit) & 1).astype(np.float64)
    hi = ((columns.digital_max >> bit) & 1).astype(np.float64)
    return envelope_xy(columns.t_s, lane + height * lo, lane + height * hi)
