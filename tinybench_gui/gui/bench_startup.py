"""Start the simulated bench without ever touching a model on the GUI thread.

The window opens at once on an empty session; a worker checks that the reference
models are on this computer (no network) and builds the simulated bench. If models
are missing, the model-setup dialog is offered and the bench starts as soon as the
models are in place: no restart.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QTimer

from tinybench_gui.gui.qt_bridge import QtBridge

_log = logging.getLogger(__name__)
# While models are missing and no dialog is open, look again this often (on the worker):
# models added from Help > Reference models… or copied by hand start the bench too.
RECHECK_S = 10.0


@dataclass(frozen=True, slots=True)
class SimBenchSpec:
    """Which simulated bench to start (from the command line)."""

    benchmark: str = "kws01"
    energy_benchmark: str = "ad01"
    monitor: str = "ppk2"


def build_simulated(spec: SimBenchSpec) -> tuple[Any, Any]:
    """The simulated DUT bench and energy bench (worker thread; models must be local)."""
    from tinybench_gui.bench import simulated_bench
    from tinybench_gui.devices.sim.sim_bench import SimBench

    bench = simulated_bench(spec.benchmark)
    try:
        energy = SimBench(spec.monitor, benchmark=spec.energy_benchmark)
    except Exception:
        bench.close()
        raise
    return bench, energy


def _missing() -> list[Any]:
    from tinybench_gui.gui.model_setup import missing_models

    return missing_models()


class BenchStarter:
    """Starts the simulated bench for ``window`` on a worker; offers models if missing.

    ``build`` and ``missing`` are injected in tests. ``state`` is ``starting``,
    ``waiting_for_models``, ``ready`` or ``failed`` (with ``problem``).
    """

    def __init__(
        self,
        window: Any,
        spec: SimBenchSpec,
        *,
        build: Callable[[SimBenchSpec], tuple[Any, Any]] = build_simulated,
        missing: Callable[[], list[Any]] = _missing,
        offer: Callable[[Any, list[Any]], Any] | None = None,
    ) -> None:
        self.window = window
        self.session = window.session
        self.bridge: QtBridge = self.session.bridge
        self.spec = spec
        self._build = build
        self._missing = missing
        self._offer = offer or _offer_setup
        self.state = "idle"
        self._offer_models = True
        self.problem: str | None = None
        self.dialog: Any = None

    def start(self, *, offer_models: bool = True) -> None:
        """Check the models and build the bench on a worker (returns at once).

        With ``offer_models`` the model-setup dialog is shown if models are missing.
        """
        self.state = "starting"
        self._offer_models = offer_models
        self.window.statusBar().showMessage("starting the simulated bench…")
        self._say("Starting the simulated bench…")
        build, missing, spec = self._build, self._missing, self.spec
        bridge = self.bridge
        # The worker gets only plain callables and the bridge, never a widget.
        deliver = self._deliver

        def work() -> None:
            try:
                absent = missing()
                if absent:
                    bridge.call_soon(lambda: deliver(None, absent, None))
                    return
                benches = build(spec)
            except Exception as exc:
                _log.exception("the simulated bench did not start")
                text = f"The simulated bench did not start: {exc}"
                bridge.call_soon(lambda: deliver(None, [], text))
                return
            bridge.call_soon(lambda: deliver(benches, [], None))

        threading.Thread(target=work, name="sim-bench-start", daemon=True).start()

    def _deliver(
        self, benches: tuple[Any, Any] | None, absent: list[Any], problem: str | None
    ) -> None:
        if benches is not None and self.session.closed:
            for bench in benches:  # the window closed while the bench was starting
                if bench is not None:
                    bench.close()
            self.state = "closed"
            return
        if benches is not None:
            self.session.set_bench(*benches)
            self.state = "ready"
            self._refresh()
            self.session.message("Simulated bench: the DUT is a simulator on a pseudo-terminal.")
            self.window.statusBar().showMessage("simulated bench ready", 5000)
            return
        if absent:
            self.state = "waiting_for_models"
            names = ", ".join(getattr(r, "key", str(r)) for r in absent)
            self.session.message(
                f"The simulated bench waits for the reference models ({names}); it starts "
                "by itself once they are in place."
            )
            self.window.statusBar().showMessage("waiting for the reference models…")
            self._say(
                "<b>SIMULATED BENCH</b> waits for the reference models: download them or "
                "point to a folder (Help → Reference models…); it starts by itself then."
            )
            if self._offer_models:
                self.dialog = self._offer(self.window, absent)
                if self.dialog is not None:
                    self.dialog.finished.connect(lambda _code: self._after_setup())
                    return
            QTimer.singleShot(round(RECHECK_S * 1000), self._recheck)
            return
        self.state = "failed"
        self.problem = problem
        self.session.startup_problem = problem
        self.session.message(problem or "the simulated bench did not start")
        self.window.statusBar().showMessage(problem or "", 10000)
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning, "tinybench", problem or "", parent=self.window)
        box.setModal(False)
        box.show()
        self.dialog = box

    def _after_setup(self) -> None:
        # Check again (on the worker): the models may now all be here. If the user closed
        # the dialog without them, do not nag: Help > Reference models… is still there.
        self.dialog = None
        self.start(offer_models=False)

    def _recheck(self) -> None:
        if self.state == "waiting_for_models" and self.dialog is None:
            self.start(offer_models=False)

    def _say(self, text: str) -> None:
        panel = getattr(self.window, "bench_panel", None)
        if panel is not None:
            panel.banner.setText(text)
            panel.banner.setStyleSheet(
                "background: #fff3c4; color: #6b5100; padding: 6px; border-radius: 4px;"
            )

    def _refresh(self) -> None:
        window = self.window
        title = window.windowTitle()
        if "simulated bench" not in title:
            window.setWindowTitle(f"{title} — simulated bench")
        for name in ("bench_panel",):
            panel = getattr(window, name, None)
            if panel is not None:
                panel.refresh()
        run_panel = getattr(window, "run_panel", None)
        if run_panel is not None and hasattr(run_panel, "refresh_modes"):
            run_panel.refresh_modes()
            run_panel._show_bench_benchmark()


def _offer_setup(window: Any, missing: list[Any]) -> Any:
    from tinybench_gui.gui.model_setup import offer_model_setup

    dialog = offer_model_setup(window, None, force=True, missing=missing)
    if dialog is not None:
        dialog.after_ready_hint = "The simulated bench starts now."
    return dialog
