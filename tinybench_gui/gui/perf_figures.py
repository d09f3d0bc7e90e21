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


class _Replay:
    """Pushes pre-sampled blocks of the world at their real-time pace (a driver whose
    parsing runs in C, like the Joulescope's, costs the GIL about this much)."""

    def __init__(self, acquisition: Any, current: Any, pins: Any, rate_hz: float) -> None:
        import threading

        self.acquisition = acquisition
        self.current = current
        self.pins = pins
        self.rate_hz = rate_hz
        self.block = int(rate_hz * 0.01)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="replay-feed", daemon=True)

    def start(self) -> _Replay:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5.0)

    def _run(self) -> None:
        from tinybench_gui.streams.blocks import SampleBlock

        n = self.current.shape[0]
        index = 0
        t0 = time.perf_counter()
        volts = np.full(self.block, 1.8, np.float32)
        while not self._stop.is_set():
            due = t0 + (index + self.block) / self.rate_hz
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(min(wait, 0.02))
                continue
            k = index % n
            self.acquisition.push(
                SampleBlock(
                    index,
                    self.rate_hz,
                    self.current[k : k + self.block],
                    voltage_v=volts,
                    digital=self.pins[k : k + self.block],
                )
            )
            index += self.block


def live_figures(quick: bool) -> list[FigureRow]:
    """Frame rate and GUI busy share while 1 MS/s streams and is written to a file."""
    from tinybench_gui.devices.sim.world import SimWorld
    from tinybench_gui.gui.sources import LiveSource
    from tinybench_gui.gui.timeline import Timeline
    from tinybench_gui.gui.views.trace_view import TraceView
    from tinybench_gui.runner.state import RunState
    from tinybench_gui.storage import layout
    from tinybench_gui.storage.writer import RunWriter
    from tinybench_gui.streams.acquisition import Acquisition
    from tinybench_gui.streams.ring_buffer import SampleRing

    app = _app()
    rate_hz = 1_000_000.0
    seconds = 4.0 if quick else 12.0
    world = SimWorld(seed=5)
    world.set_power(True, voltage_v=1.8)
    t = world.clock()
    for k in range(int(1.0 / 0.012)):
        world.inference(t + 0.5 + k * 0.012, t + 0.5 + k * 0.012 + 0.01)
    acquisition = Acquisition(
        SampleRing(int(rate_hz * 30), with_voltage=True), supply_voltage_v=1.8, lines=(0, 1)
    )
    with tempfile.TemporaryDirectory() as tmp:
        writer = RunWriter.create(Path(tmp) / "live.h5", {"mode": "energy", "perf": True})
        acquisition.add_consumer(writer.append_samples)
        # One second of the world, sampled once, replayed at 1 MS/s: the figure measures
        # the product (acquisition, writer, view), not the simulator's own sampling.
        current, pins = world.sample(t + 0.5, int(rate_hz), rate_hz)
        feed = _Replay(acquisition, current.astype(np.float32), pins, rate_hz).start()
        timeline = Timeline()
        timeline.clear(time.time())
        timeline.phase(time.time(), RunState.MEASURING)
        source = LiveSource(timeline, acquisition)
        source.running = True
        view = TraceView(source)
        view.resize(1400, 700)
        view.show()
        view.span_s = 1.0
        _loop(app, 1.0)  # warm up: first samples, first layout
        frames0, skipped0 = view.frames, view.skipped
        cpu0 = time.thread_time()
        wall, busy = _loop(app, seconds)
        gui_cpu_s = time.thread_time() - cpu0
        frames = view.frames - frames0
        skipped = view.skipped - skipped0
        feed.stop()
        stats = writer.stats
        state = writer.close(layout.RunState.COMPLETE)
        view.timer.stop()
        view.close()
        view.deleteLater()
        app.processEvents()
    written = sum(stats.samples_written.values()) if stats.samples_written else 0
    note = (
        f"{seconds:g} s at 1 MS/s streamed (1 s of SimWorld replayed) and written ({written} "
        "values, "
        f"{stats.dropped_samples} dropped, file {state.value}); {skipped} frames skipped"
    )
    return [
        FigureRow("gui live: frames per second", frames / wall, "fps", target=25.0, note=note),
        FigureRow(
            "gui live: GUI thread busy share",
            gui_cpu_s / wall,
            "ratio",
            target=0.5,
            higher_is_better=False,
            note="CPU time of the GUI thread (timers, draws, paints) over wall time",
        ),
        FigureRow(
            "gui live: GUI thread in event processing",
            busy / wall,
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
