"""Where runs are kept by default."""

from __future__ import annotations

import os
import time
from pathlib import Path


def runs_folder() -> Path:
    """``$TINYBENCH_RUNS_DIR`` or ``$XDG_DATA_HOME/tinybench/runs``."""
    explicit = os.environ.get("TINYBENCH_RUNS_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tinybench" / "runs"


def default_results_dir(model: str | None, mode: str) -> Path:
    """A new timestamped folder for one run, like the MLCommons runner's sessions/."""
    stamp = time.strftime("%Y%m%d_%H%M%S")
    folder = runs_folder() / f"{stamp}_{model or 'dut'}_{mode}"
    n = 1
    while folder.exists():  # two runs in one second: never reuse a folder
        n += 1
        folder = runs_folder() / f"{stamp}_{model or 'dut'}_{mode}_{n}"
    return folder
