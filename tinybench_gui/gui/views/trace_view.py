"""The trace: current against time, digital lanes, phases and protocol annotations.

Frame pacing follows Joulescope's waveform widget: a precise 30 Hz timer redraws
only when something changed (new samples while following, a zoom, new data from
a file) and skips a frame when the previous draw took more than half the period.
Each frame asks the source for at most one column per pixel and draws two points
per column (min and max as one zig-zag line), so peaks stay visible at any zoom.
Timestamp marks are one item drawn with ``connect='pairs'``, timed windows one bar
item; a frame is one paint (decision 0014 has the budget and what it costs).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGraphicsItem, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from tinybench_gui.gui.decimate import Columns, envelope_xy, lane_xy
from tinybench_gui.gui.sources import TraceSource
from tinybench_gui.gui.views.time_axis import TimeAxis
from tinybench_gui.runner.state import RunState

FRAME_PERIOD_MS = 33  # ~30 Hz
DEFAULT_SPAN_S = 10.0
MAX_TEXT_LABELS = 24
LABEL_WIDTH_PX = 190  # room a written-out protocol line needs
PHASE_COLOURS = {
    RunState.PREPARING: (150, 150, 150, 70),
    RunState.DOWNLOADING: (80, 140, 230, 90),
    RunState.WARMING_UP: (240, 170, 40, 90),
    RunState.MEASURING: (60, 180, 90, 110),
    RunState.SCORING: (160, 90, 200, 90),
}
PHASE_BRUSHES = {state: pg.mkBrush(*rgba) for state, rgba in PHASE_COLOURS.items()}
OTHER_PHASE_BRUSH = pg.mkBrush(200, 200, 200, 60)
NO_PEN = pg.mkPen(None)
ENVELOPE_PEN = pg.mkPen((90, 160, 255), width=1)
# Width 1: a wider pen goes through Qt's path stroker, 4x the cost of this line.
MEAN_PEN = pg.mkPen((20, 70, 170), width=1)
MARK_PEN = pg.mkPen((220, 60, 60, 140), width=1)
LANE_PEN = pg.mkPen((40, 40, 40), width=1)
WINDOW_BRUSH = pg.mkBrush(60, 180, 90, 30)
WINDOW_PEN = pg.mkPen((60, 180, 90, 120), width=1)
INFERENCE_BRUSH = pg.mkBrush(240, 170, 40, 60)


def _marker(t_s: float, colour: tuple[int, int, int], label: str) -> pg.InfiniteLine:
    return pg.InfiniteLine(
        t_s,
        movable=True,
        pen=pg.mkPen(colour, width=1.5),
        label=label,
        labelOpts={"position": 0.95},
    )


class TraceView(QWidget):
    """A trace of one ``TraceSource`` with follow, pause, zoom and two markers."""

    markers_moved = Signal(float, float)  # t_a, t_b (seconds)
    frame_drawn = Signal()

    def __init__(self, source: TraceSource | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.source: TraceSource | None = None
        self.follow = True
        self.span_s = DEFAULT_SPAN_S
        self._dirty = True
        self._last_draw_s = 0.0
        self.frames = 0
        self.skipped = 0
        self.draw_time_s = 0.0  # total, for the perf figures
        self._last_key: tuple[float, float, int] | None = None
        self._notes_key: tuple[int, int, int, float] | None = None
        self._overlay: TraceSource | None = None
        self.on_frame: Callable[[], None] | None = None

        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setBackground("w")
        self.plots.ci.layout.setSpacing(2)
        self.lane = self.plots.addPlot(row=0, col=0)
        self.current = self.plots.addPlot(row=1, col=0)
        self.digital = self.plots.addPlot(row=2, col=0, axisItems={"bottom": TimeAxis()})
        layout_rows = self.plots.ci.layout
        layout_rows.setRowStretchFactor(0, 1)
        layout_rows.setRowStretchFactor(1, 6)
        layout_rows.setRowStretchFactor(2, 2)
        for plot in (self.lane, self.digital):
            plot.setMouseEnabled(x=True, y=False)
            plot.hideButtons()
            plot.getAxis("left").setWidth(60)
        self.current.getAxis("left").setWidth(60)
        self.lane.setXLink(self.current)
        self.digital.setXLink(self.current)
        self.lane.setYRange(-0.6, 1.9, padding=0)
        self.lane.getAxis("left").setTicks([[(0, "rx"), (1, "tx")]])
        # One time axis (under the lanes): the hidden ones would still repaint on every
        # scroll, and axis text is the most expensive thing in a frame.
        self.lane.hideAxis("bottom")
        self.current.hideAxis("bottom")
        self.current.setLabel("left", "current", units="A")
        self.digital.setLabel("bottom", "time", units="s")
        self.digital.setYRange(-0.2, 2.9, padding=0)
        self.digital.getAxis("left").setTicks([[(0.35, "D0 ts"), (1.35, "D1 inf"), (2.35, "inf")]])
        self.current.showGrid(x=False, y=True, alpha=0.15)
        for plot in (self.lane, self.digital, self.current):
            for name in ("top", "bottom", "left", "right"):
                if (plot, name) != (self.current, "left"):
                    # An SI prefix re-renders the axis label (HTML) on every scrolled
                    # frame, hidden axes included; only the current axis needs one.
                    plot.getAxis(name).enableAutoSIPrefix(False)
        for plot in (self.lane, self.digital, self.current):
            # Their labels (and the current plot's grid, drawn by its left axis) change
            # rarely: the y range follows the data with hysteresis. Paint them once, then
            # from a pixmap.
            plot.getAxis("left").setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.current.setMouseEnabled(x=True, y=False)
        # The y range follows the data with hysteresis (see _fit_y): re-scaling on every
        # frame would repaint the axis text each time, the costliest part of a frame.
        self.current.disableAutoRange()
        self.current.setClipToView(False)

        self.phase_bars = pg.BarGraphItem(x0=[0], x1=[0], y0=[0], y1=[0], brush=(0, 0, 0, 0))
        self.phase_bars.setVisible(False)
        self.lane.addItem(self.phase_bars)
        self.tx_points = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(200, 80, 40))
        self.rx_points = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(40, 110, 200))
        self.lane.addItem(self.tx_points)
        self.lane.addItem(self.rx_points)
        self._labels = [
            pg.TextItem(color=(60, 60, 60), anchor=(0, 0.5)) for _ in range(MAX_TEXT_LABELS)
        ]
        for label in self._labels:
            label.setVisible(False)
            self.lane.addItem(label, ignoreBounds=True)

        self.envelope = pg.PlotCurveItem(pen=ENVELOPE_PEN, skipFiniteCheck=False)
        self.mean = pg.PlotCurveItem(pen=MEAN_PEN)
        self.overlay_curve = pg.PlotCurveItem(pen=pg.mkPen((230, 120, 30), width=1))
        self.marks = pg.PlotCurveItem(pen=MARK_PEN, connect="pairs")
        self.current.addItem(self.envelope)
        self.current.addItem(self.overlay_curve)
        self.current.addItem(self.mean)
        self.current.addItem(self.marks, ignoreBounds=True)
        # Timed windows as one item, sized to the view like the marks: a region item per
        # window would recompute its edge lines on every scrolled frame.
        self.window_bars = pg.BarGraphItem(
            x0=[0], x1=[0], y0=[0], y1=[0], brush=WINDOW_BRUSH, pen=WINDOW_PEN
        )
        self.window_bars.setVisible(False)
        self.current.addItem(self.window_bars, ignoreBounds=True)

        self.lanes = [pg.PlotCurveItem(pen=LANE_PEN) for _ in range(2)]
        for item in self.lanes:
            self.digital.addItem(item)
        self.inference_bars = pg.BarGraphItem(
            x0=[0], x1=[0], y0=[0], y1=[0], brush=INFERENCE_BRUSH, pen=NO_PEN
        )
        self.inference_bars.setVisible(False)
        self.digital.addItem(self.inference_bars)

        self.marker_a = _marker(0.0, (200, 0, 120), "A")
        self.marker_b = _marker(1.0, (0, 130, 130), "B")
        self.marker_region = pg.LinearRegionItem(
            (0, 1), movable=False, brush=pg.mkBrush(200, 0, 120, 20)
        )
        # Markers join the plot only while shown: hidden lines would still follow every
        # scrolled frame (pyqtgraph recomputes their geometry on each view change).
        self._dual = False
        self.marker_a.sigPositionChanged.connect(self._markers_changed)
        self.marker_b.sigPositionChanged.connect(self._markers_changed)

        self.status = QLabel("")
        self.status.setStyleSheet("color: #555;")
        self.follow_button = QPushButton("Follow")
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.setToolTip("Keep the newest samples in view (F)")
        self.follow_button.toggled.connect(self.set_follow)
        self.full_button = QPushButton("Full")
        self.full_button.setToolTip("Show the whole run (Home)")
        self.full_button.clicked.connect(self.show_all)
        self.empty_note = QLabel("")
        self.empty_note.setStyleSheet("color: #8a6d00;")
        bar = QHBoxLayout()
        bar.addWidget(self.follow_button)
        bar.addWidget(self.full_button)
        bar.addWidget(self.empty_note, 1)
        bar.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.plots, 1)

        self.current.sigXRangeChanged.connect(self._range_changed)
        self.current.vb.sigRangeChangedManually.connect(self._user_moved)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(FRAME_PERIOD_MS)
        self.timer.timeout.connect(self._on_timer)
        self.timer.start()
        if source is not None:
            self.set_source(source)

    # -- wiring -------------------------------------------------------------------------
    def set_source(self, source: TraceSource | None) -> None:
        """Show ``source`` (None: nothing)."""
        self.source = source
        if source is not None and hasattr(source, "on_update"):
            source.on_update = self.mark_dirty
        self._last_key = None
        self.mark_dirty()

    def set_overlay(self, source: TraceSource | None) -> None:
        """Another run drawn over this one (compare)."""
        self._overlay = source
        if source is not None and hasattr(source, "on_update"):
            source.on_update = self.mark_dirty
        self.mark_dirty()

    def mark_dirty(self) -> None:
        """Redraw at the next frame."""
        self._dirty = True

    def set_follow(self, on: bool) -> None:
        """Follow the newest data (live) or hold the view."""
        self.follow = on
        if self.follow_button.isChecked() != on:
            self.follow_button.setChecked(on)
        self.mark_dirty()

    def show_all(self) -> None:
        """Zoom out to the whole extent."""
        if self.source is None:
            return
        self.set_follow(False)
        t0, t1 = self.source.extent()
        self.current.setXRange(t0, t1, padding=0.01)

    def show_range(self, t0_s: float, t1_s: float) -> None:
        """Hold the view on ``[t0_s, t1_s]``."""
        self.set_follow(False)
        self.current.setXRange(t0_s, t1_s, padding=0)

    def view_range(self) -> tuple[float, float]:
        """The visible time range."""
        (t0, t1), _ = self.current.viewRange()
        return float(t0), float(t1)

    # -- markers ------------------------------------------------------------------------
    def set_markers(self, t_a: float, t_b: float | None = None) -> None:
        """Show marker A (and B for a dual marker) at these times."""
        self._dual = t_b is not None
        self._place(self.marker_a, True)
        self._place(self.marker_b, self._dual)
        self._place(self.marker_region, self._dual)
        self.marker_a.setValue(t_a)
        if t_b is not None:
            self.marker_b.setValue(t_b)
        self._markers_changed()

    def hide_markers(self) -> None:
        """Remove both markers."""
        self._dual = False
        for item in (self.marker_a, self.marker_b, self.marker_region):
            self._place(item, False)

    def markers_shown(self) -> int:
        """How many markers are on the trace (0, 1 or 2)."""
        if self.marker_a.scene() is None:
            return 0
        return 2 if self._dual else 1

    def _place(self, item: pg.GraphicsObject, shown: bool) -> None:
        if shown and item.scene() is None:
            self.current.addItem(item, ignoreBounds=True)
        elif not shown and item.scene() is not None:
            self.current.removeItem(item)

    def marker_span(self) -> tuple[float, float] | None:
        """(t0, t1) of the dual marker, or None."""
        if self.markers_shown() < 2:
            return None
        a, b = self.marker_a.value(), self.marker_b.value()
        return (min(a, b), max(a, b))

    def _markers_changed(self) -> None:
        a = float(self.marker_a.value())
        b = float(self.marker_b.value())
        self.marker_region.setRegion((min(a, b), max(a, b)))
        self.markers_moved.emit(a, b)

    # -- interaction ----------------------------------------------------------------------
    def _user_moved(self, *_args: object) -> None:
        if self.follow:
            self.set_follow(False)
        self.mark_dirty()

    def _range_changed(self, *_args: object) -> None:
        t0, t1 = self.view_range()
        if not self.follow and t1 > t0:
            self.span_s = t1 - t0
        self.mark_dirty()

    def zoom(self, factor: float, centre_s: float | None = None) -> None:
        """Zoom the time axis by ``factor`` (<1 zooms in) around ``centre_s``."""
        t0, t1 = self.view_range()
        c = (t0 + t1) / 2 if centre_s is None else centre_s
        span = max((t1 - t0) * factor, 1e-6)
        if self.follow:
            self.span_s = span
            self.mark_dirty()
            return
        self.current.setXRange(
            c - span * (c - t0) / (t1 - t0), c + span * (t1 - c) / (t1 - t0), padding=0
        )

    def pan(self, fraction: float) -> None:
        """Move the view by ``fraction`` of its width."""
        self.set_follow(False)
        t0, t1 = self.view_range()
        d = (t1 - t0) * fraction
        self.current.setXRange(t0 + d, t1 + d, padding=0)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Keyboard zoom and pan: +/- zoom, arrows pan, Home shows all, F follows."""
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(0.5)
        elif key == Qt.Key.Key_Minus:
            self.zoom(2.0)
        elif key == Qt.Key.Key_Left:
            self.pan(-0.25)
        elif key == Qt.Key.Key_Right:
            self.pan(0.25)
        elif key == Qt.Key.Key_Home:
            self.show_all()
        elif key == Qt.Key.Key_F:
            self.set_follow(not self.follow)
        else:
            super().keyPressEvent(event)

    # -- drawing ------------------------------------------------------------------------
    def _on_timer(self) -> None:
        source = self.source
        if source is None or not self.isVisible():
            return
        live_running = getattr(source, "running", False)
        if not (self._dirty or (self.follow and live_running)):
            return
        if self._last_draw_s > FRAME_PERIOD_MS / 2000.0:
            # The last frame was slow: give the event loop this period, draw next time.
            self._last_draw_s = 0.0
            self.skipped += 1
            return
        self.draw_frame()

    def draw_frame(self) -> None:
        """Draw one frame now (the timer calls this; tests may too)."""
        source = self.source
        if source is None:
            return
        started = time.perf_counter()
        self._dirty = False
        if self.follow:
            e0, e1 = source.extent()
            t1 = e1
            t0 = max(e0, t1 - self.span_s) if source.live else e0
            if not source.live:
                t1 = e1
            self.current.blockSignals(True)
            self.current.setXRange(t0, t1, padding=0)
            self.current.blockSignals(False)
        t0, t1 = self.view_range()
        n_px = max(50, int(self.current.vb.width()))
        cols = source.columns(t0, t1, n_px)
        self._draw_columns(cols)
        self._draw_overlay(t0, t1, n_px)
        self._draw_marks(source, t0, t1)
        self._draw_timeline(source, t0, t1)
        for plot in (self.lane, self.current, self.digital):
            # pyqtgraph defers a linked view's new transform to its next paint, where
            # changing it schedules a second paint of that plot: apply it now.
            plot.vb.updateMatrix()
        elapsed = time.perf_counter() - started
        self._last_draw_s = elapsed
        self.draw_time_s += elapsed
        self.frames += 1
        self.status.setText(f"{t1 - t0:.3g} s in view · {elapsed * 1e3:.1f} ms/frame")
        self.frame_drawn.emit()
        if self.on_frame is not None:
            self.on_frame()

    def _draw_columns(self, cols: Columns | None) -> None:
        if cols is None or cols.t_s.shape[0] == 0:
            self.envelope.setData([], [])
            self.mean.setData([], [])
            for item in self.lanes:
                item.setData([], [])
            note = ""
            if (
                self.source is not None
                and self.source.live
                and getattr(self.source, "ring", 1) is None
            ):
                note = (
                    "No energy monitor on this bench: the trace shows the protocol timeline "
                    "only. Current appears in energy runs."
                )
            self.empty_note.setText(note)
            return
        self.empty_note.setText("")
        x, y = envelope_xy(cols.t_s, cols.min, cols.max)
        self.envelope.setData(x, y, connect="finite")
        self._fit_y(cols)
        self.mean.setData(cols.t_s, cols.mean, connect="finite")
        for bit, item in enumerate(self.lanes):
            lx, ly = lane_xy(cols, bit, bit)
            item.setData(lx, ly)

    def _fit_y(self, cols: Columns) -> None:
        finite = np.isfinite(cols.min) & np.isfinite(cols.max)
        if not finite.any():
            return
        lo = float(cols.min[finite].min())
        hi = float(cols.max[finite].max())
        pad = max((hi - lo) * 0.05, abs(hi) * 1e-3, 1e-12)
        lo, hi = lo - pad, hi + pad
        _, (y0, y1) = self.current.viewRange()
        inside = y0 <= lo and hi <= y1
        if inside and (hi - lo) > 0.6 * (y1 - y0):
            return
        self.current.setYRange(lo, hi, padding=0)

    def _draw_overlay(self, t0: float, t1: float, n_px: int) -> None:
        if self._overlay is None:
            self.overlay_curve.setData([], [])
            return
        cols = self._overlay.columns(t0, t1, n_px)
        if cols is None:
            return
        self.overlay_curve.setData(cols.t_s, cols.mean, connect="finite")

    def _draw_marks(self, source: TraceSource, t0: float, t1: float) -> None:
        marks = source.marks()
        ts = marks.timestamps_s
        if ts.shape[0]:
            i0, i1 = np.searchsorted(ts, [t0, t1])
            ts = ts[i0:i1]
        if 0 < ts.shape[0] <= 5000:
            (_, _), (y0, y1) = self.current.viewRange()
            x = np.repeat(ts, 2)
            y = np.tile([y0, y1], ts.shape[0])
            self.marks.setData(x, y, connect="pairs")
        else:
            self.marks.setData([], [])
        inf = [(a, b) for a, b, _ in marks.inferences if b >= t0 and a <= t1][:5000]
        if inf:
            self.inference_bars.setVisible(True)
            arr = np.asarray(inf)
            self.inference_bars.setOpts(
                x0=arr[:, 0], x1=arr[:, 1], y0=np.full(len(arr), 2.05), y1=np.full(len(arr), 2.75)
            )
        else:
            self.inference_bars.setVisible(False)

    def _draw_timeline(self, source: TraceSource, t0: float, t1: float) -> None:
        tl = source.timeline
        now = source.extent()[1]
        bands = [
            b for b in tl.bands if (b.t1_s if b.t1_s is not None else now) >= t0 and b.t0_s <= t1
        ]
        if bands:
            self.phase_bars.setVisible(True)
            self.phase_bars.setOpts(
                x0=[b.t0_s for b in bands],
                x1=[b.t1_s if b.t1_s is not None else now for b in bands],
                y0=[-0.55] * len(bands),
                y1=[1.85] * len(bands),
                brushes=[PHASE_BRUSHES.get(b.state, OTHER_PHASE_BRUSH) for b in bands],
                pens=[NO_PEN] * len(bands),
            )
        else:
            self.phase_bars.setVisible(False)
        i0, i1 = tl.index_range(t0, t1)
        notes = tl.annotations[i0:i1]
        # The dots move with the view by themselves: only new or other lines redraw them.
        key = (i0, i1, id(tl), tl.origin_s)
        if key != self._notes_key:
            self._notes_key = key
            dots = notes
            if len(dots) > 20000:  # too dense to see single lines: thin the dots evenly
                dots = dots[:: math.ceil(len(dots) / 20000)]
            tx = [a.t_s for a in dots if a.direction == "tx"]
            rx = [a.t_s for a in dots if a.direction != "tx"]
            self.tx_points.setData(tx, [1.0] * len(tx))
            self.rx_points.setData(rx, [0.0] * len(rx))
        shown = self._labelled(notes, t0, t1)
        for label, note in zip(self._labels, shown, strict=False):
            label.setText(note.text[:32])
            label.setPos(note.t_s, 1.35 if note.direction == "tx" else 0.35)
            label.setVisible(True)
        for label in self._labels[len(shown) :]:
            label.setVisible(False)
        self._draw_windows(tl.windows, t0, t1)

    def _labelled(self, notes: list, t0: float, t1: float) -> list:
        """Lines to write out: per row, only those with room for their text."""
        if len(notes) > 400:
            return []
        width_px = max(1.0, float(self.lane.vb.width()))
        min_gap_s = LABEL_WIDTH_PX * (t1 - t0) / width_px
        last = {"tx": -math.inf, "rx": -math.inf}
        shown = []
        for note in notes:
            row = "tx" if note.direction == "tx" else "rx"
            if note.t_s - last[row] >= min_gap_s:
                shown.append(note)
                last[row] = note.t_s
                if len(shown) == MAX_TEXT_LABELS:
                    break
        return shown

    def _draw_windows(self, windows: list[tuple[float, float, int]], t0: float, t1: float) -> None:
        shown = [(a, b) for a, b, _ in windows if b >= t0 and a <= t1]
        self.window_bars.setVisible(bool(shown))
        if shown:
            (_, _), (y0, y1) = self.current.viewRange()
            arr = np.asarray(shown)
            self.window_bars.setOpts(
                x0=arr[:, 0], x1=arr[:, 1], y0=np.full(len(arr), y0), y1=np.full(len(arr), y1)
            )
