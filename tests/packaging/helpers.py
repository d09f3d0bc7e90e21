"""Shared pieces of the packaging tests: the repository, clean environments, commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# A short performance run on the simulated DUT: proves the core, LiteRT and HDF5 work.
SIM_RUN_ARGS = (
    "run",
    "--dut",
    "sim",
    "--benchmark",
    "ad01",
    "--no-wire-time",
    "--iterations",
    "10",
    "--windows",
    "1",
    "--min-window-s",
    "0.05",
)
SIM_RUN_NOT_FOR_SUBMISSION = 3  # the run finished; one short window is not a valid result


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: no PYTHONPATH, no virtual env leaking in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP"}
    }
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra)
    return env


def run(
    cmd: list[str], *, cwd: Path, env: dict[str, str], timeout_s: float = 600.0
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd``; the output is kept for the assertion messages."""
    return subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout_s, check=False
    )


def explain(proc: subprocess.CompletedProcess[str]) -> str:
    """A failed command's exit code and output, for assertion messages."""
    return (
        f"{' '.join(map(str, proc.args))} exited {proc.returncode}\n"
        f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
    )


def python() -> str:
    """The interpreter running the tests (it has pip and, in CI, pyinstaller)."""
    return sys.executable
