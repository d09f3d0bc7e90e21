"""Which procedure runs each mode; accuracy and energy register themselves here."""

from __future__ import annotations

from collections.abc import Callable

from tinybench_gui.runner.accuracy import run_accuracy
from tinybench_gui.runner.context import RunContext
from tinybench_gui.runner.performance import run_performance
from tinybench_gui.runner.plan import Mode

Procedure = Callable[[RunContext], None]

PROCEDURES: dict[Mode, Procedure] = {
    Mode.PERFORMANCE: run_performance,
    Mode.ACCURACY: run_accuracy,
}


def procedure_for(mode: Mode) -> Procedure:
    """The procedure of ``mode``; a clear error for a mode not built yet."""
    try:
        return PROCEDURES[mode]
    except KeyError:
        raise ValueError(f"mode {mode.value!r} is not available in this build") from None
