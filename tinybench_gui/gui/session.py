"""GuiSession: the one object the window holds (bench, runner, device watcher, live data).

It is built by ``app.py`` (or a test) and injected into the window, so the widgets
never build their own collaborators. Every method returns at once: runs go to
the runner's thread, detection to the watcher's thread, and their callbacks come
back through the ``QtBridge`` stamped with the host time they happened at.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinybench_gui.devices.transport import TranscriptEntry
from tinybench_gui.gui.qt_bridge import QtBridge
from tinybench_gui.gui.sources import AcquisitionLike, LiveSource
from tinybench_gui.gui.timeline import Timeline
from tinybench_gui.runner.context import RunResources
from tinybench_gui.runner.events import RunEvent, RunFinished
from tinybench_gui.runner.plan import Mode, RunPlan
from tinybench_gui.runner.runner import Runner, RunnerBusyError

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Stamped:
    """A core event and the host time it was emitted at (its place on the time axis)."""

    host_time_s: float
    event: Any


@dataclass(frozen=True, slots=True)
class AppMessage:
    """A message of the application itself for the log (source ``app``)."""

    entry: TranscriptEntry


@dataclass(frozen=True, slots=True)
class StartFailed:
    """A run could not start (its file could not be created, the runner refused)."""

    reason: str


@dataclass(frozen=True, slots=True)
class BenchDevice:
    """A device of the bench as the Bench panel lists it."""

    kind: str  # dut | io_board | energy_monitor | probe
    name: str
    port: str
    serial: str = ""
    banner: str = ""
    build_mode: str = ""
    status: str = "unknown"  # ok | busy | error | unknown
    simulated: bool = False
    detail: str = ""
    baud_rate: int | None = None  # the rate the probe found it answering at
    origin: str = ""  # usb | serial | simulated | emulated | manual ("" for the session's own)


class GuiSession:
    """Bench, runner and live data for one window.

    Parameters
    ----------
    bridge:
        Carries core callbacks to the GUI thread.
    bench:
        A ``bench.SimulatedBench`` (or anything with ``resources()`` and ``close()``)
        for performance and accuracy runs, or None for a bench of real devices.
    energy_bench:
        A ``devices.sim.sim_bench.SimBench`` (DUT behind an interface board, measured
        by an energy monitor) for energy runs, or None.
    watcher_factory:
        Builds a ``DeviceWatcher`` given its callback; None: no hot-plug polling.
    results_root:
        Where runs go: ``<results_root>/<timestamp>-<model>-<mode>/``.
    """

    def __init__(
        self,
        bridge: QtBridge,
        *,
        bench: Any | None = None,
        energy_bench: Any | None = None,
        watcher_factory: Callable[[Callable[[Any], None]], Any] | None = None,
        results_root: Path | None = None,
        runner: Runner | None = None,
    ) -> None:
        self.bridge = bridge
        self.bench = bench
        self.energy_bench = energy_bench
        self.runner = runner or Runner()
        self.results_root = results_root or Path.home() / "tinybench-runs"
        self.timeline = Timeline()
        self.live = LiveSource(self.timeline)
        self.selected_dut: tuple[str, int] | None = None  # (url, baud) of a real DUT
        self.selected_io_board: tuple[str, str] | None = None  # (url, kind) of a real board
        self.selected_monitor: str | None = None  # bench.energy_monitor_from_spec spec
        self.last_results_dir: Path | None = None
        self.startup_problem: str | None = None
        self.closed = False  # set by close(): a bench arriving later is closed, not adopted
        self.run_file: Path | None = None
        self._starting = False
        self._unsubscribe_recorder: Callable[[], None] | None = None
        self._unsubscribe = self.runner.subscribe(self._on_event)
        self.held_urls: set[str] = set()  # ports held outside a run
        self.closers: list[Callable[[], None]] = []  # more to stop on close (the emulated board)
        self.watcher: Any | None = None
        if watcher_factory is not None:
            self.watcher = watcher_factory(lambda ev: bridge.post(Stamped(time.time(), ev)))
            self.watcher.start()

    # -- bench ----------------------------------------------------------------------------
    @property
    def simulated(self) -> bool:
        """Whether the bench is the simulated one."""
        return self.bench is not None or self.energy_bench is not None

    def bench_devices(self) -> list[BenchDevice]:
        """The session's own devices (the simulated bench); detected ones come from the watcher."""
        if self.bench is None:
            return self._energy_bench_devices()
        d = getattr(self.bench, "description", {})
        url = getattr(self.bench, "dut_url", "")
        mode = "energy" if d.get("energy_mode") else "performance"
        devices = [
            BenchDevice(
                kind="dut",
                name=f"Simulated DUT ({d.get('board_profile', 'board')})",
                port=url,
                serial="SIM",
                banner=f"m-model-[{d.get('benchmark', '?')}]",
                build_mode=mode,
                status="ok",
                simulated=True,
                detail="served by tinybench on a pseudo-terminal; speaks the EEMBC protocol",
            )
        ]
        monitor = self.bench_monitor_name()
        if monitor:
            devices.append(
                BenchDevice(
                    "energy_monitor",
                    f"Simulated {monitor}",
                    "sim",
                    "SIM",
                    status="ok",
                    simulated=True,
                )
            )
        devices.extend(self._energy_bench_devices())
        return devices

    def _energy_bench_devices(self) -> list[BenchDevice]:
        eb = self.energy_bench
        if eb is None:
            return []
        d = eb.description()
        return [
            BenchDevice(
                kind="dut",
                name=f"Simulated DUT ({d.get('board_profile', 'board')})",
                port=eb.dut_server.url,
                serial="SIM",
                banner=f"m-model-[{d.get('benchmark', '?')}]",
                build_mode="energy",
                status="ok",
                simulated=True,
                detail="energy build, reached through the interface board",
            ),
            BenchDevice(
                kind="io_board",
                name=f"Simulated interface board ({d.get('io_board', '')})",
                port=eb.io_board_url,
                serial="SIM",
                status="ok",
                simulated=True,
            ),
            BenchDevice(
                kind="energy_monitor",
                name=f"Simulated {str(d.get('monitor', '')).upper()}",
                port=eb.monitor_url,
                serial="SIM",
                status="ok",
                simulated=True,
                detail="the real driver reads the simulator's bytes on a pseudo-terminal",
            ),
        ]

    def bench_monitor_name(self) -> str | None:
        """The simulated bench's energy monitor model, if it has one."""
        if self.bench is None:
            return None
        return getattr(self.bench, "monitor_model", None)

    def rescan(self) -> None:
        """Poll the ports now (returns at once; results arrive as watcher events)."""
        if self.watcher is not None:
            self.watcher.rescan(reprobe=True)

    def in_use(self) -> list[str]:
        """Ports the session holds (the simulated benches' endpoints, a run's DUT, ``held_urls``):
        the watcher must not probe them. Called on the watcher's thread."""
        held = [url for url in (getattr(self.bench, "dut_url", None),) if url]
        try:
            held += [d.port for d in self.bench_devices() if d.port and d.port != "sim"]
        except Exception:  # a bench being replaced: its own URL above is enough
            _log.debug("bench devices unavailable", exc_info=True)
        held += list(self.held_urls)
        if self.runner.busy:
            held += [url for url in self._selected_urls() if url]
        return held

    def _selected_urls(self) -> list[str]:
        urls = [self.selected_dut[0]] if self.selected_dut else []
        if self.selected_io_board:
            urls.append(self.selected_io_board[0])
        if self.selected_monitor and self.selected_monitor.split(":")[0] in ("lpm01a", "ppk2"):
            urls.append(self.selected_monitor.partition(":")[2])
        return urls

    def select_dut(self, url: str | None, baud_rate: int = 115200) -> None:
        """Performance and accuracy runs go to the DUT at ``url`` (None: back to the bench)."""
        self.selected_dut = (url, baud_rate) if url else None

    def select_io_board(self, url: str | None, kind: str = "stm32h573i-dk") -> None:
        """Energy runs reach the DUT through the interface board at ``url`` (None: none)."""
        self.selected_io_board = (url, kind) if url else None

    def select_energy_monitor(self, spec: str | None) -> None:
        """Energy runs measure with the monitor ``spec`` (``ppk2:PORT``, ...; None: none)."""
        self.selected_monitor = spec or None

    @property
    def real_energy_selected(self) -> bool:
        """Whether an interface board and an energy monitor are both selected."""
        return self.selected_io_board is not None and self.selected_monitor is not None

    def set_bench(self, bench: Any | None, energy_bench: Any | None = None) -> None:
        """Adopt a bench started on a worker (GUI thread; the window refreshes itself)."""
        self.bench = bench
        self.energy_bench = energy_bench

    # -- runs -----------------------------------------------------------------------------
    def modes(self) -> list[Mode]:
        """The modes this bench can run."""
        energy = self.energy_bench is not None or self.real_energy_selected
        if self.bench is None and self.energy_bench is None:
            found = [Mode.PERFORMANCE, Mode.ACCURACY]
        else:
            found = [Mode.PERFORMANCE, Mode.ACCURACY] if self.bench is not None else []
        return [*found, Mode.ENERGY] if energy else found

    def resources(self, mode: Mode = Mode.PERFORMANCE) -> RunResources:
        """What the next run of ``mode`` uses."""
        if mode == Mode.ENERGY:
            if self.energy_bench is not None:
                from tinybench_gui.bench import simulated_energy_resources

                return simulated_energy_resources(self.energy_bench)
            if self.selected_io_board is None or self.selected_monitor is None:
                raise ValueError(
                    "energy mode needs an interface board and an energy monitor: pick both "
                    "in the Bench panel ('use for runs'), or restart with --sim for the "
                    "simulated energy bench"
                )
            from tinybench_gui.bench import real_energy_resources

            url, kind = self.selected_io_board
            # Only builds the drivers: the runner opens board and monitor on its thread.
            return real_energy_resources(url, self.selected_monitor, io_board_kind=kind)
        if self.selected_dut is None and self.bench is not None:
            resources: RunResources = self.bench.resources()
            return resources
        if self.selected_dut is None:
            raise ValueError(
                "no DUT selected: pick one in the Bench panel, or restart with --sim for the "
                "simulated bench"
            )
        from tinybench_gui.bench import serial_dut_resources

        url, baud = self.selected_dut
        return serial_dut_resources(url, baud)

    def new_results_dir(self, model: str, mode: str) -> Path:
        """A fresh folder for a run's files."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = self.results_root / f"{stamp}-{model or 'dut'}-{mode}"
        path, n = base, 1
        while path.exists():
            n += 1
            path = base.with_name(f"{base.name}-{n}")
        return path

    def start_run(self, plan: RunPlan) -> None:
        """Start a run (returns at once). Raises ``RunnerBusyError`` or ``ValueError``.

        The run file is created on a worker thread (a file is never touched on the
        GUI thread); if that fails a ``StartFailed`` comes through the bridge.
        """
        if self.running:
            raise RunnerBusyError("a run is already in progress; stop it or wait")
        resources = self.resources(plan.mode)
        self.timeline.clear(time.time())
        self.live = LiveSource(self.timeline)
        self.live.running = True
        self.last_results_dir = plan.results_dir
        self._starting = True
        threading.Thread(
            target=self._start, args=(plan, resources), name="run-start", daemon=True
        ).start()

    def _start(self, plan: RunPlan, resources: RunResources) -> None:
        from tinybench_gui.runner.recorder import RunRecorder, default_run_file

        try:
            plan.results_dir.mkdir(parents=True, exist_ok=True)
            recorder = RunRecorder(
                default_run_file(plan.results_dir),
                plan,
                resources.provenance,
                on_failure=lambda _reason: self.runner.cancel(),
            )
            self.run_file = recorder.path
            resources.devices.setdefault("run_writer", recorder.writer)
            self._unsubscribe_recorder = self.runner.subscribe(recorder)
            self.runner.start(plan, resources)
        except Exception as exc:  # the window says why; nothing was started
            _log.exception("run did not start")
            if self._unsubscribe_recorder is not None:
                self._unsubscribe_recorder()
            self.bridge.post(StartFailed(f"{type(exc).__name__}: {exc}"))
        finally:
            self._starting = False

    def attach_acquisition(self, acquisition: AcquisitionLike | None) -> None:
        """Show ``acquisition`` in the live trace (a monitor streaming outside a run)."""
        self.live = LiveSource(self.timeline, acquisition)
        self.live.running = True

    def cancel_run(self) -> None:
        """Ask the run to stop (returns at once)."""
        self.runner.cancel()

    @property
    def running(self) -> bool:
        """Whether a run is in progress (or starting)."""
        return self._starting or self.runner.busy

    def message(self, text: str) -> None:
        """An application message for the log."""
        self.bridge.post(AppMessage(TranscriptEntry(time.time(), "app", "rx", text)))

    def _on_event(self, event: RunEvent) -> None:
        # Runner thread: stamp and hand over; never touch widgets here.
        self.bridge.post(Stamped(time.time(), event))
        if isinstance(event, RunFinished) and self._unsubscribe_recorder is not None:
            # The recorder still gets this event (the runner iterates over a copy).
            self._unsubscribe_recorder()
            self._unsubscribe_recorder = None

    # -- shutdown ---------------------------------------------------------------------------
    def close(self, timeout_s: float = 15.0) -> bool:
        """Stop the run (waiting up to ``timeout_s`` for its files), the watcher and the bench.

        Returns False if the run did not stop in time.
        """
        self.closed = True
        stopped = True
        deadline = time.monotonic() + timeout_s
        while self._starting and time.monotonic() < deadline:
            time.sleep(0.01)
        if self.runner.busy:
            self.runner.cancel()
            stopped = self.runner.wait(timeout_s)
        self._unsubscribe()
        if self.watcher is not None:
            self.watcher.stop(timeout_s=5.0)
        for closer in self.closers:
            try:
                closer()
            except Exception:  # closing must go on
                _log.exception("closing failed")
        for bench in (self.bench, self.energy_bench):
            if bench is None:
                continue
            try:
                bench.close()
            except Exception:  # closing must go on whatever a simulator does
                _log.exception("closing the bench failed")
        return stopped
