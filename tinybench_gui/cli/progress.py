"""A terminal progress line for runs, fed by run events."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tinybench_gui.runner.events import (
    DutIdentified,
    PhaseChanged,
    ProgressMade,
    RunEvent,
    RunFinished,
    WindowFinished,
)


def _fmt_eta(eta_s: float | None) -> str:
    if eta_s is None:
        return ""
    m, s = divmod(int(eta_s + 0.5), 60)
    return f" ~{m:d}:{s:02d} left"


class TerminalProgress:
    """Prints one updating line on a terminal, plain lines otherwise."""

    def __init__(self, stream: TextIO | None = None, *, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = self.stream.isatty()
        self._last_draw = 0.0

    def __call__(self, event: RunEvent) -> None:
        if isinstance(event, DutIdentified):
            ident = event.identity
            mode = ident.timestamp_mode or "unknown"
            self._line(f"DUT {ident.name!r} on {event.url}: model {ident.model}, {mode} build")
        elif isinstance(event, WindowFinished):
            w = event.window
            figure = f"{w.throughput_inf_s:.3f} inf./sec."
            if w.energy_per_inference_j is not None:
                figure = f"{w.energy_per_inference_j * 1e6:.3f} uJ/inf."
            self._line(
                f"window {w.index}: {w.iterations} inferences in {w.runtime_s:.3f} s, {figure}"
            )
        elif isinstance(event, PhaseChanged | ProgressMade):
            self._bar(
                event.status.state.value,
                event.status.step,
                event.status.steps,
                event.status.detail,
                event.status.eta_s,
            )
        elif isinstance(event, RunFinished):
            self._clear()

    def _bar(self, phase: str, step: int, steps: int, detail: str, eta_s: float | None) -> None:
        if not self.tty:
            return
        now = time.monotonic()
        if now - self._last_draw < 0.1:
            return
        self._last_draw = now
        filled = int(self.width * (step - 1) / steps) if steps else 0
        bar = "#" * filled + "-" * (self.width - filled)
        text = f"[{bar}] {step}/{steps} {phase} {detail}{_fmt_eta(eta_s)}"
        self.stream.write("\r" + text[:120].ljust(120))
        self.stream.flush()

    def _clear(self) -> None:
        if self.tty:
            self.stream.write("\r" + " " * 120 + "\r")
            self.stream.flush()

    def _line(self, text: str) -> None:
        self._clear()
        self.stream.write(text + "\n")
        self.stream.flush()
