"""What a mode's procedure gets from the runner: the plan, the DUT, and ways to report."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tinybench_gui.benchmarks.catalog import Benchmark
from tinybench_gui.devices.capabilities import CommandChannel
from tinybench_gui.devices.dut import DutClient, DutIdentity
from tinybench_gui.devices.transport import TranscriptEntry, TranscriptSink
from tinybench_gui.runner.events import LogLine, PhaseChanged, ProgressMade, RunEvent
from tinybench_gui.runner.plan import RunPlan
from tinybench_gui.runner.results import RunSummary
from tinybench_gui.runner.state import RunnerStatus, RunState


class RunCancelledError(Exception):
    """Raised inside a procedure when the user cancelled; the runner ends the run cleanly."""


class RunInvalidError(RuntimeError):
    """The run cannot give a valid result (wrong firmware build, wrong model...)."""


@dataclass
class RunResources:
    """The devices a run uses, handed over by the composition root (``bench.py``).

    ``open_dut`` is called on the runner's thread, which then owns the port.
    ``devices`` holds mode-specific devices (``energy_monitor``, ``io_board``...).
    """

    open_dut: Callable[[TranscriptSink], CommandChannel]
    devices: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)


class RunContext:
    """Passed to a mode procedure; every method is called on the runner's thread."""

    def __init__(
        self,
        plan: RunPlan,
        resources: RunResources,
        emit: Callable[[RunEvent], None],
        cancel_event: threading.Event,
        started_s: float,
    ) -> None:
        self.plan = plan
        self.resources = resources
        self._emit = emit
        self._cancel = cancel_event
        self.started_s = started_s
        self.transcript: list[TranscriptEntry] = []
        self.records: list[dict[str, Any]] = []  # results.json, one dict per loop iteration
        self.status = RunnerStatus(RunState.PREPARING)
        self.dut: DutClient | None = None
        self.identity: DutIdentity | None = None
        self.benchmark: Benchmark | None = None
        self.summary = RunSummary(mode=plan.mode.value, model=plan.benchmark or "")
        self.wire_tx_bytes = 0  # bytes sent to the DUT, terminators included
        self.wire_rx_bytes = 0  # bytes received from the DUT, CR LF included
        self.transcript_filter: Callable[[TranscriptEntry], bool] | None = None
        # Mode-specific state shared by a mode's preparation and its procedure.
        self.extras: dict[str, Any] = {}

    # -- reporting ---------------------------------------------------------------------
    def emit(self, event: RunEvent) -> None:
        """Hand an event to the subscribers."""
        self._emit(event)

    def on_transcript(self, entry: TranscriptEntry) -> None:
        """Sink for protocol lines: kept for log.txt and forwarded as events.

        Bytes on the DUT's wire are counted here (command + ``%`` out, line + CR LF
        back). A mode may set ``transcript_filter`` to keep bulk lines (the ``db``
        chunks of 48k AD downloads) out of the log; they are still counted.
        """
        if entry.source == "dut":
            if entry.direction == "tx":
                self.wire_tx_bytes += len(entry.text) + 1
            else:
                self.wire_rx_bytes += len(entry.text) + 2
        if self.transcript_filter is not None and not self.transcript_filter(entry):
            return
        self.transcript.append(entry)
        self._emit(LogLine(entry))

    def log(self, message: str, source: str = "app") -> None:
        """An application message in the run's log."""
        self.on_transcript(TranscriptEntry(time.time(), source, "rx", message))

    def set_state(self, state: RunState, detail: str = "") -> None:
        """Move to ``state`` (no event if nothing changed)."""
        if state == self.status.state and detail == self.status.detail:
            return
        self.status = RunnerStatus(
            state, self.status.step, self.status.steps, detail, self.status.eta_s
        )
        self._emit(PhaseChanged(state, self.status))

    def progress(self, step: int, steps: int, detail: str = "", eta_s: float | None = None) -> None:
        """Report step ``step`` of ``steps`` and the estimated time left."""
        self.status = RunnerStatus(self.status.state, step, steps, detail, eta_s)
        self._emit(ProgressMade(self.status))

    # -- cancellation ------------------------------------------------------------------
    @property
    def cancelled(self) -> bool:
        """Whether the user asked to stop."""
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        """Raise ``RunCancelledError`` if the user asked to stop."""
        if self._cancel.is_set():
            raise RunCancelledError("cancelled by the user")

    def require_dut(self) -> DutClient:
        """The identified DUT (set by the runner before a procedure starts)."""
        assert self.dut is not None
        assert self.benchmark is not None
        return self.dut
