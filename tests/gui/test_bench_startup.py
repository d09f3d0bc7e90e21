"""The window opens before the simulated bench exists; models are never touched on the GUI
thread; missing models are offered and the bench starts once they are there (no restart)."""

from __future__ import annotations

import threading
import time
from typing import Any

from PySide6.QtWidgets import QDialog

from tinybench_gui.bench import simulated_bench
from tinybench_gui.gui.bench_startup import BenchStarter, SimBenchSpec
from tinybench_gui.gui.main_window import MainWindow
from tinybench_gui.gui.session import GuiSession
from tinybench_gui.runner.plan import Mode


def quick_bench(spec: SimBenchSpec) -> tuple[Any, Any]:
    return simulated_bench(spec.benchmark, realtime=False, wire_time=False), None


def test_bench_starts_on_a_worker_after_the_window_shows(
    qtbot: Any, bridge: Any, settings: Any, tmp_path: Any
) -> None:
    session = GuiSession(bridge, results_root=tmp_path / "runs")
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    gui_thread = threading.current_thread()
    threads: list[threading.Thread] = []
    release = threading.Event()

    def build(spec: SimBenchSpec) -> tuple[Any, Any]:
        threads.append(threading.current_thread())
        release.wait(10)  # a slow model lookup must not hold the window
        return quick_bench(spec)

    starter = BenchStarter(window, SimBenchSpec("ad01"), build=build, missing=list)
    t0 = time.monotonic()
    starter.start()
    assert time.monotonic() - t0 < 0.2
    assert session.bench is None
    qtbot.wait(50)  # the event loop runs while the bench is being built
    release.set()
    qtbot.waitUntil(lambda: starter.state == "ready", timeout=20000)
    assert threads
    assert threads[0] is not gui_thread
    assert session.bench is not None
    assert Mode.PERFORMANCE in session.modes()
    assert "SIMULATED" in window.bench_panel.banner.text()
    assert any(d.simulated for d in window.bench_panel.devices())
    assert "simulated bench" in window.windowTitle()
    idx = window.run_panel.mode.findData(Mode.PERFORMANCE)
    assert window.run_panel.mode.model().item(idx).isEnabled()
    assert session.bench.dut_url in session.in_use()  # the watcher never probes it
    session.close()


def test_missing_models_are_offered_then_the_bench_starts_without_restart(
    qtbot: Any, bridge: Any, settings: Any, tmp_path: Any
) -> None:
    session = GuiSession(bridge, results_root=tmp_path / "runs")
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    models_here = threading.Event()
    offered: list[QDialog] = []

    def missing() -> list[Any]:
        assert threading.current_thread() is not threading.main_thread()
        return [] if models_here.is_set() else ["ad01"]

    def offer(parent: Any, absent: list[Any]) -> QDialog:
        dialog = QDialog(parent)
        dialog.show()
        offered.append(dialog)
        return dialog

    starter = BenchStarter(
        window, SimBenchSpec("ad01"), build=quick_bench, missing=missing, offer=offer
    )
    starter.start()
    qtbot.waitUntil(lambda: starter.state == "waiting_for_models", timeout=10000)
    assert len(offered) == 1
    assert session.bench is None
    models_here.set()  # the user downloaded them in the dialog
    offered[0].accept()
    qtbot.waitUntil(lambda: starter.state == "ready", timeout=20000)
    assert session.bench is not None
    assert len(offered) == 1
    session.close()


def test_failure_is_said_not_raised(qtbot: Any, bridge: Any, settings: Any, tmp_path: Any) -> None:
    session = GuiSession(bridge, results_root=tmp_path / "runs")
    window = MainWindow(session, settings)
    qtbot.addWidget(window)

    def broken(spec: SimBenchSpec) -> tuple[Any, Any]:
        raise OSError("no pseudo-terminals left")

    starter = BenchStarter(window, SimBenchSpec(), build=broken, missing=list)
    starter.start()
    qtbot.waitUntil(lambda: starter.state == "failed", timeout=10000)
    assert "no pseudo-terminals left" in (session.startup_problem or "")
    assert starter.dialog.isVisible()
    starter.dialog.close()


def test_models_added_later_start_the_bench_without_a_dialog(
    qtbot: Any, bridge: Any, settings: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    import tinybench_gui.gui.bench_startup as startup

    monkeypatch.setattr(startup, "RECHECK_S", 0.2)
    session = GuiSession(bridge, results_root=tmp_path / "runs")
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    models_here = threading.Event()
    starter = BenchStarter(
        window,
        SimBenchSpec("ad01"),
        build=quick_bench,
        missing=lambda: [] if models_here.is_set() else ["ad01"],
    )
    starter.start(offer_models=False)  # as after "not now" in the setup dialog
    qtbot.waitUntil(lambda: starter.state == "waiting_for_models", timeout=10000)
    assert "waits for the reference models" in window.bench_panel.banner.text()
    qtbot.wait(500)
    assert starter.state == "waiting_for_models"  # looked again, still missing
    models_here.set()  # e.g. Help > Reference models… fetched them
    qtbot.waitUntil(lambda: starter.state == "ready", timeout=10000)
    assert session.bench is not None
    assert "no hardware" in window.bench_panel.banner.text()
    session.close()


def test_a_bench_arriving_after_close_is_closed(
    qtbot: Any, bridge: Any, settings: Any, tmp_path: Any
) -> None:
    session = GuiSession(bridge, results_root=tmp_path / "runs")
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    release = threading.Event()
    built: list[Any] = []

    def build(spec: SimBenchSpec) -> tuple[Any, Any]:
        release.wait(10)
        bench, energy = quick_bench(spec)
        built.append(bench)
        return bench, energy

    starter = BenchStarter(window, SimBenchSpec("ad01"), build=build, missing=list)
    starter.start()
    session.close()  # the user closed the window at once
    release.set()
    qtbot.waitUntil(lambda: starter.state == "closed", timeout=20000)
    assert session.bench is None
    server = built[0].dut_server
    assert server._stop.is_set()  # closed: its pty released
    assert server._master_fd == -1
