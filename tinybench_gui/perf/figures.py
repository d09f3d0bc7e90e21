"""The figure registry and the row type every figure returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FigureRow:
    """One measured figure.

    ``ratio`` is the measurement divided by ``baseline`` (both in ``unit``), and
    ``target`` is the ratio (or value, for absolute targets) to reach; ``higher_is_better``
    says which way the target points. ``note`` explains the baseline.
    """

    name: str
    value: float
    unit: str
    baseline: float | None = None
    target: float | None = None
    higher_is_better: bool = True
    note: str = ""
    # True: ``target`` applies to ``value`` itself (the issue states it in seconds), and the
    # ratio to the baseline is shown for context only.
    absolute_target: bool = False

    @property
    def ratio(self) -> float | None:
        """``value / baseline``."""
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    @property
    def met(self) -> bool | None:
        """Whether the target is met (None if the figure has no target)."""
        if self.target is None:
            return None
        measured = self.value if self.absolute_target or self.ratio is None else self.ratio
        return measured >= self.target if self.higher_is_better else measured <= self.target


FigureFunction = Callable[[bool], list[FigureRow]]  # argument: quick (shorter) run

# name -> (function, one-line description). Modules add themselves by name in
# FIGURE_MODULES; each defines ``FIGURES: dict[str, tuple[FigureFunction, str]]``.
FIGURE_MODULES: tuple[str, ...] = (
    "tinybench_gui.perf.download",
    "tinybench_gui.perf.storage_figures",
    "tinybench_gui.perf.accuracy",
    "tinybench_gui.perf.energy",
    "tinybench_gui.perf.startup",
    "tinybench_gui.gui.perf_figures",  # imports Qt only inside its figure functions
)
