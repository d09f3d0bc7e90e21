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
    """The session for these arguments, without a bench yet: nothing here touches a model,
    a port or the network (the simulated bench starts on a worker, ``bench_startup``)."""
    from tinybench_gui.gui.session import GuiSession

    held: list[Any] = []  # the session, once built: the watcher asks it which ports it holds
    watcher_factory = None
    if not args.no_watch:
        from tinybench_gui.devices.watcher import DeviceWatcher

        def watcher_factory(callback: Any) -> Any:
            return DeviceWatcher(
                callback,
                poll_period_s=2.0,
                in_use=lambda: held[0].in_use() if held else [],
            )

    session = GuiSession(bridge, watcher_factory=watcher_factory, results_root=args.results_dir)
    held.append(session)
    return session


def sim_spec(args: argparse.Namespace) -> Any:
    """The simulated bench the command line asks for."""
    from tinybench_gui.gui.bench_startup import SimBenchSpec

    return SimBenchSpec(args.benchmark, args.energy_benchmark, args.monitor)


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
    if args.sim:
        # The window is up; the simulated bench (and its models) come from a worker.
        from tinybench_gui.gui.bench_startup import BenchStarter

        window.bench_starter = BenchStarter(window, sim_spec(args))
        window.bench_starter.start(offer_models=not args.quit_after_show)
    for run in args.runs:
        window.open_run(run)
    if not args.quit_after_show:
        # First run (issue 9): the tour once; the model setup while reference models are
        # missing (with --sim the bench starter offers it, and starts the bench after it).
        from tinybench_gui.gui.first_run import start_first_run

        start_first_run(window, offer_models=not args.sim)
    if args.quit_after_show:
        QTimer.singleShot(200, window.close)
    return int(app.exec())


if __name__ == "__main__":
    raise SystemExit(main())
