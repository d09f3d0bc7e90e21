"""Which procedure runs each mode; accuracy and energy register themselves here."""

from __future__ import annotations

from collections.abc import Callable

from tinybench_gui.devices.capabilities import CommandChannel
from tinybench_gui.runner.accuracy import run_accuracy
from tinybench_gui.runner.context import RunContext
from tinybench_gui.runner.energy import prepare_energy, run_energy
from tinybench_gui.runner.performance import run_performance
from tinybench_gui.runner.plan import Mode

Procedure = Callable[[RunContext], None]
# Runs on the opened channel before the DUT is identified (energy: power the DUT
# through the monitor first); returns the teardown the runner calls at the end.
Preparation = Callable[[RunContext, CommandChannel], Callable[[], None]]

PROCEDURES: dict[Mode, Procedure] = {
    Mode.PERFORMANCE: run_performance,
    Mode.ACCURACY: run_accuracy,
    Mode.ENERGY: run_energy,
}

PREPARATIONS: dict[Mode, Preparation] = {
    Mode.ENERGY: prepare_energy,
}


def procedure_for(mode: Mode) -> Procedure:
    """The procedure of ``mode``; a clear error for a mode not built yet."""
    try:
        return PROCEDURES[mode]
    except KeyError:
        raise ValueError(f"mode {mode.value!r} is not available in this build") from None
