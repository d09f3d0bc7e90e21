"""Spike hunting: trigger on a current threshold or on an inference's energy.

The live ring keeps the pre-trigger history. While armed, a 20 Hz timer scans
only the samples that arrived since the last look; on a trigger the view stops
following, frames the event with its pre-trigger history, and places a marker
pair on it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tinybench_gui.gui.sources import LiveSource
from tinybench_gui.gui.views.trace_view import TraceView

SCAN_PERIOD_MS = 50
MAX_SCAN_SAMPLES = 5_000_000  # per look; older samples are skipped when far behind
MAX_EVENT_S = 1.0  # an event still going on after this long is reported as it stands


class SpikePanel(QWidget):
    """Arm, watch, and freeze on the first event."""

    triggered = Signal(float, float)  # event start, end (trace seconds)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view: TraceView | None = None
        self.kind = QComboBox()
        self.kind.addItem("current above threshold", "current")
        self.kind.addItem("inference energy above k × median", "energy")
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.001, 10_000.0)
        self.threshold.setDecimals(3)
        self.threshold.setSuffix(" mA")
        self.threshold.setValue(20.0)
        self.factor = QDoubleSpinBox()
        self.factor.setRange(1.01, 100.0)
        self.factor.setValue(1.5)
        self.factor.setPrefix("k = ")
        self.pre = QDoubleSpinBox()
        self.pre.setRange(0.0001, 60.0)
        self.pre.setDecimals(4)
        self.pre.setValue(0.05)
        self.pre.setSuffix(" s")
        self.arm_button = QPushButton("Arm")
        self.arm_button.setCheckable(True)
        self.arm_button.toggled.connect(self.set_armed)
        self.state = QLabel("disarmed")
        self.state.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Trigger on", self.kind)
        form.addRow("Threshold", self.threshold)
        form.addRow("Energy factor", self.factor)
        form.addRow("Pre-trigger", self.pre)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.arm_button)
        layout.addWidget(self.state)
        layout.addStretch(1)
        self._cursor = 0
        self._seen_inferences = 0
        self.timer = QTimer(self)
        self.timer.setInterval(SCAN_PERIOD_MS)
        self.timer.timeout.connect(self.scan)
        self.events = 0

    def set_view(self, view: TraceView | None) -> None:
        """The (live) view to freeze on a trigger."""
        self.view = view

    def _source(self) -> LiveSource | None:
        source = self.view.source if self.view is not None else None
        return source if isinstance(source, LiveSource) else None

    def set_armed(self, on: bool) -> None:
        """Start or stop watching (only new data counts)."""
        if self.arm_button.isChecked() != on:
            self.arm_button.setChecked(on)
            return
        source = self._source()
        if on:
            if source is None or source.ring is None:
                self.state.setText(
                    "Nothing to watch: the live trace has no current samples "
                    "(start an energy run or attach a monitor)."
                )
                self.arm_button.setChecked(False)
                return
            self._cursor = source.ring.end_index
            self._seen_inferences = len(source.marks().inferences)
            self.state.setText("armed: waiting for an event…")
            self.timer.start()
        else:
            self.timer.stop()
            if not self.state.text().startswith("triggered"):
                self.state.setText("disarmed")

    def scan(self) -> None:
        """Look at what arrived since the last scan (GUI thread, memory only)."""
        source = self._source()
        if source is None or source.ring is None:
            return
        if self.kind.currentData() == "current":
            self._scan_current(source)
        else:
            self._scan_energy(source)

    def _scan_current(self, source: LiveSource) -> None:
        ring = source.ring
        end = ring.end_index
        start = max(self._cursor, end - MAX_SCAN_SAMPLES)
        read = ring.read(start, end)
        self._cursor = read.cursor
        x = read.view.current_a
        if x.shape[0] == 0:
            return
        limit = self.threshold.value() * 1e-3
        above = np.flatnonzero(x > limit)
        if above.shape[0] == 0:
            return
        fs = ring.sample_rate_hz
        first = above[0]
        # The event lasts while the current stays above the threshold (gaps < 1 ms merged).
        gaps = np.flatnonzero(np.diff(above) > max(1, int(fs * 1e-3)))
        last = above[gaps[0]] if gaps.shape[0] else above[-1]
        still_high = last >= x.shape[0] - 1 and x.shape[0] - first < fs * MAX_EVENT_S
        if still_high:
            # The event runs past the newest sample: look again from its start next time.
            self._cursor = read.view.first_sample_index + int(first)
            return
        offset = source.extent()[1] - end / fs if source._offset_s is None else source._offset_s
        t0 = (read.view.first_sample_index + first) / fs + offset
        t1 = (read.view.first_sample_index + last + 1) / fs + offset
        self._fire(t0, t1, f"current {float(x[first]) * 1e3:.3f} mA > {limit * 1e3:.3f} mA")

    def _scan_energy(self, source: LiveSource) -> None:
        inferences = source.marks().inferences
        new = inferences[self._seen_inferences :]
        if not new:
            return
        energies = np.asarray([e for _, _, e in inferences])
        median = float(np.median(energies))
        k = self.factor.value()
        for i, (a, b, e) in enumerate(new, start=self._seen_inferences):
            if i >= 5 and median > 0 and e > k * median:
                self._seen_inferences = len(inferences)
                self._fire(
                    a,
                    b,
                    f"inference {i + 1}: {e * 1e6:.3f} µJ > {k:g} × median {median * 1e6:.3f} µJ",
                )
                return
        self._seen_inferences = len(inferences)

    def _fire(self, t0: float, t1: float, why: str) -> None:
        self.events += 1
        self.timer.stop()
        self.arm_button.blockSignals(True)
        self.arm_button.setChecked(False)
        self.arm_button.blockSignals(False)
        self.state.setText(f"triggered: {why}")
        view = self.view
        if view is not None:
            pre = self.pre.value()
            post = max(t1 - t0, pre)
            view.show_range(t0 - pre, t1 + post)
            view.set_markers(t0, t1)
        self.triggered.emit(t0, t1)
