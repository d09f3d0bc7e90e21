"""Results: per-window table, medians, official lines, histograms, confusion matrix."""

from __future__ import annotations

import csv
import io
import statistics
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tinybench_gui.gui.units import format_si
from tinybench_gui.runner.events import RunFinished, RunStarted, WindowFinished
from tinybench_gui.runner.results import RunSummary, WindowResult

WINDOW_COLUMNS = (
    "window",
    "input",
    "iterations",
    "runtime (s)",
    "throughput (inf/s)",
    "energy/inf (µJ)",
    "power (mW)",
)


def window_row(w: WindowResult) -> list[str]:
    """A window as table cells."""
    e = w.energy_per_inference_j
    return [
        str(w.index),
        w.input_name,
        str(w.iterations),
        f"{w.runtime_s:.3f}",
        f"{w.throughput_inf_s:.3f}",
        f"{e * 1e6:.3f}" if e is not None else "—",
        f"{w.power_w * 1e3:.3f}" if w.power_w is not None else "—",
    ]


class ResultsView(QWidget):
    """Shows a run's results as they come and when it ends."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary: RunSummary | None = None
        self.windows: list[WindowResult] = []
        self.headline = QLabel("No results yet: start a run or open a run file.")
        self.headline.setStyleSheet("font-size: 15px; padding: 4px;")
        self.headline.setWordWrap(True)
        self.table = QTableWidget(0, len(WINDOW_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(WINDOW_COLUMNS))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.official = QPlainTextEdit()
        self.official.setReadOnly(True)
        self.official.setPlaceholderText("The official result lines appear here when the run ends.")
        self.official.setStyleSheet("font-family: monospace;")
        self.inferences: list[tuple[float, float, float]] = []
        self.hist_kind = QComboBox()
        self.hist_kind.addItems(["energy per inference", "latency per inference"])
        self.hist_kind.setEnabled(False)
        self.hist_kind.currentIndexChanged.connect(self._draw_distribution)
        self.histogram = pg.PlotWidget(background="w")
        self.histogram.setMinimumHeight(120)
        self.hist_note = QLabel("")
        self.hist_note.setStyleSheet("color:#666;")
        hist_box = QWidget()
        hb = QVBoxLayout(hist_box)
        hb.setContentsMargins(0, 0, 0, 0)
        hb.addWidget(self.hist_kind)
        hb.addWidget(self.histogram, 1)
        hb.addWidget(self.hist_note)
        self.confusion = QTableWidget(0, 0)
        self.confusion.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.accuracy_note = QLabel("Accuracy runs show their confusion matrix here.")
        acc_box = QWidget()
        ab = QVBoxLayout(acc_box)
        ab.setContentsMargins(0, 0, 0, 0)
        ab.addWidget(self.accuracy_note)
        ab.addWidget(self.confusion, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.official, "Official lines")
        self.tabs.addTab(hist_box, "Distribution")
        self.tabs.addTab(acc_box, "Accuracy")
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the table and the official lines (tab-separated)")
        self.copy_button.clicked.connect(self.copy)
        self.save_button = QPushButton("Save…")
        self.save_button.clicked.connect(self.save_dialog)
        buttons = QHBoxLayout()
        buttons.addWidget(self.headline, 1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(self.tabs)
        split.setSizes([600, 400])
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(split, 1)

    # -- events -------------------------------------------------------------------------------
    def on_event(self, event: object) -> None:
        """Runner events (GUI thread)."""
        if isinstance(event, RunStarted):
            self.clear()
            self.headline.setText(f"{event.plan.mode.value} run in progress…")
        elif isinstance(event, WindowFinished):
            self.add_window(event.window)
        elif isinstance(event, RunFinished):
            self.show_summary(event.summary, event.state.value, event.reason)

    def clear(self) -> None:
        """Forget the shown run."""
        self.summary = None
        self.windows = []
        self.inferences = []
        self.hist_kind.setEnabled(False)
        self.hist_note.setText("")
        self.table.setRowCount(0)
        self.official.clear()
        self.histogram.clear()
        self.confusion.setRowCount(0)
        self.confusion.setColumnCount(0)

    def add_window(self, window: WindowResult) -> None:
        """Append one window row."""
        self.windows.append(window)
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col, text in enumerate(window_row(window)):
            self.table.setItem(row, col, QTableWidgetItem(text))
        self._draw_distribution()

    def show_summary(
        self, summary: RunSummary, state: str = "done", reason: str | None = None
    ) -> None:
        """The final results of a run."""
        self.summary = summary
        if [w.index for w in summary.windows] != [w.index for w in self.windows]:
            self.table.setRowCount(0)
            self.windows = []
            for w in summary.windows:
                self.add_window(w)
        self._add_median_row(summary)
        score = "—" if summary.score is None else f"{summary.score:.3f} {summary.score_unit}"
        validity = (
            "<span style='color:#1d6b33'>valid</span>"
            if summary.valid
            else "<span style='color:#b00'>not valid</span>"
        )
        text = f"<b>{summary.model or '?'}</b> {summary.mode}: <b>{score}</b> — {validity}"
        if state != "done":
            text += f" (run {state}{': ' + reason if reason else ''})"
        if summary.errors:
            text += "<br><span style='color:#b00'>" + "<br>".join(summary.errors) + "</span>"
        self.headline.setText(text)
        self.official.setPlainText("\n".join(summary.report_lines))
        self._draw_distribution()
        self._show_confusion(summary.metrics)

    def _add_median_row(self, summary: RunSummary) -> None:
        if not summary.windows:
            return
        row = self.table.rowCount()
        self.table.insertRow(row)
        med_tp = statistics.median(w.throughput_inf_s for w in summary.windows)
        energies = [
            w.energy_per_inference_j
            for w in summary.windows
            if w.energy_per_inference_j is not None
        ]
        cells = [
            "median",
            "",
            "",
            f"{statistics.median(w.runtime_s for w in summary.windows):.3f}",
            f"{med_tp:.3f}",
            f"{statistics.median(energies) * 1e6:.3f}" if energies else "—",
            "",
        ]
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            font = item.font()
            font.setBold(True)
            item.setFont(font)
            item.setBackground(QBrush(QColor(235, 242, 255)))
            self.table.setItem(row, col, item)

    def set_inferences(self, inferences: list[tuple[float, float, float]]) -> None:
        """Per-inference (start, stop, energy) from the timestamp / inference pin edges."""
        self.inferences = list(inferences)
        self.hist_kind.setEnabled(bool(self.inferences))
        self._draw_distribution()
        if self.inferences:
            self.tabs.setCurrentIndex(1)

    def _draw_distribution(self) -> None:
        self.histogram.clear()
        if self.inferences:
            is_energy = self.hist_kind.currentIndex() == 0
            values = np.asarray(
                [e if is_energy else b - a for a, b, e in self.inferences], dtype=float
            )
            unit = "J" if is_energy else "s"
            counts, edges = np.histogram(values, bins=min(60, max(5, len(values) // 10)))
            self.histogram.addItem(
                pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=counts, brush=(90, 160, 255))
            )
            self.histogram.setLabel(
                "bottom", "energy per inference" if is_energy else "latency", units=unit
            )
            self.histogram.setLabel("left", "inferences")
            med = float(np.median(values))
            self.hist_note.setText(
                f"{len(values)} inferences (scope: per inference, from the pin edges), median "
                f"{format_si(med, unit)}, p95 {format_si(float(np.percentile(values, 95)), unit)}"
            )
            return
        if not self.windows:
            self.hist_note.setText("")
            return
        x = np.array([w.index for w in self.windows], dtype=float)
        y = np.array([w.throughput_inf_s for w in self.windows])
        self.histogram.addItem(pg.BarGraphItem(x=x, height=y, width=0.6, brush=(90, 160, 255)))
        self.histogram.setLabel("bottom", "window")
        self.histogram.setLabel("left", "inf/s")
        self.hist_note.setText(
            "Per-window throughput (per-inference figures need an energy monitor's timestamps)."
        )

    def _show_confusion(self, metrics: dict[str, Any]) -> None:
        matrix = metrics.get("confusion_matrix")
        if not matrix:
            self.confusion.setRowCount(0)
            self.confusion.setColumnCount(0)
            return
        labels = [str(x) for x in metrics.get("class_names") or range(len(matrix))]
        m = np.asarray(matrix, dtype=float)
        self.confusion.setRowCount(m.shape[0])
        self.confusion.setColumnCount(m.shape[1])
        self.confusion.setHorizontalHeaderLabels([f"pred {x}" for x in labels[: m.shape[1]]])
        self.confusion.setVerticalHeaderLabels([f"true {x}" for x in labels[: m.shape[0]]])
        top = m.max() or 1.0
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                item = QTableWidgetItem(str(int(m[i, j])))
                shade = int(255 - 150 * m[i, j] / top)
                colour = QColor(shade, 255, shade) if i == j else QColor(255, shade, shade)
                item.setBackground(QBrush(colour if m[i, j] else QColor(255, 255, 255)))
                self.confusion.setItem(i, j, item)
        parts = []
        if metrics.get("top1_percent") is not None:
            parts.append(f"Top-1 {float(metrics['top1_percent']):.2f} %")
        if metrics.get("auc") is not None:
            parts.append(f"AUC {float(metrics['auc']):.4f}")
        if metrics.get("target") is not None:
            met = "met" if metrics.get("meets_target") else "NOT met"
            parts.append(f"target {metrics['target']} {met}")
        if metrics.get("files") is not None:
            parts.append(f"{metrics['files']} files")
        self.accuracy_note.setText(", ".join(parts))
        self.tabs.setCurrentIndex(2)

    # -- copy and save ---------------------------------------------------------------------------
    def as_tsv(self) -> str:
        """The table, then the official lines."""
        out = io.StringIO()
        writer = csv.writer(out, delimiter="\t", lineterminator="\n")
        writer.writerow(WINDOW_COLUMNS)
        for row in range(self.table.rowCount()):
            writer.writerow(
                [
                    self.table.item(row, c).text() if self.table.item(row, c) else ""
                    for c in range(self.table.columnCount())
                ]
            )
        text = out.getvalue()
        if self.official.toPlainText():
            text += "\n" + self.official.toPlainText() + "\n"
        return text

    def copy(self) -> None:
        """To the clipboard."""
        QGuiApplication.clipboard().setText(self.as_tsv())

    def save(self, path: Path) -> None:
        """Write the table (CSV if the name ends .csv, else tab-separated text)."""
        text = self.as_tsv()
        if path.suffix.lower() == ".csv":
            text = text.replace("\t", ",")
        path.write_text(text, encoding="utf-8")

    def save_dialog(self) -> None:
        """Ask where, then save."""
        name, _ = QFileDialog.getSaveFileName(
            self, "Save results", "results.csv", "CSV (*.csv);;Text (*.txt)"
        )
        if name:
            self.save(Path(name))
