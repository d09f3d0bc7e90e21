"""What a run is asked to do: a frozen plan, chosen before the run starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Mode(StrEnum):
    """The MLPerf Tiny modes."""

    PERFORMANCE = "performance"
    ACCURACY = "accuracy"
    ENERGY = "energy"

    @property
    def letter(self) -> str:
        """The MLCommons runner's ``-m`` letter, also used in results.json."""
        return {"performance": "p", "accuracy": "a", "energy": "e"}[self.value]


# The rules: 5 windows of at least 10 s each (benchmark.md §3).
RULES_WINDOWS = 5
RULES_MIN_WINDOW_S = 10.0


@dataclass(frozen=True, slots=True)
class RunPlan:
    """A run's parameters. ``iterations=None`` means calibrate automatically."""

    mode: Mode
    results_dir: Path
    benchmark: str | None = None  # expected model id; None: whatever the DUT reports
    windows: int = RULES_WINDOWS
    min_window_s: float = RULES_MIN_WINDOW_S
    iterations: int | None = None
    warmups: int | None = None  # None: the official test script's value for this mode
    dataset_dir: Path | None = None  # <root> holding <model>/y_labels.csv
    label_file: str = "y_labels.csv"
    seed: int = 0  # for inputs synthesized when no dataset is given
    options: dict[str, str] = field(default_factory=dict)  # mode-specific extras

    def describe(self) -> dict[str, object]:
        """The plan as plain data, for files and provenance."""
        return {
            "mode": self.mode.value,
            "benchmark": self.benchmark,
            "windows": self.windows,
            "min_window_s": self.min_window_s,
            "iterations": self.iterations if self.iterations is not None else "auto",
            "warmups": self.warmups,
            "dataset_dir": str(self.dataset_dir) if self.dataset_dir else None,
            "label_file": self.label_file,
            "seed": self.seed,
            "results_dir": str(self.results_dir),
            **{f"option.{k}": v for k, v in self.options.items()},
        }
