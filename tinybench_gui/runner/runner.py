"""The runner: one run at a time, on its own thread, as a state machine.

```mermaid
stateDiagram-v2
    [*] --> idle
    idle --> preparing: start()
    preparing --> downloading
    downloading --> warming_up
    warming_up --> measuring
    measuring --> downloading: next window or file
    measuring --> scoring
    scoring --> done
    preparing --> failed
    downloading --> failed
    measuring --> failed
    downloading --> cancelled: cancel()
    measuring --> cancelled: cancel()
    done --> idle
    failed --> idle
    cancelled --> idle
```

``start()`` returns at once; events go to subscribers on the runner's thread.
Whatever happens, the DUT's port is closed and the artifacts are written.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from tinybench_gui.benchmarks.catalog import UnknownBenchmarkError, get_benchmark
from tinybench_gui.benchmarks.datasets import DatasetError
from tinybench_gui.devices.capabilities import CommandChannel
from tinybench_gui.devices.dut import DownloadCancelledError, DutClient
from tinybench_gui.devices.transport import LinkError
from tinybench_gui.models.lookup import ModelHashMismatchError, ModelNotFoundError
from tinybench_gui.runner.artifacts import write_artifacts
from tinybench_gui.runner.context import (
    RunCancelledError,
    RunContext,
    RunInvalidError,
    RunResources,
)
from tinybench_gui.runner.events import DutIdentified, RunEvent, RunFinished, RunStarted
from tinybench_gui.runner.modes import PREPARATIONS, procedure_for
from tinybench_gui.runner.plan import RunPlan
from tinybench_gui.runner.results import RunSummary
from tinybench_gui.runner.state import RunnerStatus, RunState

logger = logging.getLogger(__name__)
Subscriber = Callable[[RunEvent], None]

# Errors that end a run with a message for the user rather than a traceback.
EXPECTED_ERRORS = (
    LinkError,
    RunInvalidError,
    DatasetError,
    ModelNotFoundError,
    ModelHashMismatchError,
    UnknownBenchmarkError,
    ValueError,
    OSError,
)


class RunnerBusyError(RuntimeError):
    """A run is already in progress."""


class Runner:
    """Runs plans one at a time; thread-safe ``start``, ``cancel``, ``status``."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._status = RunnerStatus()
        self.last_summary: RunSummary | None = None
        self.last_state: RunState | None = None

    # -- subscribers ------------------------------------------------------------------
    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every event; returns an unsubscribe function."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _emit(self, event: RunEvent) -> None:
        status = getattr(event, "status", None)
        if isinstance(status, RunnerStatus):
            self._status = status
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(event)
            except Exception:  # a broken view must not break a measurement
                logger.exception("run event subscriber failed")

    # -- control ----------------------------------------------------------------------
    @property
    def status(self) -> RunnerStatus:
        """The latest status snapshot."""
        return self._status

    @property
    def busy(self) -> bool:
        """Whether a run is in progress."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, plan: RunPlan, resources: RunResources) -> threading.Thread:
        """Start a run on a new thread and return it at once."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise RunnerBusyError("a run is already in progress; cancel it or wait")
            self._cancel.clear()
            self._thread = threading.Thread(
                target=self._run, args=(plan, resources), name="tinybench-runner", daemon=True
            )
            self._thread.start()
            return self._thread

    def cancel(self) -> None:
        """Ask the run to stop at the next command boundary; returns at once."""
        self._cancel.set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for the current run to end; True if it has."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout_s)
        return not thread.is_alive()

    def run(self, plan: RunPlan, resources: RunResources) -> RunSummary:
        """Run on the calling thread (scripts and tests); returns the summary."""
        self._cancel.clear()
        self._run(plan, resources)
        assert self.last_summary is not None
        return self.last_summary

    # -- the run ------------------------------------------------------------------------
    def _run(self, plan: RunPlan, resources: RunResources) -> None:
        started_s = time.time()
        ctx = RunContext(plan, resources, self._emit, self._cancel, started_s)
        self._emit(RunStarted(plan, started_s))
        ctx.set_state(RunState.PREPARING, "opening the DUT")
        channel: CommandChannel | None = None
        teardown: Callable[[], None] | None = None
        state, reason = RunState.DONE, None
        try:
            channel = resources.open_dut(ctx.on_transcript)
            prepare = PREPARATIONS.get(plan.mode)
            if prepare is not None:
                teardown = prepare(ctx, channel)
            ctx.dut = DutClient(channel)
            identity = ctx.dut.identify()
            ctx.identity = identity
            self._emit(DutIdentified(identity, channel.url))
            if plan.benchmark is not None and identity.model != plan.benchmark:
                raise RunInvalidError(
                    f"the DUT on {channel.url} reports m-model-[{identity.model}], but the plan "
                    f"asks for {plan.benchmark}. Fix: flash the {plan.benchmark} firmware, or "
                    "leave the benchmark out to use the DUT's."
                )
            ctx.benchmark = get_benchmark(identity.model)
            ctx.summary.model = identity.model
            procedure_for(plan.mode)(ctx)
        except (RunCancelledError, DownloadCancelledError):
            state, reason = RunState.CANCELLED, "cancelled by the user"
        except EXPECTED_ERRORS as exc:
            state, reason = RunState.FAILED, str(exc)
        except Exception as exc:  # a bug: still leave the files and a readable reason
            logger.exception("run failed unexpectedly")
            state, reason = RunState.FAILED, f"internal error: {type(exc).__name__}: {exc}"
        finally:
            if teardown is not None:
                try:
                    teardown()
                except Exception:  # the files must still be written
                    logger.exception("mode teardown failed")
            if channel is not None:
                channel.close()
        if reason:
            ctx.log(f"run {state.value}: {reason}")
        write_artifacts(
            plan.results_dir,
            transcript=ctx.transcript,
            started_s=started_s,
            summary=ctx.summary,
            records=ctx.records,
            state=state,
            reason=reason,
        )
        self.last_summary = ctx.summary
        self.last_state = state
        self._emit(RunFinished(state, reason, ctx.summary))
        self._status = RunnerStatus(RunState.IDLE, reason=reason)
