"""Markers: single and dual markers, statistics between them, jumps to what matters.

The statistics are computed from the samples (``stats.span_stats``) on a worker
thread, never from the drawn points, and each figure's scope is written next to it.
"""

from __future__ import annotations

import contextlib

import numpy as np
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tinybench_gui.gui.qt_bridge import QtBridge
from tinybench_gui.gui.stats import SpanStats
from tinybench_gui.gui.tasks import LatestOnly
from tinybench_gui.gui.units import format_si
from tinybench_gui.gui.views.trace_view import TraceView

OUTLIER_MADS = 5.0  # an inference is an outlier when its energy is this many MADs off the median

FIELDS = ("duration", "mean", "min", "max", "peak-to-peak", "std", "charge", "energy")


def outlier_times(inferences: list[tuple[float, float, float]]) -> list[float]:
    """Start times of inferences whose energy is far from the median (robust z-score)."""
    if len(inferences) < 5:
        return []
    e = np.asarray([x[2] for x in inferences])
    med = float(np.median(e))
    mad = float(np.median(np.abs(e - med))) or (abs(med) * 1e-3 or 1e-12)
    return [inferences[i][0] for i in np.flatnonzero(np.abs(e - med) > OUTLIER_MADS * mad)]


class MarkersPanel(QWidget):
    """Places markers on a trace view and shows the statistics of the span."""

    def __init__(self, bridge: QtBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view: TraceView | None = None
        self._worker = LatestOnly(bridge, "marker-stats")
        self.last: SpanStats | None = None
        self.single = QPushButton("Single")
        self.single.clicked.connect(self.place_single)
        self.dual = QPushButton("Dual")
        self.dual.clicked.connect(self.place_dual)
        self.clear = QPushButton("Clear")
        self.clear.clicked.connect(self.remove)
        row = QHBoxLayout()
        for b in (self.single, self.dual, self.clear):
            row.addWidget(b)
        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        for name in FIELDS:
            label = QLabel("—")
            label.setStyleSheet("font-family: monospace;")
            self.values[name] = label
            form.addRow(name, label)
        self.scope = QLabel("Place a dual marker to measure a span.")
        self.scope.setWordWrap(True)
        self.scope.setStyleSheet("color:#666;")
        stats_box = QGroupBox("Between markers")
        sb = QVBoxLayout(stats_box)
        sb.addLayout(form)
        sb.addWidget(self.scope)
        nav = QGroupBox("Jump to")
        grid = QGridLayout(nav)
        self.jumps: dict[str, tuple[QPushButton, QPushButton]] = {}
        for r, what in enumerate(("inference", "window", "outlier")):
            prev = QPushButton(f"◀ {what}")
            nxt = QPushButton(f"{what} ▶")
            prev.clicked.connect(lambda _=False, w=what: self.jump(w, -1))
            nxt.clicked.connect(lambda _=False, w=what: self.jump(w, +1))
            grid.addWidget(prev, r, 0)
            grid.addWidget(nxt, r, 1)
            self.jumps[what] = (prev, nxt)
        self.nav_note = QLabel("")
        self.nav_note.setStyleSheet("color:#666;")
        grid.addWidget(self.nav_note, 3, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(stats_box)
        layout.addWidget(nav)
        layout.addStretch(1)

    def set_view(self, view: TraceView | None) -> None:
        """Work on this trace view."""
        if self.view is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self.view.markers_moved.disconnect(self._moved)
        self.view = view
        if view is not None:
            view.markers_moved.connect(self._moved)

    def close_worker(self) -> None:
        """Stop the statistics thread."""
        self._worker.close()

    # -- placing ------------------------------------------------------------------------------
    def place_single(self) -> None:
        """One marker in the middle of the view."""
        if self.view is None:
            return
        t0, t1 = self.view.view_range()
        self.view.set_markers((t0 + t1) / 2)

    def place_dual(self, t0_s: float | None = None, t1_s: float | None = None) -> None:
        """Two markers (default: the middle fifth of the view)."""
        if self.view is None:
            return
        if t0_s is None or t1_s is None:
            a, b = self.view.view_range()
            t0_s, t1_s = a + 0.4 * (b - a), a + 0.6 * (b - a)
        self.view.set_follow(False)
        self.view.set_markers(t0_s, t1_s)

    def remove(self) -> None:
        """Hide the markers."""
        if self.view is not None:
            self.view.hide_markers()
        for label in self.values.values():
            label.setText("—")
        self.scope.setText("Place a dual marker to measure a span.")

    # -- statistics ------------------------------------------------------------------------------
    def _moved(self, _a: float, _b: float) -> None:
        view = self.view
        if view is None or view.source is None:
            return
        span = view.marker_span()
        if span is None:
            return
        source = view.source
        t0, t1 = span
        self.values["duration"].setText(format_si(t1 - t0, "s"))
        self.scope.setText("computing from the samples…")
        self._worker.submit(lambda: source.span_stats(t0, t1), self.show_stats, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.scope.setText(str(exc))

    def show_stats(self, s: SpanStats) -> None:
        """Fill the fields."""
        self.last = s
        v = self.values
        v["duration"].setText(format_si(s.duration_s, "s"))
        v["mean"].setText(format_si(s.mean_a, "A"))
        v["min"].setText(format_si(s.min_a, "A"))
        v["max"].setText(format_si(s.max_a, "A"))
        v["peak-to-peak"].setText(format_si(s.peak_to_peak_a, "A"))
        v["std"].setText(format_si(s.std_a, "A"))
        v["charge"].setText(format_si(s.charge_c, "C"))
        energy = format_si(s.energy_j, "J")
        if s.energy_from_setpoint:
            energy += " (× supply set-point)"
        v["energy"].setText(energy)
        dropped = f", {s.dropped} dropped" if s.dropped else ""
        self.scope.setText(f"Scope: {s.scope}; {s.samples} samples{dropped}.")

    # -- navigation -----------------------------------------------------------------------------
    def targets(self, what: str) -> list[tuple[float, float]]:
        """Spans to jump between."""
        view = self.view
        if view is None or view.source is None:
            return []
        source = view.source
        if what == "window":
            return [(a, b) for a, b, _ in source.timeline.windows]
        inferences = source.marks().inferences
        if what == "inference":
            return [(a, b) for a, b, _ in inferences]
        starts = set(outlier_times(inferences))
        return [(a, b) for a, b, _ in inferences if a in starts]

    def jump(self, what: str, direction: int) -> None:
        """Centre the next/previous span of a kind and put the dual marker on it."""
        view = self.view
        spans = self.targets(what)
        if view is None or not spans:
            self.nav_note.setText(f"no {what} in this trace")
            return
        t0, t1 = view.view_range()
        centre = (t0 + t1) / 2
        starts = [a for a, _ in spans]
        if direction > 0:
            pick = next((s for s in spans if s[0] > centre + 1e-9), spans[-1])
        else:
            pick = next((s for s in reversed(spans) if s[0] < centre - 1e-9), spans[0])
        a, b = pick
        pad = max((b - a) * 0.5, 1e-6)
        view.show_range(a - pad, b + pad)
        view.set_markers(a, b)
        self.nav_note.setText(f"{what} {starts.index(a) + 1} of {len(spans)}")
