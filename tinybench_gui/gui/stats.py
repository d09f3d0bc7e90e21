"""Statistics of a span of samples, computed from the samples themselves (no Qt).

Decimated points are never used: a marker span's mean, std, charge and energy
come from every sample inside it (or from exact per-entry sums when a span is too
long to read), and each result says which (``scope``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class SpanStats:
    """Figures of the samples in ``[t0_s, t1_s)``.

    ``energy_j`` uses the measured voltage when there is one, else ``voltage_v``
    (a set-point): ``energy_from_setpoint`` says so, and the GUI labels it.
    """

    t0_s: float
    t1_s: float
    samples: int
    dropped: int
    mean_a: float
    min_a: float
    max_a: float
    std_a: float
    charge_c: float
    energy_j: float
    energy_from_setpoint: bool
    scope: str  # "marker span, all samples" / "... from summaries" / "visible window"

    @property
    def duration_s(self) -> float:
        """Span length."""
        return self.t1_s - self.t0_s

    @property
    def peak_to_peak_a(self) -> float:
        """max - min."""
        return self.max_a - self.min_a

    @property
    def mean_power_w(self) -> float:
        """Energy over duration."""
        return self.energy_j / self.duration_s if self.duration_s > 0 else float("nan")


def span_stats(
    current_a: npt.NDArray[np.floating],
    sample_rate_hz: float,
    t0_s: float,
    *,
    voltage_v: npt.NDArray[np.floating] | None = None,
    supply_voltage_v: float = 3.0,
    scope: str = "marker span, all samples",
) -> SpanStats:
    """Statistics of consecutive samples starting at ``t0_s``; NaN samples are dropped ones."""
    x = np.asarray(current_a, dtype=np.float64)
    finite = np.isfinite(x)
    good = x[finite]
    n = int(x.shape[0])
    dt = 1.0 / sample_rate_hz
    t1_s = t0_s + n * dt
    if good.shape[0] == 0:
        nan = float("nan")
        return SpanStats(t0_s, t1_s, n, n, nan, nan, nan, nan, nan, nan, voltage_v is None, scope)
    charge = float(good.sum()) * dt
    from_setpoint = voltage_v is None
    if voltage_v is not None:
        v = np.asarray(voltage_v, dtype=np.float64)[finite]
        v_ok = np.isfinite(v)
        energy = float(np.sum(good[v_ok] * v[v_ok])) * dt
        if not v_ok.all():
            energy += float(np.sum(good[~v_ok])) * dt * supply_voltage_v
    else:
        energy = charge * supply_voltage_v
    return SpanStats(
        t0_s=t0_s,
        t1_s=t1_s,
        samples=n,
        dropped=n - int(good.shape[0]),
        mean_a=float(good.mean()),
        min_a=float(good.min()),
        max_a=float(good.max()),
        std_a=float(good.std()),
        charge_c=charge,
        energy_j=energy,
        energy_from_setpoint=from_setpoint,
        scope=scope,
    )


def summary_stats(
    *,
    count: npt.NDArray[np.floating],
    mean: npt.NDArray[np.floating],
    std: npt.NDArray[np.floating],
    lo: npt.NDArray[np.floating],
    hi: npt.NDArray[np.floating],
    sample_rate_hz: float,
    t0_s: float,
    t1_s: float,
    supply_voltage_v: float,
) -> SpanStats:
    """Combine per-entry (count, mean, std, min, max) exactly: weighted sums of x and x²."""
    w = np.asarray(count, dtype=np.float64)
    m = np.asarray(mean, dtype=np.float64)
    s = np.asarray(std, dtype=np.float64)
    ok = np.isfinite(m) & (w > 0)
    w, m, s = w[ok], m[ok], s[ok]
    total = float(w.sum())
    if total == 0:
        nan = float("nan")
        return SpanStats(t0_s, t1_s, 0, 0, nan, nan, nan, nan, nan, nan, True, "from summaries")
    mu = float(np.sum(w * m) / total)
    ex2 = float(np.sum(w * (s * s + m * m)) / total)
    charge = float(np.sum(w * m)) / sample_rate_hz
    return SpanStats(
        t0_s=t0_s,
        t1_s=t1_s,
        samples=int(total),
        dropped=0,
        mean_a=mu,
        min_a=float(np.nanmin(np.asarray(lo)[ok])),
        max_a=float(np.nanmax(np.asarray(hi)[ok])),
        std_a=float(np.sqrt(max(ex2 - mu * mu, 0.0))),
        charge_c=charge,
        energy_j=charge * supply_voltage_v,
        energy_from_setpoint=True,
        scope="marker span, exact sums of the summary entries",
    )
