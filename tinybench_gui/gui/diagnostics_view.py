"""Per-device diagnostics: run the checks of ``devices.diagnostics_job`` on the selected
device and show each report as it arrives (probe, ``name%`` burst, baud sweep, time to
``m-ready``, timestamp pulses), cancelable.

The job runs on its own thread; its callbacks hold only the bridge and a job number, so
they never keep a widget alive on that thread.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tinybench_gui.devices.diagnostics import BootReport, BurstReport, PulseReport, SweepReport
from tinybench_gui.devices.probing import ProbeResult
from tinybench_gui.gui.qt_bridge import QtBridge

VERDICT_COLOURS = {"pass": "#2e9d4b", "warn": "#c08000", "fail": "#d03030", "info": "#666666"}
_job_numbers = itertools.count(1)
StartFn = Callable[..., Any]  # start_diagnostics(device, on_report=, on_done=) -> job


@dataclass(frozen=True, slots=True)
class ReportItem:
    """One finished check of diagnostics job ``job`` (posted from the job's thread)."""

    job: int
    report: Any


@dataclass(frozen=True, slots=True)
class JobDone:
    """Diagnostics job ``job`` finished or was cancelled."""

    job: int


@dataclass(frozen=True, slots=True)
class ReportRow:
    """A report as the view shows it."""

    check: str
    verdict: str  # pass | warn | fail | info
    result: str
    detail: str = ""


def describe(report: Any) -> ReportRow:
    """The row for any diagnostics report."""
    if isinstance(report, ProbeResult):
        verdict = {"identified": "pass", "busy": "warn", "not_probed": "info"}.get(
            report.status, "fail"
        )
        what = f"{report.summary()} ({report.elapsed_s:.2f} s)"
        return ReportRow("probe (name%)", verdict, what, "\n".join(report.transcript))
    if isinstance(report, BurstReport):
        result = (
            f"{report.names}/{report.sent} names, {report.readies} m-ready at "
            f"{report.baud_rate} Bd in {report.elapsed_s:.2f} s"
        )
        detail = "\n".join([report.advice, *report.errors]).strip()
        return ReportRow("name% burst", report.verdict, result, detail)
    if isinstance(report, SweepReport):
        rates = ", ".join(str(r) for r in report.answering) or "none"
        noisy = [str(a.baud_rate) for a in report.attempts if a.noise]
        result = f"answers at: {rates}" + (f"; noise at {', '.join(noisy)}" if noisy else "")
        detail = "\n".join(
            f"{a.baud_rate} Bd: {'answered ' + (a.name or '') if a.answered else 'silent'}"
            for a in report.attempts
        )
        return ReportRow("baud sweep", report.verdict, result, detail)
    if isinstance(report, BootReport):
        after = f"{report.ready_after_s:.3f} s" if report.ready_after_s is not None else "never"
        mode = f", {report.build_mode} build" if report.build_mode else ""
        detail = "\n".join([report.advice, *report.banner]).strip()
        return ReportRow("time to m-ready", report.verdict, f"m-ready after {after}{mode}", detail)
    if isinstance(report, PulseReport):
        width = report.min_width_s
        width_text = f", narrowest {width * 1e3:.3f} ms" if width is not None else ""
        expected = f" of {report.expected} expected" if report.expected is not None else ""
        result = f"{report.count} pulses{expected}{width_text}"
        return ReportRow("timestamp pulses", report.verdict, result, "\n".join(report.problems))
    return ReportRow(type(report).__name__, "info", str(report))


class DiagnosticsView(QWidget):
    """Runs diagnostics on one device at a time; ``finished`` fires when a job ends."""

    finished = Signal()

    def __init__(
        self,
        bridge: QtBridge,
        *,
        start: StartFn | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self._start = start
        self.device: Any = None
        self.job: Any = None
        self._job_number = 0
        self.rows: list[ReportRow] = []
        self.title = QLabel("Diagnostics: select a device in the Bench panel")
        self.title.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["check", "verdict", "result"])
        self.tree.setRootIsDecorated(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setMinimumHeight(90)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.run_button = QPushButton("Run diagnostics")
        self.run_button.setToolTip(
            "Probe again, then a name% burst (a DUT) or a baud sweep (no answer). "
            "The port must not be in use by a run."
        )
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.state = QLabel("")
        self.state.setStyleSheet("color: #666;")
        row = QHBoxLayout()
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.state, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        bridge.connect_handler(self._on_item)
        self._update_buttons()

    @property
    def running(self) -> bool:
        """Whether a job is in progress."""
        return self.job is not None and not self.job.done

    def set_device(self, device: Any | None) -> None:
        """The device the next run checks (a ``DetectedDevice``, or None)."""
        self.device = device
        if device is None:
            self.title.setText("Diagnostics: select a detected device in the Bench panel")
        else:
            self.title.setText(f"Diagnostics of <b>{device.label}</b> on {device.port.url}")
        self._update_buttons()

    def run(self) -> None:
        """Start the checks (returns at once; reports arrive through the bridge)."""
        if self.device is None or self.running:
            return
        start = self._start
        if start is None:
            from tinybench_gui.devices.diagnostics_job import start_diagnostics

            start = start_diagnostics
        self.tree.clear()
        self.rows = []
        self._job_number = number = next(_job_numbers)
        bridge = self.bridge
        self.job = start(
            self.device,
            on_report=lambda report: bridge.post(ReportItem(number, report)),
            on_done=lambda _job: bridge.post(JobDone(number)),
        )
        self.state.setText("running…")
        self._update_buttons()

    def cancel(self) -> None:
        """Stop after the check in progress."""
        if self.running:
            self.job.cancel()
            self.state.setText("cancelling after this check…")

    def _on_item(self, item: Any) -> None:
        if isinstance(item, ReportItem) and item.job == self._job_number:
            self._add(describe(item.report))
        elif isinstance(item, JobDone) and item.job == self._job_number:
            cancelled = bool(getattr(self.job, "cancelled", False))
            self.state.setText(
                f"cancelled after {len(self.rows)} checks"
                if cancelled
                else f"done: {len(self.rows)} checks"
            )
            self._update_buttons()
            self.finished.emit()

    def _add(self, row: ReportRow) -> None:
        self.rows.append(row)
        item = QTreeWidgetItem([row.check, row.verdict, row.result])
        item.setForeground(1, QBrush(QColor(VERDICT_COLOURS.get(row.verdict, "#666"))))
        item.setToolTip(2, row.result)
        for line in row.detail.splitlines():
            if line.strip():
                item.addChild(QTreeWidgetItem(["", "", line]))
        self.tree.addTopLevelItem(item)
        self.state.setText(f"running… {len(self.rows)} checks so far")

    def _update_buttons(self) -> None:
        self.run_button.setEnabled(self.device is not None and not self.running)
        self.cancel_button.setEnabled(self.running)

    def close_view(self) -> None:
        """Cancel any job and stop listening to the bridge."""
        self.cancel()
        self.bridge.disconnect_handler(self._on_item)

    def closeEvent(self, event: Any) -> None:
        self.close_view()
        super().closeEvent(event)
