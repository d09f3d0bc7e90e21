"""GUI speed figures for ``tinybench perf`` (Qt is imported inside the functions).

- ``gui-live``: the live trace while a simulated 1 MS/s monitor streams into an
  acquisition and a run file is written from it: frames drawn per second by the
  view's own 30 Hz timer, and the share of wall time the GUI thread is busy
  (its CPU time: timers, drawing, painting).
- ``gui-review``: a 1-hour run file: time from File > Open (creating the source)
  to the first drawn frame with data, and one zoom step to its redraw.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from tinybench_gui.perf.figures import FigureFunction, FigureRow


def _app() -> Any:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["tinybench-perf"])


def _loop(app: Any, seconds: float, until: Any = None) -> tuple[float, float]:
    """Run the event loop for ``seconds`` (or until ``until()``); return (wall, busy)."""
    start = time.perf_counter()
    busy = 0.0
    while True:
        now = time.perf_counter()
        if now - start >= seconds or (until is not None and until()):
            break
        t0 = time.perf_counter()
        app.processEvents()
        busy += time.perf_counter() - t0
        time.sleep(0.001)
    return time.perf_counter() - start, busy


class _RunnerEvents:
    """Phases and transcript lines at a runner's pace, from a GUI-thread timer."""

    LINES = (("tx", "io dut%"), ("rx", "m-ready"), ("tx", "io enable-timer%"), ("rx", "m-ready"))

    def __init__(self, timeline: Any) -> None:
        from PySide6.QtCore import QTimer

        self.timeline = timeline
        self.count = 0
        self.timer = QTimer()
        self.timer.setInterval(500)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        from tinybench_gui.runner.state import RunState

        now = time.time()
        self.count += 1
        state = RunState.MEASURING if self.count % 2 else RunState.SCORING
        self.timeline.phase(now, state)
        for k, (direction, text) in enumerate(self.LINES):
            self.timeline.annotate(now + k * 1e-3, "dut", direction, text)

    def stop(self) -> None:
        self.timer.stop()


class _StockPlot:
    """The baseline: what a script of one's own gets from pyqtgraph as it comes.

    A ``PlotWidget`` redraws the newest second from the same ring on the same
    30 Hz timer, with pyqtgraph's own peak downsampling and clip-to-view.
    """

    def __init__(self, acquisition: Any, span_s: float) -> None:
        import pyqtgraph as pg
        from PySide6.QtCore import QTimer

        self.ring = acquisition.ring
        self.span_s = span_s
        self.frames = 0
        self.widget = pg.PlotWidget()
        self.curve = self.widget.plot(pen=pg.mkPen((90, 160, 255), width=1))
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)
        self.timer = QTimer()
        self.timer.setInterval(33)
        self.timer.timeout.connect(self._draw)

    def _draw(self) -> None:
        ring = self.ring
        fs = ring.sample_rate_hz
        if not fs:
            return
        stop = ring.end_index
        view = ring.read(max(0, stop - int(self.span_s * fs)), stop).view
        t = (view.first_sample_index + np.arange(len(view))) / fs
        self.curve.setData(t, view.current_a)
        self.frames += 1


def _measure(app: Any, frames: Any, seconds: float) -> tuple[float, float, float]:
    """(frames per second, GUI thread CPU share, share of wall time in event processing)."""
    _loop(app, 1.0)  # warm up: first samples, first layout
    frames0 = frames()
    cpu0 = time.thread_time()
    wall, busy = _loop(app, seconds)
    gui_cpu_s = time.thread_time() - cpu0
    return (frames() - frames0) / wall, gui_cpu_s / wall, busy / wall


def live_figures(quick: bool) -> list[FigureRow]:
    """Frame rate and GUI busy share while 1 MS/s streams and is written to a file.

    The baseline, measured in the same run under the same stream and writer, is a
    stock pyqtgraph plot of the newest second (``_StockPlot``).
    """
    return measure_live(4.0 if quick else 12.0)


