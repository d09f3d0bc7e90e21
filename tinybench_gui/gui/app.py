"""Entry point of ``tinybench-gui``: builds the session (the bench) and the window."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(prog="tinybench-gui", description="The tinybench workstation")
    p.add_argument("runs", nargs="*", type=Path, help="run files to open for review")
    p.add_argument("--sim", action="store_true", help="open on the simulated bench (no hardware)")
    p.add_argument("--benchmark", default="kws01", help="the simulated DUT's benchmark")
    p.add_argument(
        "--energy-benchmark", default="ad01", help="the simulated energy bench's DUT benchmark"
    )
    p.add_argument(
        "--monitor",
        default="ppk2",
        choices=("ppk2", "lpm01a", "js220"),
        help="the simulated energy bench's monitor",
    )
    p.add_argument("--results-dir", type=Path, default=None, help="where runs are written")
    p.add_argument("--no-watch", action="store_true", help="do not poll for devices")
    p.add_argument("--quit-after-show", action="store_true", help="smoke test: open and quit")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    return p.parse_args(list(argv))


def build_session(args: argparse.Namespace, bridge: Any) -> Any:
    """The session for these arguments (the simulated bench with ``--sim``)."""
    from tinybench_gui.gui.session import GuiSession

    bench = None
    energy_bench = None
    problem = None
    if args.sim:
        from tinybench_gui.bench import simulated_bench

        try:
            bench = simulated_bench(args.benchmark)
            from tinybench_gui.devices.sim.sim_bench import SimBench

            energy_bench = SimBench(args.monitor, benchmark=args.energy_benchmark)
        except Exception as exc:  # the window still opens and says why
            problem = f"The simulated bench did not start: {exc}"
    watcher_factory = None
    if not args.no_watch:
        from tinybench_gui.devices.watcher import DeviceWatcher

        def watcher_factory(callback: Any) -> Any:
            return DeviceWatcher(callback, poll_period_s=2.0)

    session = GuiSession(
        bridge,
        bench=bench,
        energy_bench=energy_bench,
        watcher_factory=watcher_factory,
        results_root=args.results_dir,
    )
    if problem:
        session.message(problem)
        session.startup_problem = problem
    return session


def main(argv: Sequence[str] | None = None) -> int:
    """Open the workstation window; returns the exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from tinybench_gui import __version__

    if args.version:
        print(f"tinybench-gui {__version__}")  # noqa: T201
        return 0
    import pyqtgraph as pg
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from tinybench_gui.gui.main_window import MainWindow
    from tinybench_gui.gui.qt_bridge import QtBridge

    app = QApplication.instance() or QApplication(["tinybench-gui"])
    app.setApplicationName("tinybench")
    app.setOrganizationName("tinybench")
    pg.setConfigOptions(antialias=False, foreground="k")
    bridge = QtBridge()
    session = build_session(args, bridge)
    window = MainWindow(session)
    window.show()
    problem = getattr(session, "startup_problem", None)
    if problem and not args.quit_after_show:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.warning(window, "tinybench", problem)
    for run in args.runs:
        window.open_run(run)
    if not args.quit_after_show:
        # First run (issue 9): the tour once; the model setup while reference models are missing.
        from tinybench_gui.gui.first_run import start_first_run

        start_first_run(window)
    if args.quit_after_show:
        QTimer.singleShot(200, window.close)
    return int(app.exec())


if __name__ == "__main__":
    raise SystemExit(main())
