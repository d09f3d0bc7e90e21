"""The main window: layout and wiring only; the session is injected.

Central area: tabs of trace views (the live trace, then one tab per opened run
file). Docks: Bench, Run, Markers, Spike hunting, Results, Log. Runner and
watcher events arrive through the session's bridge and are routed here.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from tinybench_gui import __version__
from tinybench_gui.devices.transport import TranscriptEntry
from tinybench_gui.gui.panels.bench_panel import BenchPanel
from tinybench_gui.gui.panels.markers_panel import MarkersPanel
from tinybench_gui.gui.panels.run_panel import RunPanel
from tinybench_gui.gui.panels.spike_panel import SpikePanel
from tinybench_gui.gui.session import AppMessage, GuiSession, Stamped, StartFailed
from tinybench_gui.gui.sources import FileInfo, FileSource
from tinybench_gui.gui.views.log_view import LogView
from tinybench_gui.gui.views.results_view import ResultsView
from tinybench_gui.gui.views.trace_view import TraceView
from tinybench_gui.runner.events import (
    AcquisitionStarted,
    LogLine,
    PhaseChanged,
    RunFinished,
    RunStarted,
)
from tinybench_gui.runner.results import WindowResult
from tinybench_gui.runner.state import RunState

_log = logging.getLogger(__name__)
MAX_RECENT = 10
RUN_FILE_FILTER = "tinybench runs (*.h5 *.hdf5);;All files (*)"
SETTINGS_ORG = "tinybench"
SETTINGS_APP = "workstation"


def load_run_file(path: Path) -> Any:
    """Open a run file (worker thread): ``storage.reader.load_run``."""
    from tinybench_gui.storage.reader import load_run

    return load_run(path)


class MainWindow(QMainWindow):
    """The workstation window."""

    def __init__(self, session: GuiSession, settings: QSettings | None = None) -> None:
        super().__init__()
        self.session = session
        self.settings = settings or QSettings(SETTINGS_ORG, SETTINGS_APP)
        self.setWindowTitle(
            f"tinybench {__version__}" + (" — simulated bench" if session.simulated else "")
        )
        self.setAcceptDrops(True)
        self.resize(1400, 900)
        self._closing = False
        self.reviews: dict[Path, tuple[TraceView, FileSource]] = {}
        self.overlays: list[FileSource] = []

        self.trace = TraceView(session.live)
        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.addTab(self.trace, "Live")
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)
        self.tabs.tabCloseRequested.connect(self._close_tab)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.setCentralWidget(self.tabs)

        self.bench_panel = BenchPanel(session)
        self.run_panel = RunPanel(session)
        self.bench_panel.selection_changed.connect(self.run_panel.refresh_modes)
        self.markers_panel = MarkersPanel(session.bridge)
        self.markers_panel.set_view(self.trace)
        self.spike_panel = SpikePanel()
        self.spike_panel.set_view(self.trace)
        self.results_view = ResultsView()
        self.log_view = LogView()
        self.docks: dict[str, QDockWidget] = {}
        self._dock("Bench", self.bench_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("Run", self.run_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("Markers", self.markers_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("Spike hunting", self.spike_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("Results", self.results_view, Qt.DockWidgetArea.BottomDockWidgetArea)
        self._dock("Log", self.log_view, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.docks["Markers"], self.docks["Spike hunting"])
        self.docks["Markers"].raise_()
        self.tabifyDockWidget(self.docks["Results"], self.docks["Log"])
        self.docks["Results"].raise_()
        self.resizeDocks(
            [self.docks["Bench"], self.docks["Markers"]], [440, 330], Qt.Orientation.Horizontal
        )
        self.resizeDocks(
            [self.docks["Bench"], self.docks["Run"]], [220, 480], Qt.Orientation.Vertical
        )
        self.resizeDocks([self.docks["Results"]], [330], Qt.Orientation.Vertical)
        self._default_state = self.saveState()

        self._build_menus()
        self.status_label = QLabel("ready")
        self.statusBar().addWidget(self.status_label, 1)
        session.bridge.connect_handler(self._on_item)
        self._restore()
        if session.simulated:
            session.message("Simulated bench: the DUT is a simulator on a pseudo-terminal.")

    # -- layout -------------------------------------------------------------------------------
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower().replace(' ', '-')}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[title] = dock
        return dock

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open run…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.open_dialog)
        file_menu.addAction(open_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        compare = QAction("&Compare with…", self)
        compare.setToolTip("Overlay another run on the current review tab, windows aligned")
        compare.triggered.connect(self.compare_dialog)
        file_menu.addAction(compare)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        run_menu = self.menuBar().addMenu("&Run")
        start = QAction("&Start", self)
        start.setShortcut("F5")
        start.triggered.connect(self.run_panel.start)
        stop = QAction("S&top", self)
        stop.setShortcut("Shift+F5")
        stop.triggered.connect(self.run_panel.stop)
        run_menu.addAction(start)
        run_menu.addAction(stop)
        view_menu = self.menuBar().addMenu("&View")
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        reset = QAction("Reset layout", self)
        reset.triggered.connect(lambda: self.restoreState(self._default_state))
        view_menu.addAction(reset)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("About tinybench", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)
        self._refresh_recent()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "tinybench",
            f"tinybench {__version__}: a measurement workstation for MLPerf Tiny.\n"
            "Trace keys: +/- zoom, ←/→ pan, Home whole run, F follow.",
        )

    # -- settings -------------------------------------------------------------------------------
    def _restore(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray | bytes):
            self.restoreState(state)
        self.run_panel.load_settings(self.settings)

    def save_settings(self) -> None:
        """Window layout and the run fields."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.run_panel.save_settings(self.settings)
        self.settings.sync()

    def recent_runs(self) -> list[str]:
        """Most recent first."""
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in (value or [])]

    def _remember(self, path: Path) -> None:
        recent = [str(path)] + [p for p in self.recent_runs() if p != str(path)]
        self.settings.setValue("recent", recent[:MAX_RECENT])
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        runs = self.recent_runs()
        for p in runs:
            action = self.recent_menu.addAction(p)
            action.triggered.connect(lambda _=False, path=p: self.open_run(Path(path)))
        self.recent_menu.setEnabled(bool(runs))

    # -- events from the core (GUI thread) --------------------------------------------------------
    def _on_item(self, item: Any) -> None:
        if isinstance(item, AppMessage):
            self.log_view.add(item.entry)
            return
        if isinstance(item, StartFailed):
            self.run_panel.on_start_failed(item.reason)
            self.status_label.setText(f"the run did not start: {item.reason}")
            return
        if not isinstance(item, Stamped):
            return
        event = item.event
        if hasattr(event, "device") and hasattr(event, "kind"):
            self.bench_panel.on_device_event(event)
            return
        tl = self.session.timeline
        if isinstance(event, RunStarted):
            self.trace.set_source(self.session.live)
            self.trace.set_follow(True)
            self.log_view.set_origin(event.started_at_s)
            tl.phase(item.host_time_s, RunState.PREPARING)
            self.status_label.setText(f"{event.plan.mode.value} run started")
        elif isinstance(event, PhaseChanged):
            tl.phase(item.host_time_s, event.state, event.status.detail)
        elif isinstance(event, AcquisitionStarted):
            self.session.live.set_acquisition(event.acquisition, tl.to_t(event.started_host_s))
            self.trace.set_source(self.session.live)
            self.status_label.setText(
                f"{event.monitor} on {event.port} streams at {event.sample_rate_hz:g} S/s"
            )
        elif isinstance(event, LogLine):
            e: TranscriptEntry = event.entry
            tl.annotate(e.host_time_s, e.source, e.direction, e.text)
            self.log_view.add(e)
        elif isinstance(event, RunFinished):
            tl.phase(item.host_time_s, event.state)
            self.session.live.running = False
            self.trace.mark_dirty()
            inferences = self.session.live.marks().inferences
            if inferences:
                self.results_view.set_inferences(inferences)
            self.status_label.setText(
                f"run {event.state.value}" + (f": {event.reason}" if event.reason else "")
            )
            if self._closing:
                self._close_when_idle()
        self.run_panel.on_event(event)
        self.results_view.on_event(event)

    # -- review ---------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        """File > Open."""
        name, _ = QFileDialog.getOpenFileName(
            self, "Open run", str(self.session.results_root), RUN_FILE_FILTER
        )
        if name:
            self.open_run(Path(name))

    def open_run(self, path: Path, *, compare_to: TraceView | None = None) -> TraceView | None:
        """Open a run file in a review tab (returns at once; the file opens on a worker)."""
        path = Path(path)
        if compare_to is None and path in self.reviews:
            self.tabs.setCurrentWidget(self.reviews[path][0])
            return self.reviews[path][0]
        view = TraceView()
        view.set_follow(False)

        def opened(info: FileInfo) -> None:
            self._remember(path)
            self.status_label.setText(f"{path.name}: {info.status}")
            if compare_to is None:
                view.show_all()
                self._show_file_results(info)

        def failed(exc: BaseException) -> None:
            self.status_label.setText(f"cannot open {path}: {exc}")
            QMessageBox.warning(self, "Cannot open run", f"{path}\n\n{exc}")
            if compare_to is None:
                self._close_view(view)

        source = FileSource(
            path, self.session.bridge, load_run_file, on_opened=opened, on_error=failed
        )
        if compare_to is not None:
            compare_to.set_overlay(source)
            self._align(compare_to, source)
            self.overlays.append(source)
            return compare_to
        view.set_source(source)
        self.reviews[path] = (view, source)
        self.tabs.addTab(view, path.name)
        self.tabs.setCurrentWidget(view)
        return view

    def _align(self, base_view: TraceView, other: FileSource) -> None:
        """Shift ``other`` so its first timed window starts where the base's does."""
        base = base_view.source
        previous = other.on_update  # weak towards the view (FileSource.on_update)

        def realign() -> None:
            if (
                other.info is not None
                and base is not None
                and base.timeline.windows
                and other.timeline.windows
                and other.time_shift_s == 0.0
            ):
                shift = base.timeline.windows[0][0] - other.timeline.windows[0][0]
                other.time_shift_s = shift
                other.timeline.windows[:] = [
                    (a + shift, b + shift, i) for a, b, i in other.timeline.windows
                ]
            if previous is not None:
                previous()

        other.on_update = realign

    def compare_dialog(self) -> None:
        """Overlay another run on the current review tab."""
        view = self.tabs.currentWidget()
        if not isinstance(view, TraceView) or view is self.trace:
            QMessageBox.information(
                self, "Compare", "Open a run first; then compare another run with it."
            )
            return
        name, _ = QFileDialog.getOpenFileName(
            self, "Compare with", str(self.session.results_root), RUN_FILE_FILTER
        )
        if name:
            self.open_run(Path(name), compare_to=view)

    def _show_file_results(self, info: FileInfo) -> None:
        lines = [
            f"{r.name}: {r.value:g} {r.units}" + ("" if r.valid else f"  INVALID {r.reason}")
            for r in info.results
        ]
        view = self.results_view
        view.clear()
        for row in info.windows:
            energy = float(row["energy_j"])
            power = float(row["power_w"])
            view.add_window(
                WindowResult(
                    index=int(row["window"]),
                    input_name=str(row["note"] or ""),
                    iterations=int(row["iterations"]),
                    warmups=0,
                    runtime_s=float(row["runtime_s"]),
                    energy_j=energy if np.isfinite(energy) else None,
                    power_w=power if np.isfinite(power) else None,
                )
            )
        fs = info.sample_rate_hz or 1.0
        inferences = [
            (r["start_sample"] / fs, r["stop_sample"] / fs, float(r["energy_j"]))
            for r in info.inferences
        ]
        if inferences:
            view.set_inferences(inferences)
        view.headline.setText(
            f"<b>{info.path.name}</b>: {info.model or '?'} {info.mode or ''} — {info.status}"
        )
        view.official.setPlainText("\n".join(lines))

    def _close_tab(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if isinstance(widget, TraceView) and widget is not self.trace:
            self._close_view(widget)

    def _close_view(self, view: TraceView) -> None:
        for path, (v, source) in list(self.reviews.items()):
            if v is view:
                source.close()
                del self.reviews[path]
        index = self.tabs.indexOf(view)
        if index >= 0:
            self.tabs.removeTab(index)
        view.timer.stop()
        view.deleteLater()

    def _tab_changed(self, _index: int) -> None:
        view = self.tabs.currentWidget()
        if isinstance(view, TraceView):
            self.markers_panel.set_view(view)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept run files dragged in."""
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Open every dropped file."""
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.open_run(Path(url.toLocalFile()))

    # -- closing ----------------------------------------------------------------------------------
    def _close_when_idle(self) -> None:
        """Close once the runner thread has ended (its files are then complete)."""
        if self.session.running:
            QTimer.singleShot(50, self._close_when_idle)
        else:
            self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """During a run: ask, stop it, and close when its files are complete."""
        if self.session.running:
            if not self._closing:
                answer = QMessageBox.question(
                    self,
                    "A run is in progress",
                    "Stop the run and quit? The run's files are completed first and stay readable.",
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                    QMessageBox.StandardButton.No,
                )
                if answer != QMessageBox.StandardButton.Yes:
                    event.ignore()
                    return
                self._closing = True
                self.session.cancel_run()
                self.status_label.setText("stopping the run before quitting…")
            event.ignore()  # closes again when RunFinished arrives
            return
        self.save_settings()
        self.markers_panel.close_worker()
        for _view, source in list(self.reviews.values()):
            source.close()
        for source in self.overlays:
            source.close()
        self.trace.timer.stop()
        self.session.close()
        event.accept()