def measure_live(seconds: float) -> list[FigureRow]:
    """``live_figures`` measuring each of the two views for ``seconds``."""
    from tinybench_gui.devices.sim.world import SimWorld
    from tinybench_gui.gui.sources import LiveSource
    from tinybench_gui.gui.timeline import Timeline
    from tinybench_gui.gui.views.trace_view import TraceView
    from tinybench_gui.runner.state import RunState
    from tinybench_gui.storage import layout
    from tinybench_gui.storage.writer import RunWriter
    from tinybench_gui.streams.acquisition import Acquisition
    from tinybench_gui.streams.ring_buffer import SampleRing
    from tinybench_gui.testing.world_feed import WorldFeed

    app = _app()
    rate_hz = 1_000_000.0
    world = SimWorld(seed=5)
    world.set_power(True, voltage_v=1.8)
    t = world.clock()
    for k in range(int(1.0 / 0.012)):
        world.inference(t + k * 0.012, t + k * 0.012 + 0.01)
    acquisition = Acquisition(
        SampleRing(int(rate_hz * 30), with_voltage=True), supply_voltage_v=1.8, lines=(0, 1)
    )
    with tempfile.TemporaryDirectory() as tmp:
        writer = RunWriter.create(Path(tmp) / "live.h5", {"mode": "energy", "perf": True})
        acquisition.add_consumer(writer.append_samples)
        # One second of the world, sampled once, replayed at 1 MS/s: the figure measures
        # the product (acquisition, writer, view), not the simulator's own sampling.
        feed = WorldFeed(world, acquisition, sample_rate_hz=rate_hz, replay_s=1.0).start()

        stock = _StockPlot(acquisition, span_s=1.0)
        stock.widget.resize(1400, 700)
        stock.widget.show()
        stock.timer.start()
        stock_fps, stock_cpu, _ = _measure(app, lambda: stock.frames, seconds)
        stock.timer.stop()
        stock.widget.close()
        stock.widget.deleteLater()
        app.processEvents()

        timeline = Timeline()
        timeline.clear(time.time())
        timeline.phase(time.time(), RunState.MEASURING)
        source = LiveSource(timeline, acquisition)
        source.running = True
        # The runner's side, as the bridge delivers it on the GUI thread: windows open and
        # close every half second with their protocol lines, so window shading and
        # transcript labels are in view as in a real energy run.
        runner_tick = _RunnerEvents(timeline)
        view = TraceView(source)
        view.resize(1400, 700)
        view.show()
        view.span_s = 1.0
        skipped0 = view.skipped
        fps, cpu, in_events = _measure(app, lambda: view.frames, seconds)
        skipped = view.skipped - skipped0
        feed.stop()
        runner_tick.stop()
        stats = writer.stats
        state = writer.close(layout.RunState.COMPLETE)
        view.timer.stop()
        view.close()
        view.deleteLater()
        app.processEvents()
    written = sum(stats.samples_written.values()) if stats.samples_written else 0
    note = (
        f"2 x {seconds:g} s at 1 MS/s streamed (1 s of SimWorld replayed) and written "
        f"({written} values, {stats.dropped_samples} dropped, file {state.value}); "
        f"{skipped} frames skipped; baseline: a stock pyqtgraph plot of the newest second "
        "(peak downsampling, clip to view) on the same stream"
    )
    return [
        FigureRow(
            "gui live: frames per second",
            fps,
            "fps",
            baseline=stock_fps,
            target=25.0,
            note=note,
            absolute_target=True,
        ),
        FigureRow(
            "gui live: GUI thread busy share",
            cpu,
            "ratio",
            baseline=stock_cpu,
            target=0.5,
            higher_is_better=False,
            note="CPU time of the GUI thread (timers, draws, paints) over wall time",
            absolute_target=True,
        ),
        FigureRow(
            "gui live: GUI thread CPU per frame",
            cpu / fps * 1e3 if fps else float("nan"),
            "ms",
            baseline=stock_cpu / stock_fps * 1e3 if stock_fps else None,
            higher_is_better=False,
            note="timers, draws and paints of one frame, in CPU time",
        ),
        FigureRow(
            "gui live: GUI thread in event processing",
            in_events,
            "ratio",
            note="wall time inside processEvents, including waits for the GIL and a CPU "
            "(the feed and the writer threads run at 1 MS/s beside it)",
        ),
    ]


