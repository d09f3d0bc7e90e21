"""Screenshots of the workstation's main screens, on the simulated bench.

Run under Xvfb so the real window system (xcb) renders them:

    xvfb-run -a env QT_QPA_PLATFORM=xcb python scripts/screenshots.py

It opens the real window on a simulated bench (the simulated DUT, and its rail
streamed by ``testing.world_feed`` as an energy monitor would), drives a short
performance run, records the rail into a run file, then reviews that file, and
saves PNGs into ``docs/screenshots/``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TINYBENCH_MODEL_PATH", str(ROOT.parent / "shared" / "mlperf_tiny"))


@dataclass
class MonitoredSimBench:
    """The simulated DUT whose rail a simulated monitor streams (a screenshot prop)."""

    server: Any
    world: Any
    feed: Any
    acquisition: Any
    monitor_model: str = "PPK2 (simulated rail feed, 100 kS/s)"
    description: dict[str, Any] = field(default_factory=dict)

    @property
    def dut_url(self) -> str:
        return str(self.server.url)

    def resources(self) -> Any:
        from tinybench_gui.bench import serial_dut_resources

        res = serial_dut_resources(self.server.url, self.server.baud_rate)
        res.provenance["dut"]["simulated"] = True
        return res

    def close(self) -> None:
        self.feed.stop()
        self.server.stop()


def monitored_bench(sample_rate_hz: float = 100_000.0) -> MonitoredSimBench:
    """SimDut on a pty, acting in a SimWorld that a WorldFeed samples into an Acquisition."""
    from tinybench_gui.devices.sim.clock import SimClock
    from tinybench_gui.devices.sim.serve import SimDutServer
    from tinybench_gui.devices.sim.sim_dut import SimDut
    from tinybench_gui.devices.sim.world import SimWorld
    from tinybench_gui.streams.acquisition import Acquisition
    from tinybench_gui.streams.ring_buffer import SampleRing
    from tinybench_gui.testing.world_feed import WorldFeed

    clock = SimClock(realtime=True)
    world = SimWorld(clock=clock.now_s)
    world.set_power(True, voltage_v=1.8)
    dut = SimDut("ad01", clock=clock, activity=world, inference_pin=True)
    server = SimDutServer(dut, transport="pty").start()
    acquisition = Acquisition(
        SampleRing(int(sample_rate_hz * 120), with_voltage=True),
        supply_voltage_v=1.8,
        lines=(0, 1),
    )
    feed = WorldFeed(world, acquisition, sample_rate_hz=sample_rate_hz).start()
    return MonitoredSimBench(
        server,
        world,
        feed,
        acquisition,
        description={"benchmark": "ad01", "board_profile": dut.profile.name, "energy_mode": False},
    )


def main() -> int:
    """Drive the window and save the screens."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    import pyqtgraph as pg
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from tinybench_gui.gui.main_window import MainWindow
    from tinybench_gui.gui.qt_bridge import QtBridge
    from tinybench_gui.gui.session import GuiSession
    from tinybench_gui.storage.records import Samples, TimedWindow, TranscriptLine
    from tinybench_gui.storage.writer import RunWriter

    app = QApplication.instance() or QApplication(["tinybench-gui"])
    pg.setConfigOptions(antialias=True, foreground="k")
    saved: list[Path] = []

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def shot(widget: Any, name: str) -> None:
        pump(0.3)
        path = args.out / f"{name}.png"
        widget.grab().save(str(path))
        saved.append(path)
        print(f"saved {path.relative_to(ROOT)}")

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        bench = monitored_bench()
        bridge = QtBridge()
        session = GuiSession(bridge, bench=bench, results_root=tmp_path / "runs")
        window = MainWindow(session, settings)
        window.resize(1600, 1000)
        window.show()
        run_file = tmp_path / "ad01-performance.h5"
        writer = RunWriter.create(
            run_file,
            {"mode": "performance", "model": "ad01", "supply_voltage_v": 1.8, "simulated": True},
        )
        fs = bench.feed.sample_rate_hz
        ring = bench.acquisition.ring
        cursor = ring.end_index

        def record() -> None:
            nonlocal cursor
            read = ring.read_since(cursor)
            cursor = read.cursor
            v = read.view
            if len(v):
                writer.append_samples(
                    Samples(
                        v.first_sample_index,
                        fs,
                        {"current_a": v.current_a, "voltage_v": v.voltage_v, "digital": v.digital},
                    )
                )

        window.run_panel.auto_iterations.setChecked(True)
        window.run_panel.min_window.setValue(10.0)
        window.run_panel.start()
        session.attach_acquisition(bench.acquisition)
        window.trace.set_source(session.live)
        window.trace.span_s = 2.0
        t_start = time.monotonic()
        while session.running and time.monotonic() - t_start < 240:
            pump(0.2)
            record()
            if 6.0 < time.monotonic() - t_start < 6.3 and not any("live" in p.name for p in saved):
                shot(window, "live-trace")
        pump(0.5)
        record()
        for entry in window.log_view.entries:
            writer.add_transcript(
                TranscriptLine(entry.host_time_s, entry.source, entry.direction, entry.text)
            )
        writer.flush()
        print("transcript written:", writer.failure or "ok")
        offset = session.live._offset_s or 0.0
        done = {w.index: w.iterations for w in window.results_view.windows}
        for a, b, i in session.timeline.windows:
            writer.add_window(
                TimedWindow(
                    window=i,
                    iterations=done.get(i, 0),
                    runtime_s=b - a,
                    start_sample=int((a - offset) * fs),
                    stop_sample=int((b - offset) * fs),
                )
            )
        writer.flush()
        print("windows written:", writer.failure or "ok")
        writer.close("complete")
        window.docks["Results"].raise_()
        shot(window, "results")
        window.docks["Log"].raise_()
        window.log_view.search.setText("m-lap")
        shot(window, "log")
        window.log_view.search.setText("")
        # Markers on an inference, jumped to from the Markers panel.
        window.docks["Markers"].raise_()
        window.trace.show_range(*_middle(session))
        window.markers_panel.jump("inference", +1)
        pump(1.0)
        shot(window, "markers")
        # Spike hunting: inject a spike into the rail and arm a current trigger.
        window.trace.set_follow(True)
        window.docks["Spike hunting"].raise_()
        window.spike_panel.threshold.setValue(25.0)
        window.spike_panel.pre.setValue(0.02)
        window.spike_panel.set_armed(True)
        now = bench.world.clock()
        bench.world.inject_spikes([now + 0.3], 0.004, 0.03)
        pump(1.5)
        shot(window, "spike-hunting")
        # Review of the recorded file.
        view = window.open_run(run_file)
        pump(2.0)
        if view is not None:
            view.show_all()
        pump(1.0)
        shot(window, "review")
        window.docks["Bench"].raise_()
        session.live.running = False
        window.close()
        pump(0.5)
        print(f"{len(saved)} screenshots")
    return 0


def _middle(session: Any) -> tuple[float, float]:
    windows = session.timeline.windows
    if windows:
        a, b, _ = windows[len(windows) // 2]
        mid = (a + b) / 2
        return mid - 0.05, mid + 0.05
    return 1.0, 1.1


if __name__ == "__main__":
    raise SystemExit(main())
