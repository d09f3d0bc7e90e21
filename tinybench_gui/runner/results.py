"""What a run produced: per-window figures, the score and its validity."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class WindowResult:
    """One timed window (one ``infer N W`` on one input)."""

    index: int  # 1-based, as the official runner prints it
    input_name: str
    iterations: int
    warmups: int
    runtime_s: float
    lap_start_us: int | None = None
    lap_end_us: int | None = None
    results: tuple[float, ...] = ()
    # Energy mode only; None elsewhere.
    energy_j: float | None = None
    power_w: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def throughput_inf_s(self) -> float:
        """Inferences per second over the timed region."""
        return self.iterations / self.runtime_s if self.runtime_s > 0 else 0.0

    @property
    def energy_per_inference_j(self) -> float | None:
        """Window energy divided by its iterations."""
        return None if self.energy_j is None else self.energy_j / self.iterations


@dataclass(slots=True)
class RunSummary:
    """Everything scored at the end of a run (filled in as the run goes)."""

    mode: str
    model: str
    windows: list[WindowResult] = field(default_factory=list)
    score: float | None = None  # median throughput, median uJ/inf, Top-1 % or AUC
    score_unit: str = ""
    errors: list[str] = field(default_factory=list)  # validity errors, official wording
    notes: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)  # mode-specific figures
    report_lines: list[str] = field(default_factory=list)  # the official result blocks

    @property
    def valid(self) -> bool:
        """Whether the result may be submitted."""
        return not self.errors and self.score is not None

    def median_throughput(self) -> float | None:
        """Median of the windows' throughputs."""
        if not self.windows:
            return None
        return statistics.median(w.throughput_inf_s for w in self.windows)
