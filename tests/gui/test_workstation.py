"""The whole window: a run clicked through on the simulated bench, closing mid-run, review."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tinybench_gui.bench import simulated_bench
from tinybench_gui.gui.main_window import MainWindow
from tinybench_gui.gui.session import GuiSession
from tinybench_gui.storage import layout
from tinybench_gui.storage.reader import load_run
from tinybench_gui.storage.records import Samples, TimedWindow, TranscriptLine
from tinybench_gui.storage.writer import RunWriter


def test_click_through_a_performance_run(
    qtbot: Any, sim_session: GuiSession, settings: Any
) -> None:
    window = MainWindow(sim_session, settings)
    qtbot.addWidget(window)
    window.show()
    panel = window.run_panel
    panel.auto_iterations.setChecked(False)
    panel.iterations.setValue(40)
    panel.min_window.setValue(0.2)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert panel.stop_button.isEnabled()
    qtbot.waitUntil(
        lambda: not sim_session.running and panel.phase.text() == "done", timeout=60_000
    )
    table = window.results_view.table
    assert table.rowCount() == 6
    assert table.item(5, 0).text() == "median"
    assert [table.item(r, 2).text() for r in range(5)] == ["40"] * 5
    throughput = [float(table.item(r, 4).text()) for r in range(5)]
    assert all(t > 0 for t in throughput)
    folder = sim_session.last_results_dir
    assert folder is not None
    results = (folder / "results.txt").read_text()
    assert "Throughput" in results
    assert "Median throughput" in results
    records = json.loads((folder / "results.json").read_text())
    assert [r["infer"]["iterations"] for r in records] == [40] * 5
    assert [r["infer"]["throughput"] for r in records] == pytest.approx(throughput, rel=1e-3)
    assert "ERROR 2" in window.results_view.headline.text()  # 0.2 s windows are not valid
    assert panel.badges["length"].property("state") == "bad"
    assert panel.badges["count"].property("state") == "ok"
    assert "infer 40" in window.log_view.shown_text()
    tl = sim_session.timeline
    assert len(tl.windows) == 5
    assert any(a.text.startswith("m-lap-us") for a in tl.annotations)


def test_closing_during_a_run_asks_stops_and_leaves_files(
    qtbot: Any, bridge: Any, settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    bench = simulated_bench("kws01", realtime=True, wire_time=False)
    session = GuiSession(bridge, bench=bench, results_root=tmp_path / "runs")
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    window.run_panel.auto_iterations.setChecked(False)
    window.run_panel.iterations.setValue(1000)  # ~3 min per window: still running at close
    window.run_panel.start()
    qtbot.waitUntil(
        lambda: (
            "measuring" in window.run_panel.phase.text()
            or "warming" in window.run_panel.phase.text()
        ),
        timeout=30_000,
    )
    asked: list[str] = []

    def answer(*args: Any, **_kw: Any) -> QMessageBox.StandardButton:
        asked.append(args[1])
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    started = time.monotonic()
    window.close()
    assert asked == ["A run is in progress"]
    assert window.isVisible()  # waits for the run to finish its files, without blocking
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)
    assert time.monotonic() - started < 30
    folder = session.last_results_dir
    assert folder is not None
    assert "run cancelled" in (folder / "log.txt").read_text()
    assert "ERROR: run cancelled" in (folder / "results.txt").read_text()
    assert session.run_file is not None
    with load_run(session.run_file) as run:  # the HDF5 run file is complete and says why
        assert run.status.state == layout.RunState.CANCELLED
        assert not run.status.interrupted
        assert run.table("transcript").shape[0] > 0
    assert settings.value("window/state") is not None


def _run_file(path: Path, *, seconds: float, fs: float, spike_at_s: float) -> np.ndarray:
    rng = np.random.default_rng(4)
    n = int(seconds * fs)
    current = (2e-3 + 1e-4 * rng.standard_normal(n)).astype(np.float32)
    current[int(spike_at_s * fs)] = 0.05
    digital = np.ones(n, np.uint8)
    writer = RunWriter.create(path, {"mode": "energy", "model": "kws01"})
    for i in range(0, n, 50_000):
        writer.append_samples(
            Samples(
                i, fs, {"current_a": current[i : i + 50_000], "digital": digital[i : i + 50_000]}
            )
        )
    writer.add_window(
        TimedWindow(1, 10, 0.5, start_sample=int(0.2 * fs), stop_sample=int(0.7 * fs))
    )
    writer.add_transcript(TranscriptLine(1000.0, "dut", "tx", "infer 10 1"))
    writer.add_time_map(1000.0, 0)
    writer.close(layout.RunState.COMPLETE)
    return current


def test_review_opens_a_file_and_compares_aligned(
    qtbot: Any, sim_session: GuiSession, settings: Any, tmp_path: Path
) -> None:
    fs = 100_000.0
    a = tmp_path / "a.h5"
    b = tmp_path / "b.h5"
    current = _run_file(a, seconds=2.0, fs=fs, spike_at_s=1.234)
    _run_file(b, seconds=2.0, fs=fs, spike_at_s=0.5)
    window = MainWindow(sim_session, settings)
    qtbot.addWidget(window)
    window.show()
    view = window.open_run(a)
    assert view is not None
    assert window.tabs.count() == 2
    qtbot.waitUntil(
        lambda: view.envelope.getData()[0] is not None and len(view.envelope.getData()[0]) > 0,
        timeout=10_000,
    )
    _x, y = view.envelope.getData()
    assert np.nanmax(y) == pytest.approx(0.05)  # a one-sample spike survives the pyramid
    assert np.nanmin(y) == pytest.approx(float(current.min()), rel=1e-6)
    assert str(a) in window.recent_runs()
    assert "a.h5" in window.results_view.headline.text()
    view.set_markers(1.0, 1.5)
    window.markers_panel.set_view(view)
    view.set_markers(1.0, 1.5)
    qtbot.waitUntil(lambda: window.markers_panel.last is not None, timeout=10_000)
    s = window.markers_panel.last
    ref = current[int(1.0 * fs) : int(1.5 * fs)].astype(np.float64)
    assert s.mean_a == pytest.approx(ref.mean(), rel=1e-6)
    assert s.max_a == pytest.approx(0.05)
    window.open_run(b, compare_to=view)
    qtbot.waitUntil(
        lambda: view._overlay is not None and view._overlay.info is not None, timeout=10_000
    )
    qtbot.waitUntil(
        lambda: (
            view.overlay_curve.getData()[0] is not None and len(view.overlay_curve.getData()[0]) > 0
        ),
        timeout=10_000,
    )
    assert view._overlay.timeline.windows[0][0] == pytest.approx(view.source.timeline.windows[0][0])
    with load_run(a) as run:
        assert run.status.state == layout.RunState.COMPLETE


def _energy_run(qtbot: Any, bridge: Any, settings: Any, tmp_path: Path, *, realtime: bool) -> Any:
    """Click through a 5-window energy run on a simulated PPK2 bench; (window, session)."""
    from tinybench_gui.devices.sim.sim_bench import SimBench
    from tinybench_gui.runner.plan import Mode

    energy_bench = SimBench(
        "ppk2", benchmark="kws01", profile="fast-m7", realtime=realtime, wire_time=False
    )
    session = GuiSession(bridge, energy_bench=energy_bench, results_root=tmp_path / "runs")
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    panel = window.run_panel
    assert [panel.mode.itemData(i) for i in range(3) if panel.mode.model().item(i).isEnabled()] == [
        Mode.ENERGY
    ]
    panel.mode.setCurrentIndex(panel.mode.findData(Mode.ENERGY))
    panel.auto_iterations.setChecked(False)
    panel.iterations.setValue(30)
    panel.min_window.setValue(0.1)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.live.ring is not None, timeout=60_000)
    qtbot.waitUntil(
        lambda: not session.running and panel.phase.text() in ("done", "failed"), timeout=120_000
    )
    assert panel.phase.text() == "done", panel.message.text()
    return window, session


def test_click_through_an_energy_run(
    qtbot: Any, bridge: Any, settings: Any, tmp_path: Path
) -> None:
    window, session = _energy_run(qtbot, bridge, settings, tmp_path, realtime=False)
    panel = window.run_panel
    table = window.results_view.table
    assert table.rowCount() == 6
    energies = [float(table.item(r, 5).text()) for r in range(5)]  # µJ per inference
    assert all(e > 0 for e in energies)
    assert float(table.item(5, 5).text()) == pytest.approx(float(np.median(energies)), rel=1e-3)
    assert panel.badges["edges"].property("state") == "ok"
    assert panel.badges["drops"].property("state") == "ok"
    assert window.results_view.inferences  # per-inference distribution from the pin edges
    assert window.trace.frames > 0
    assert session.run_file is not None
    with load_run(session.run_file) as run:
        assert run.status.state == layout.RunState.COMPLETE
        assert "current_a" in run.channels
        windows = run.table("windows")
        assert windows.shape[0] == 5
        file_energy = windows["energy_j"] / windows["iterations"] * 1e6
        assert file_energy.tolist() == pytest.approx(energies, rel=1e-3)
    session.close()


def test_live_protocol_lines_land_on_the_samples_they_follow(
    qtbot: Any, bridge: Any, settings: Any, tmp_path: Path
) -> None:
    # In real time, as the workstation runs its simulated bench: the DUT pulses its
    # timestamp pin, then prints m-infer-start; on the live trace the line must come
    # just after the pulse, not before it nor a visible distance later.
    _window, session = _energy_run(qtbot, bridge, settings, tmp_path, realtime=True)
    marks = session.live.marks().timestamps_s
    starts = [a.t_s for a in session.timeline.annotations if "m-infer-start" in a.text]
    assert len(starts) == 5
    assert marks.shape[0] >= 10
    lags = np.array([t - marks[np.argmin(np.abs(marks - t))] for t in starts])
    # -3 ms: the simulated monitor starts sampling on its own command, a little after
    # the runner counts sample 0; 100 ms: the line's way back to the host under load.
    assert np.all((lags >= -0.003) & (lags <= 0.1)), lags
    assert np.median(lags) <= 0.03, lags
    session.close()


def test_click_through_an_accuracy_run(
    qtbot: Any, bridge: Any, settings: Any, tmp_path: Path
) -> None:
    from tinybench_gui.benchmarks.catalog import get_benchmark
    from tinybench_gui.benchmarks.synth import synthesize
    from tinybench_gui.runner.plan import Mode

    benchmark = get_benchmark("kws01")
    synthesize(benchmark, tmp_path / "ds", count=12, seed=3)
    bench = simulated_bench("kws01", realtime=False, wire_time=False)
    session = GuiSession(bridge, bench=bench, results_root=tmp_path / "runs")
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    panel = window.run_panel
    panel.mode.setCurrentIndex(panel.mode.findData(Mode.ACCURACY))
    panel.dataset.setText(str(tmp_path / "ds"))
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: not session.running and panel.phase.text() in ("done", "failed"), timeout=120_000
    )
    assert panel.phase.text() == "done", panel.message.text()
    view = window.results_view
    n = benchmark.num_classes
    assert view.confusion.rowCount() == n
    assert view.confusion.columnCount() == n
    total = sum(int(view.confusion.item(i, j).text()) for i in range(n) for j in range(n))
    assert total == 12
    assert "Top-1" in view.accuracy_note.text()
    assert "Top-1" in view.official.toPlainText() or "Top 1" in view.official.toPlainText()
    session.close()


def test_layout_and_recent_runs_persist_and_dropped_files_open(
    qtbot: Any, sim_session: GuiSession, settings: Any, tmp_path: Path
) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    run = tmp_path / "dropped.h5"
    _run_file(run, seconds=0.5, fs=10_000.0, spike_at_s=0.1)
    first = MainWindow(sim_session, settings)
    qtbot.addWidget(first)
    first.show()
    first.docks["Log"].hide()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(run))])
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    first.dropEvent(drop)
    assert first.tabs.count() == 2  # the live trace and the dropped run
    qtbot.waitUntil(lambda: str(run) in first.recent_runs(), timeout=10_000)  # once it opened
    first.close()
    second = MainWindow(sim_session, settings)  # the next launch
    qtbot.addWidget(second)
    second.show()
    assert second.docks["Log"].isHidden()
    assert not second.docks["Results"].isHidden()
    assert str(run) in second.recent_runs()
