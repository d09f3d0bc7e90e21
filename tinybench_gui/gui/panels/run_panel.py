"""Run: what to run, start and stop, progress and live validity badges."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tinybench_gui.gui.session import GuiSession
from tinybench_gui.gui.units import format_duration
from tinybench_gui.runner.events import (
    DutIdentified,
    PhaseChanged,
    ProgressMade,
    RunFinished,
    RunStarted,
    WindowFinished,
)
from tinybench_gui.runner.modes import PROCEDURES
from tinybench_gui.runner.plan import RULES_MIN_WINDOW_S, RULES_WINDOWS, Mode, RunPlan
from tinybench_gui.runner.runner import RunnerBusyError
from tinybench_gui.runner.state import RunnerStatus, RunState

BADGE_STYLE = {
    "pending": "background:#e8e8e8; color:#555;",
    "ok": "background:#d5f2dc; color:#1d6b33;",
    "bad": "background:#fbd9d9; color:#9b1c1c;",
    "na": "background:#f3f3f3; color:#999;",
}
BADGES = {
    "length": "window ≥ 10 s",
    "count": "5 windows",
    "drops": "drops ≤ 0.1 %",
    "edges": "edges paired",
    "saturation": "no saturation",
}


class RunPanel(QWidget):
    """Forms a ``RunPlan`` from the fields and forwards start/stop to the session."""

    def __init__(self, session: GuiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.benchmark = QLabel("read from the DUT when the run starts")
        self.benchmark.setWordWrap(True)
        self.mode = QComboBox()
        self.refresh_modes()
        self.mode.currentIndexChanged.connect(self._show_bench_benchmark)
        self.dataset = QLineEdit()
        self.dataset.setPlaceholderText("none: synthesized inputs")
        browse = QToolButton()
        browse.setText("…")
        browse.clicked.connect(self._browse_dataset)
        dataset_row = QHBoxLayout()
        dataset_row.addWidget(self.dataset, 1)
        dataset_row.addWidget(browse)
        self.windows = QSpinBox()
        self.windows.setRange(1, 50)
        self.windows.setValue(RULES_WINDOWS)
        self.min_window = QDoubleSpinBox()
        self.min_window.setRange(0.1, 600.0)
        self.min_window.setDecimals(1)
        self.min_window.setSuffix(" s")
        self.min_window.setValue(RULES_MIN_WINDOW_S)
        self.iterations = QSpinBox()
        self.iterations.setRange(1, 10_000_000)
        self.iterations.setValue(100)
        self.auto_iterations = QCheckBox("auto")
        self.auto_iterations.setToolTip("Calibrate so each window lasts at least the minimum")
        self.auto_iterations.toggled.connect(self.iterations.setDisabled)
        self.auto_iterations.setChecked(True)
        it_row = QHBoxLayout()
        it_row.addWidget(self.iterations, 1)
        it_row.addWidget(self.auto_iterations)
        self.supply_v = QDoubleSpinBox()
        self.supply_v.setRange(0.8, 5.0)
        self.supply_v.setDecimals(2)
        self.supply_v.setSingleStep(0.05)
        self.supply_v.setSuffix(" V")
        self.supply_v.setValue(1.8)
        self.supply_v.setToolTip("DUT supply set-point of the energy monitor (energy mode)")
        form = QFormLayout()
        form.addRow("Benchmark", self.benchmark)
        form.addRow("Mode", self.mode)
        form.addRow("Dataset", dataset_row)
        form.addRow("Windows", self.windows)
        form.addRow("Min window", self.min_window)
        form.addRow("Iterations", it_row)
        form.addRow("Supply", self.supply_v)

        self.start_button = QPushButton("▶  Start run")
        self.start_button.setStyleSheet("font-weight: bold; padding: 6px;")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("■  Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button, 2)
        buttons.addWidget(self.stop_button, 1)

        self.phase = QLabel("idle")
        self.phase.setStyleSheet("font-weight: bold;")
        self.step = QLabel("")
        self.eta = QLabel("")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        status_row = QHBoxLayout()
        status_row.addWidget(self.phase, 1)
        status_row.addWidget(self.step)
        status_row.addWidget(self.eta)

        self.badges: dict[str, QLabel] = {}
        grid = QGridLayout()
        for i, (key, text) in enumerate(BADGES.items()):
            badge = QLabel(text)
            badge.setStyleSheet(BADGE_STYLE["pending"] + "padding:2px 6px; border-radius:8px;")
            self.badges[key] = badge
            grid.addWidget(badge, i // 3, i % 3)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addLayout(status_row)
        layout.addWidget(self.progress)
        layout.addLayout(grid)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self._windows_done = 0
        self._show_bench_benchmark()

    # -- settings ---------------------------------------------------------------------------
    def save_settings(self, settings: QSettings) -> None:
        """Remember the fields."""
        settings.setValue("run/mode", self.mode.currentIndex())
        settings.setValue("run/dataset", self.dataset.text())
        settings.setValue("run/windows", self.windows.value())
        settings.setValue("run/min_window_s", self.min_window.value())
        settings.setValue("run/iterations", self.iterations.value())
        settings.setValue("run/auto", self.auto_iterations.isChecked())

    def load_settings(self, settings: QSettings) -> None:
        """Restore the fields."""
        self.mode.setCurrentIndex(int(settings.value("run/mode", 0)))
        self.dataset.setText(str(settings.value("run/dataset", "")))
        self.windows.setValue(int(settings.value("run/windows", RULES_WINDOWS)))
        self.min_window.setValue(float(settings.value("run/min_window_s", RULES_MIN_WINDOW_S)))
        self.iterations.setValue(int(settings.value("run/iterations", 100)))
        self.auto_iterations.setChecked(str(settings.value("run/auto", "true")) == "true")

    def refresh_modes(self) -> None:
        """List the modes, enabling those the session's bench can run (again when it changes)."""
        current = self.mode.currentData()
        bench_modes = self.session.modes()
        self.mode.blockSignals(True)
        self.mode.clear()
        for mode in Mode:
            available = mode in PROCEDURES and mode in bench_modes
            label = mode.value
            if mode not in PROCEDURES:
                label += " (not in this build)"
            elif mode not in bench_modes:
                label += " (needs a monitor and an interface board)"
            self.mode.addItem(label, mode)
            self.mode.model().item(self.mode.count() - 1).setEnabled(available)
        if current is not None:
            self.mode.setCurrentIndex(max(0, self.mode.findData(current)))
        self.mode.blockSignals(False)

    # -- intent -----------------------------------------------------------------------------
    def _bench_model(self) -> str:
        mode = Mode(self.mode.currentData())
        if mode == Mode.ENERGY and self.session.energy_bench is not None:
            return str(self.session.energy_bench.description().get("benchmark", ""))
        d = getattr(self.session.bench, "description", None)
        return str(d.get("benchmark", "")) if d else ""

    def _show_bench_benchmark(self, *_args: object) -> None:
        model = self._bench_model()
        if model:
            self.benchmark.setText(f"{model} (the simulated DUT's firmware)")

    def _browse_dataset(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Dataset folder", self.dataset.text())
        if folder:
            self.dataset.setText(folder)

    def plan(self) -> RunPlan:
        """The plan the fields describe."""
        mode = Mode(self.mode.currentData())
        dataset = self.dataset.text().strip()
        model = self._bench_model()
        return RunPlan(
            mode=mode,
            results_dir=self.session.new_results_dir(model, mode.value),
            windows=self.windows.value(),
            min_window_s=self.min_window.value(),
            iterations=None if self.auto_iterations.isChecked() else self.iterations.value(),
            dataset_dir=Path(dataset) if dataset else None,
            options={"supply_voltage_v": str(self.supply_v.value())} if mode == Mode.ENERGY else {},
        )

    def start(self) -> None:
        """Start a run with the fields' plan."""
        try:
            self.session.start_run(self.plan())
        except (RunnerBusyError, ValueError, OSError) as exc:
            self.message.setText(f"<span style='color:#b00'>Cannot start: {exc}</span>")
            return
        self.message.setText("")
        self._set_running(True)

    def on_start_failed(self, reason: str) -> None:
        """The session could not start the run."""
        self._set_running(False)
        self.phase.setText("idle")
        self.message.setText(f"<span style='color:#b00'>Cannot start: {reason}</span>")

    def stop(self) -> None:
        """Ask the run to stop."""
        self.session.cancel_run()
        self.stop_button.setEnabled(False)
        self.phase.setText("stopping…")

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        for w in (
            self.mode,
            self.dataset,
            self.windows,
            self.min_window,
            self.iterations,
            self.auto_iterations,
            self.supply_v,
        ):
            w.setEnabled(not running)
        if not running:
            self.iterations.setEnabled(not self.auto_iterations.isChecked())

    # -- events (GUI thread) -------------------------------------------------------------------
    def set_badge(self, key: str, state: str, tip: str = "") -> None:
        """Colour a validity badge: pending, ok, bad or na."""
        badge = self.badges[key]
        badge.setStyleSheet(BADGE_STYLE[state] + "padding:2px 6px; border-radius:8px;")
        badge.setToolTip(tip)
        badge.setProperty("state", state)

    def on_event(self, event: object) -> None:
        """A run event."""
        if isinstance(event, RunStarted):
            self._windows_done = 0
            self._set_running(True)
            self.progress.setRange(0, 0)
            for key in self.badges:
                self.set_badge(key, "pending")
            if event.plan.mode != Mode.ENERGY:
                for key in ("drops", "edges", "saturation"):
                    self.set_badge(key, "na", "only measured in energy mode")
        elif isinstance(event, DutIdentified):
            ident = event.identity
            build = ident.timestamp_mode or "?"
            self.benchmark.setText(f"<b>{ident.model}</b> on {event.url} ({build} build)")
        elif isinstance(event, PhaseChanged | ProgressMade):
            self._show_status(event.status)
        elif isinstance(event, WindowFinished):
            self._on_window(event)
        elif isinstance(event, RunFinished):
            self._on_finished(event)

    def _show_status(self, status: RunnerStatus) -> None:
        self.phase.setText(status.state.value + (f": {status.detail}" if status.detail else ""))
        if status.steps:
            self.progress.setRange(0, status.steps)
            self.progress.setValue(max(self._windows_done, 0))
            self.progress.setFormat(f"{self._windows_done}/{status.steps} windows")
            self.step.setText(f"{status.step}/{status.steps}")
        if status.eta_s is not None:
            self.eta.setText(f"about {format_duration(status.eta_s)} left")

    def _on_window(self, event: WindowFinished) -> None:
        self._windows_done += 1
        w = event.window
        self.progress.setValue(self._windows_done)
        self.progress.setFormat(f"{self._windows_done}/{self.progress.maximum()} windows")
        problem = w.extra.get("problem") if w.extra else None
        if problem:
            self.set_badge("edges", "bad", f"window {w.index}: {problem}")
        elif "pulses" in (w.extra or {}) and self.badges["edges"].property("state") != "bad":
            self.set_badge("edges", "ok", f"window {w.index}: timestamp pulses paired")
        if w.runtime_s < RULES_MIN_WINDOW_S:
            self.set_badge("length", "bad", f"window {w.index} lasted {w.runtime_s:.2f} s < 10 s")
        elif self.badges["length"].property("state") != "bad":
            self.set_badge("length", "ok", f"window {w.index}: {w.runtime_s:.2f} s")

    def _on_finished(self, event: RunFinished) -> None:
        self._set_running(False)
        self.progress.setRange(0, max(self.progress.maximum(), 1))
        summary = event.summary
        count_ok = len(summary.windows) == RULES_WINDOWS
        self.set_badge(
            "count",
            "ok" if count_ok else "bad",
            f"{len(summary.windows)} windows (the rules ask for 5)",
        )
        if not summary.windows:
            self.set_badge("length", "bad", "no window completed")
        metrics = summary.metrics
        if "dropped_samples" in metrics:
            dropped = int(metrics["dropped_samples"])
            total = dropped + int(metrics.get("received_samples", 0))
            fraction = dropped / total if total else 0.0
            self.set_badge(
                "drops",
                "ok" if fraction <= 0.001 else "bad",
                f"{dropped} of {total} samples dropped ({fraction:.3%})",
            )
        if "saturated_samples" in metrics:
            self.set_badge(
                "saturation",
                "ok" if not metrics["saturated_samples"] else "bad",
                f"{metrics['saturated_samples']} saturated samples",
            )
        self.eta.setText("")
        state = event.state
        colour = {RunState.DONE: "#1d6b33", RunState.CANCELLED: "#8a6d00"}.get(state, "#b00")
        text = f"<span style='color:{colour}'><b>run {state.value}</b>"
        if event.reason:
            text += f": {event.reason}"
        if self.session.last_results_dir is not None:
            text += f"<br>files in {self.session.last_results_dir}"
        self.message.setText(text + "</span>")
        self.phase.setText(state.value)