def _hour_file(path: Path, rate_hz: float) -> None:
    from tinybench_gui.storage import layout
    from tinybench_gui.storage.records import Samples, TimedWindow
    from tinybench_gui.storage.writer import RunWriter

    writer = RunWriter.create(path, {"mode": "energy", "perf": True})
    rng = np.random.default_rng(7)
    block = int(rate_hz * 60)
    base = (2e-3 + 1e-4 * rng.standard_normal(block)).astype(np.float32)
    for minute in range(60):
        x = base.copy()
        x[rng.integers(0, block, 20)] = 0.03  # spikes, so every level has peaks to keep
        writer.append_samples(Samples(minute * block, rate_hz, {"current_a": x}))
        if minute % 12 == 0:
            start = minute * block
            writer.add_window(
                TimedWindow(
                    minute // 12 + 1,
                    100,
                    10.0,
                    start_sample=start,
                    stop_sample=start + int(10 * rate_hz),
                )
            )
        writer.flush()
    writer.close(layout.RunState.COMPLETE)


def review_figures(quick: bool) -> list[FigureRow]:
    """File > Open of a 1-hour run to its first frame, and one zoom step."""
    from tinybench_gui.gui.qt_bridge import QtBridge
    from tinybench_gui.gui.sources import FileSource
    from tinybench_gui.gui.views.trace_view import TraceView
    from tinybench_gui.storage.reader import load_run

    app = _app()
    rate_hz = 2_000.0 if quick else 20_000.0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hour.h5"
        t_write = time.perf_counter()
        _hour_file(path, rate_hz)
        write_s = time.perf_counter() - t_write
        bridge = QtBridge()
        view = TraceView()
        view.resize(1400, 700)
        view.show()
        view.set_follow(False)
        opened = time.perf_counter()
        drawn: list[float] = []
        view.frame_drawn.connect(
            lambda: (
                drawn.append(time.perf_counter())
                if view.envelope.getData()[0] is not None and len(view.envelope.getData()[0])
                else None
            )
        )
        source = FileSource(path, bridge, load_run, on_opened=lambda _info: view.show_all())
        view.set_source(source)
        _loop(app, 30.0, until=lambda: bool(drawn))
        first_s = (drawn[0] - opened) if drawn else float("nan")
        # One zoom step: the middle tenth of the hour, drawn from the pyramid.
        zoom_started = time.perf_counter()
        before = len(drawn)
        view.show_range(1800.0, 1800.0 + 360.0)
        _loop(
            app,
            10.0,
            until=lambda: (
                len(drawn) > before
                and source._cols_key is not None
                and abs(source._cols_key[0] - 1800.0) < 1.0
            ),
        )
        zoom_s = (drawn[-1] - zoom_started) if len(drawn) > before else float("nan")
        source.close()
        view.timer.stop()
        view.close()
        view.deleteLater()
        app.processEvents()
    note = f"1 h at {rate_hz:g} S/s ({3600 * rate_hz:.3g} samples, written in {write_s:.1f} s)"
    return [
        FigureRow(
            "gui review: open 1 h run to first draw",
            first_s,
            "s",
            target=1.0,
            higher_is_better=False,
            note=note,
        ),
        FigureRow(
            "gui review: zoom step to redraw",
            zoom_s,
            "s",
            target=0.1,
            higher_is_better=False,
            note="show the middle 6 minutes, read from the summaries",
        ),
    ]


FIGURES: dict[str, tuple[FigureFunction, str]] = {
    "gui-live": (live_figures, "live trace fps and GUI busy share at 1 MS/s while writing"),
    "gui-review": (review_figures, "review of a 1-hour run: open to first draw, zoom step"),
}
