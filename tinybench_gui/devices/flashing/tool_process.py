"""Run a flashing tool as a subprocess: stream its output, honour a deadline and cancel."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tinybench_gui.devices.flashing.model import CancelToken

_POLL_S = 0.05


@dataclass(frozen=True, slots=True)
class ToolRun:
    """How a tool run ended."""

    argv: tuple[str, ...]
    returncode: int | None  # None if killed
    output: str
    timed_out: bool
    cancelled: bool
    elapsed_s: float


def find_tool(name: str) -> str | None:
    """The tool's path on PATH, or None."""
    return shutil.which(name)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the tool's process group, then kill it if it lingers."""
    if not hasattr(os, "killpg"):  # Windows: no process groups to signal
        proc.kill()
        proc.wait(5.0)
        return
    for sig, wait_s in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def run_tool(
    argv: Sequence[str],
    *,
    timeout_s: float,
    cancel: CancelToken,
    on_output: Callable[[str], None] | None = None,
    env: dict[str, str] | None = None,
) -> ToolRun:
    """Run ``argv``; ``on_output`` gets each chunk (CR and LF kept) as it arrives.

    The tool's stdin is closed so that a tool waiting for a keypress fails instead of
    hanging. On timeout or cancel it is terminated, then killed.
    """
    started = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        # Its own process group, so a wrapper script and its children stop together.
        start_new_session=hasattr(os, "killpg"),
    )
    chunks: list[str] = []
    stdout = proc.stdout
    assert stdout is not None  # PIPE was asked for

    def pump() -> None:
        while True:
            data = os.read(stdout.fileno(), 4096)
            if not data:
                return
            text = data.decode("utf-8", errors="replace")
            chunks.append(text)
            if on_output is not None:
                on_output(text)

    reader = threading.Thread(target=pump, name=f"{argv[0]} output", daemon=True)
    reader.start()
    timed_out = cancelled = False
    while proc.poll() is None:
        if cancel.cancelled:
            cancelled = True
        elif time.monotonic() - started > timeout_s:
            timed_out = True
        if cancelled or timed_out:
            _stop(proc)
            break
        time.sleep(_POLL_S)
    reader.join(2.0)
    stdout.close()
    return ToolRun(
        argv=tuple(argv),
        returncode=None if (timed_out or cancelled) else proc.returncode,
        output="".join(chunks),
        timed_out=timed_out,
        cancelled=cancelled,
        elapsed_s=time.monotonic() - started,
    )
