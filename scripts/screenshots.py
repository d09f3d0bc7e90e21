"""Screenshots of the workstation's main screens, on the simulated bench.

Run under Xvfb so the real window system (xcb) renders them:

    xvfb-run -a env QT_QPA_PLATFORM=xcb python scripts/screenshots.py

It opens the real window on the simulated bench (a performance DUT, and the
energy bench: DUT behind an interface board, measured by a simulated PPK2 whose
real driver reads its bytes), drives an energy run, hunts a spike, then reviews
the run file, and saves PNGs into ``docs/screenshots/``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TINYBENCH_MODEL_PATH", str(ROOT.parent / "shared" / "mlperf_tiny"))


def main() -> int:
    """Drive the window and save the screens."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--min-window-s", type=float, default=10.0)
    parser.add_argument(
        "--devices-only", action="store_true", help="only the Bench, Flash and diagnostics shots"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    import pyqtgraph as pg
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from tinybench_gui.bench import simulated_bench
    from tinybench_gui.devices.sim.sim_bench import SimBench
    from tinybench_gui.gui.main_window import MainWindow
    from tinybench_gui.gui.qt_bridge import QtBridge
    from tinybench_gui.gui.session import GuiSession
    from tinybench_gui.runner.plan import Mode

    app = QApplication.instance() or QApplication(["tinybench-gui"])
    pg.setConfigOptions(antialias=True, foreground="k")
    saved: list[Path] = []

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def shot(widget: Any, name: str) -> None:
        pump(0.5)
        path = args.out / f"{name}.png"
        widget.grab().save(str(path))
        saved.append(path)
        print(f"saved {path.relative_to(ROOT)}")

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        bridge = QtBridge()
        session = GuiSession(
            bridge,
            bench=simulated_bench("kws01"),
            energy_bench=SimBench("ppk2", benchmark="ad01", wire_time=False),
            results_root=tmp_path / "runs",
        )
        window = MainWindow(session, settings)
        window.resize(1600, 1000)
        window.show()
        pump(0.5)
        if args.devices_only:
            device_screens(window, session, shot, pump, tmp_path)
            window.close()
            pump(0.5)
            return 0
        panel = window.run_panel
        panel.mode.setCurrentIndex(panel.mode.findData(Mode.ENERGY))
        panel.min_window.setValue(args.min_window_s)
        panel.auto_iterations.setChecked(True)
        panel.start()
        window.trace.span_s = 0.5
        started = time.monotonic()
        live_taken = False
        while session.running and time.monotonic() - started < 400:
            pump(0.2)
            if not live_taken and "measuring" in panel.phase.text() and panel.step.text() == "2/5":
                pump(2.0)
                shot(window, "live-trace")
                live_taken = True
        pump(1.0)
        window.docks["Results"].raise_()
        window.results_view.tabs.setCurrentIndex(1)
        shot(window, "results")
        window.docks["Log"].raise_()
        window.log_view.search.setText("m-")
        shot(window, "log")
        window.log_view.search.setText("")
        window.docks["Results"].raise_()
        # Markers on an inference, jumped to from the Markers panel.
        window.docks["Markers"].raise_()
        windows = session.timeline.windows
        if windows:
            # The last window is still in the live buffer (a ring of recent samples).
            a, b, _ = windows[-1]
            window.trace.show_range((a + b) / 2 - 0.03, (a + b) / 2 - 0.02)
        window.markers_panel.jump("inference", +1)
        pump(1.5)
        shot(window, "markers")
        # Spike hunting: the monitor keeps streaming after the run? No: arm on a new run.
        window.docks["Spike hunting"].raise_()
        spike = window.spike_panel
        spike.kind.setCurrentIndex(0)
        spike.threshold.setValue(30.0)
        spike.pre.setValue(0.005)
        panel.min_window.setValue(1.0)
        panel.windows.setValue(1)
        panel.start()
        while session.live.ring is None and time.monotonic() - started < 500:
            pump(0.2)
        pump(1.0)
        spike.set_armed(True)
        world = session.energy_bench.world
        world.inject_spikes([world.clock() + 1.0], 0.0015, 0.045)
        pump(3.0)
        shot(window, "spike-hunting")
        panel.stop()
        while session.running and time.monotonic() - started < 600:
            pump(0.2)
        # Review of the first run's file.
        runs = sorted((tmp_path / "runs").glob("*/*.h5"))
        if runs:
            view = window.open_run(runs[0])
            pump(3.0)
            if view is not None:
                view.show_all()
            pump(1.5)
            window.docks["Markers"].raise_()
            shot(window, "review")
        device_screens(window, session, shot, pump, tmp_path)
        window.close()
        pump(1.0)
        print(f"{len(saved)} screenshots")
    return 0


def device_screens(window: Any, session: Any, shot: Any, pump: Any, tmp_path: Path) -> None:
    """The emulated board (real QEMU) in the Bench panel, its diagnostics, and the Flash
    dialog after flashing it with our kws01 build through the qemu route."""
    from tinybench_gui.devices.discovery import DetectOptions, detect
    from tinybench_gui.devices.watcher import DeviceEvent
    from tinybench_gui.gui.emulated_board import build_image

    os.environ["TINYBENCH_PORT_REGISTRY"] = str(tmp_path / "ports")
    os.environ["TINYBENCH_STATE_DIR"] = str(tmp_path / "state")
    from PySide6.QtCore import Qt

    panel = window.bench_panel
    window.docks["Bench"].raise_()
    window.docks["Run"].hide()  # the Bench panel gets the whole left column for this shot
    window.resizeDocks([window.docks["Bench"]], [900], Qt.Orientation.Vertical)
    panel.splitter.setSizes([260, 400])
    box = panel.emulated
    box.benchmark.setCurrentText("ad01")
    box.start()
    deadline = time.monotonic() + 300
    while box.state == "starting" and time.monotonic() < deadline:
        pump(0.2)
    if box.state != "running":
        print(f"emulated board did not start: {box.problem}")
        return
    for device in detect(comports=list, options=DetectOptions(include_usb_only=False)):
        panel.on_device_event(DeviceEvent("added", device))
    for i in range(panel.tree.topLevelItemCount()):
        item = panel.tree.topLevelItem(i)
        if item.text(3) == box.url:
            panel.tree.setCurrentItem(item)
    view = panel.actions.diagnostics
    view.run()
    deadline = time.monotonic() + 60
    while view.running and time.monotonic() < deadline:
        pump(0.2)
    view.tree.expandAll()
    shot(window, "bench-diagnostics")
    window.docks["Run"].show()
    dialog = panel.actions.open_flash_dialog()
    if dialog is None:
        return
    dialog.resize(860, 640)
    dialog.set_firmware(build_image("kws01"))
    deadline = time.monotonic() + 30
    while not dialog.flash_button.isEnabled() and time.monotonic() < deadline:
        pump(0.1)
    shot(dialog, "flash-dialog-check")
    dialog.start_flash()
    deadline = time.monotonic() + 120
    while dialog.flash_result is None and time.monotonic() < deadline:
        pump(0.1)
    shot(dialog, "flash-dialog-done")
    dialog.close()
    box.stop()
    pump(0.5)


if __name__ == "__main__":
    raise SystemExit(main())
