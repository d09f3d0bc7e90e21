"""Decimation and statistics against numpy (no widgets)."""

from __future__ import annotations

import numpy as np
import pytest

from tinybench_gui.gui.decimate import column_grid, decimate, envelope_xy
from tinybench_gui.gui.stats import span_stats, summary_stats
from tinybench_gui.gui.units import format_duration, format_si


def test_decimate_matches_numpy_and_keeps_peaks() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(1e-3, 1e-4, 100_003).astype(np.float32)
    x[54_321] = 0.5  # a one-sample spike
    x[777] = np.nan  # a dropped sample
    per_col, _start, _stop = column_grid(0, x.shape[0], 1000)
    cols = decimate(x, 0, per_col, 1e5)
    assert cols.t_s.shape[0] <= 1001
    assert np.nanmax(cols.max) == pytest.approx(0.5)
    ref = x.astype(np.float64)
    k = 54_321 // per_col
    seg = ref[k * per_col : (k + 1) * per_col]
    assert cols.max[k] == pytest.approx(np.nanmax(seg))
    assert cols.min[k] == pytest.approx(np.nanmin(seg))
    assert cols.mean[k] == pytest.approx(np.nanmean(seg))
    assert np.all(cols.min <= cols.mean + 1e-12)
    assert np.all(cols.mean <= cols.max + 1e-12)
    ex, ey = envelope_xy(cols.t_s, cols.min, cols.max)
    assert ex.shape[0] == 2 * cols.t_s.shape[0]
    assert ey.max() == pytest.approx(0.5)


def test_grid_is_snapped_so_columns_do_not_jitter() -> None:
    a = column_grid(1000.0, 11000.0, 100)
    b = column_grid(1037.0, 11037.0, 100)
    assert a[0] == b[0]
    assert a[1] % a[0] == 0
    assert b[1] % b[0] == 0


def test_decimate_partial_first_column_starts_mid_grid() -> None:
    x = np.arange(25, dtype=np.float32)
    cols = decimate(x, 7, 10, 1.0)  # samples 7..31 -> columns [7,10) [10,20) [20,30) [30,32)
    assert cols.min.tolist() == [0, 3, 13, 23]
    assert cols.max.tolist() == [2, 12, 22, 24]


def test_span_stats_against_numpy() -> None:
    rng = np.random.default_rng(1)
    i = rng.uniform(1e-3, 9e-3, 50_000)
    v = rng.uniform(1.7, 1.9, 50_000)
    i[10] = np.nan
    s = span_stats(i, 1e5, 2.0, voltage_v=v)
    good = np.isfinite(i)
    assert s.samples == 50_000
    assert s.dropped == 1
    assert s.mean_a == pytest.approx(i[good].mean())
    assert s.std_a == pytest.approx(i[good].std())
    assert s.min_a == pytest.approx(i[good].min())
    assert s.max_a == pytest.approx(i[good].max())
    assert s.charge_c == pytest.approx(i[good].sum() / 1e5)
    assert s.energy_j == pytest.approx((i[good] * v[good]).sum() / 1e5)
    assert s.min_a <= s.mean_a <= s.max_a
    assert s.duration_s == pytest.approx(0.5)
    assert not s.energy_from_setpoint
    assert span_stats(i, 1e5, 0.0, supply_voltage_v=1.8).energy_from_setpoint


def test_summary_stats_combine_exactly() -> None:
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, 4096)
    parts = x.reshape(32, 128)
    s = summary_stats(
        count=np.full(32, 128.0),
        mean=parts.mean(1),
        std=parts.std(1),
        lo=parts.min(1),
        hi=parts.max(1),
        sample_rate_hz=1000.0,
        t0_s=0.0,
        t1_s=4.096,
        supply_voltage_v=2.0,
    )
    assert s.mean_a == pytest.approx(x.mean())
    assert s.std_a == pytest.approx(x.std())
    assert s.charge_c == pytest.approx(x.sum() / 1000.0)
    assert s.energy_j == pytest.approx(2.0 * x.sum() / 1000.0)


def test_units() -> None:
    assert format_si(0.00123, "A") == "1.230 mA"
    assert format_si(4.5e-6, "A") == "4.500 µA"
    assert format_si(2.0, "A") == "2.000 A"
    assert format_si(float("nan"), "A") == "—"
    assert format_duration(75.2) == "1 min 15 s"
