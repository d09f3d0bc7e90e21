"""Scaled units for currents, charges and energies (uA, mA, A ...)."""

from __future__ import annotations

import math

_PREFIXES = ((1.0, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p"))


def scale_for(value: float) -> tuple[float, str]:
    """The factor and SI prefix that show ``value`` between 1 and 1000."""
    magnitude = abs(value)
    if not math.isfinite(magnitude) or magnitude == 0:
        return 1.0, ""
    for factor, prefix in _PREFIXES:
        if magnitude >= factor:
            return factor, prefix
    return _PREFIXES[-1]


def format_si(value: float | None, unit: str, digits: int = 4) -> str:
    """``0.00123, 'A'`` -> ``'1.230 mA'``; NaN/None -> ``'—'``."""
    if value is None or not math.isfinite(value):
        return "—"
    factor, prefix = scale_for(value)
    scaled = value / factor
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(scaled))) if scaled else 0)
    return f"{scaled:.{decimals}f} {prefix}{unit}"


def format_duration(seconds: float | None) -> str:
    """``75.2`` -> ``'1 min 15 s'``; small values in ms/µs."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    if seconds < 1:
        return format_si(seconds, "s", 3)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
