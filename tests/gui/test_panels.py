"""Bench, Log, Results and Spike hunting panels with an injected session or source."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtWidgets import QApplication

from tinybench_gui.devices.discovery import DetectedDevice, PortInfo
from tinybench_gui.devices.probing import ProbeResult
from tinybench_gui.devices.transport import TranscriptEntry
from tinybench_gui.devices.watcher import DeviceEvent
from tinybench_gui.gui.panels.bench_panel import BenchPanel
from tinybench_gui.gui.panels.spike_panel import SpikePanel
from tinybench_gui.gui.sources import LiveSource
from tinybench_gui.gui.timeline import Timeline
from tinybench_gui.gui.units import format_si
from tinybench_gui.gui.views.log_view import LogView
from tinybench_gui.gui.views.results_view import ResultsView
from tinybench_gui.gui.views.trace_view import TraceView
from tinybench_gui.runner.results import RunSummary, WindowResult


def test_bench_panel_says_simulated_and_lists_detected(qtbot: Any, sim_session: Any) -> None:
    panel = BenchPanel(sim_session)
    qtbot.addWidget(panel)
    assert "SIMULATED" in panel.banner.text()
    rows = panel.devices()
    assert rows[0].simulated
    assert rows[0].kind == "dut"
    assert rows[0].build_mode == "performance"
    assert rows[0].port == sim_session.bench.dut_url
    probe = ProbeResult(
        status="identified",
        url="/dev/ttyACM7",
        role="dut",
        baud_rate=115200,
        model="kws01",
        build_mode="energy",
        banner=("m-timestamp-mode-energy",),
    )
    device = DetectedDevice(PortInfo("/dev/ttyACM7", serial_number="0670FF"), (), probe)
    panel.on_device_event(DeviceEvent("added", device))
    item = panel.tree.topLevelItem(len(rows))
    assert item.text(3) == "/dev/ttyACM7"
    assert item.text(4) == "0670FF"
    assert item.text(6) == "energy"
    assert "kws01" in item.text(5)
    panel.tree.setCurrentItem(item)
    assert sim_session.selected_dut == ("/dev/ttyACM7", 115200)
    panel.on_device_event(DeviceEvent("removed", device))
    assert panel.tree.topLevelItemCount() == len(rows)


def test_log_filters_by_source_and_searches(qtbot: Any) -> None:
    log = LogView()
    qtbot.addWidget(log)
    t = time.time()
    log.set_origin(t)
    log.add(TranscriptEntry(t + 0.1, "dut", "tx", "name"))
    log.add(TranscriptEntry(t + 0.2, "dut", "rx", "m-name-dut-[unspecified]"))
    log.add(TranscriptEntry(t + 0.3, "app", "rx", "Calibrated: 10 ms"))
    assert log.shown_text().count("\n") == 2
    log.source.setCurrentIndex(log.source.findData("app"))
    assert log.shown_text().strip().endswith("Calibrated: 10 ms")
    assert "m-name" not in log.shown_text()
    log.source.setCurrentIndex(0)
    log.search.setText("M-NAME")
    assert log.shown_text().count("\n") == 0
    assert "m-name-dut" in log.shown_text()


def test_results_show_windows_median_official_lines_and_confusion(
    qtbot: Any, tmp_path: Any
) -> None:
    view = ResultsView()
    qtbot.addWidget(view)
    summary = RunSummary(mode="accuracy", model="ic01", score=0.5, score_unit="%")
    summary.windows = [
        WindowResult(i, f"in{i}", 100, 10, 10.0 + i, energy_j=1e-3 * i, power_w=1e-3)
        for i in range(1, 6)
    ]
    summary.report_lines = ["Median throughput is 8.333 inf./sec."]
    summary.metrics = {"confusion_matrix": [[3, 1], [0, 4]], "class_names": ["cat", "dog"]}
    view.show_summary(summary)
    assert view.table.rowCount() == 6
    assert view.table.item(5, 0).text() == "median"
    assert view.table.item(5, 3).text() == "13.000"
    assert view.official.toPlainText() == "Median throughput is 8.333 inf./sec."
    assert view.confusion.item(0, 1).text() == "1"
    tsv = view.as_tsv()
    assert tsv.splitlines()[0].startswith("window\tinput")
    view.copy()
    assert QApplication.clipboard().text() == tsv
    out = tmp_path / "r.csv"
    view.save(out)
    assert out.read_text().splitlines()[1].startswith("1,in1,100,11.000,9.091,10.000,1.000")


def test_run_panel_shows_phase_step_and_time_left(qtbot: Any, sim_session: Any) -> None:
    from tinybench_gui.gui.panels.run_panel import RunPanel
    from tinybench_gui.runner.events import ProgressMade
    from tinybench_gui.runner.state import RunnerStatus, RunState

    panel = RunPanel(sim_session)
    qtbot.addWidget(panel)
    status = RunnerStatus(RunState.MEASURING, step=2, steps=5, detail="in2.bin", eta_s=75.2)
    panel.on_event(ProgressMade(status))
    assert panel.phase.text() == "measuring: in2.bin"
    assert panel.step.text() == "2/5"
    assert panel.eta.text() == "about 1 min 15 s left"
    assert panel.progress.maximum() == 5


def test_distribution_of_energy_and_latency_per_inference(qtbot: Any) -> None:
    import numpy as np

    view = ResultsView()
    qtbot.addWidget(view)
    rng = np.random.default_rng(2)
    latencies = 0.01 + 1e-4 * rng.standard_normal(200)
    energies = 50e-6 + 1e-6 * rng.standard_normal(200)
    view.set_inferences(
        [
            (k * 0.02, k * 0.02 + d, e)
            for k, (d, e) in enumerate(zip(latencies, energies, strict=True))
        ]
    )
    assert "200 inferences" in view.hist_note.text()
    assert f"median {format_si(float(np.median(energies)), 'J')}" in view.hist_note.text()
    view.hist_kind.setCurrentIndex(1)  # latency
    median_s = float(np.median([k * 0.02 + d - k * 0.02 for k, d in enumerate(latencies)]))
    assert f"median {format_si(median_s, 's')}" in view.hist_note.text()


def test_spike_trigger_freezes_view_and_places_markers(qtbot: Any, fed: Any) -> None:
    world, acq, _feed = fed
    timeline = Timeline()
    timeline.clear(time.time())
    source = LiveSource(timeline, acq)
    source.running = True
    view = TraceView(source)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: acq.ring.end_index > 20_000, timeout=5000)
    panel = SpikePanel()
    qtbot.addWidget(panel)
    panel.set_view(view)
    panel.threshold.setValue(25.0)
    panel.pre.setValue(0.01)
    panel.set_armed(True)
    qtbot.wait(200)
    assert panel.events == 0  # idle current is far below 25 mA
    world.inject_spikes([world.clock() + 0.1], 0.003, 0.04)
    qtbot.waitUntil(lambda: panel.events == 1, timeout=5000)
    assert not view.follow
    assert not panel.arm_button.isChecked()
    a, b = view.marker_span()
    assert b - a == __import__("pytest").approx(0.003, abs=1e-4)
    t0, t1 = view.view_range()
    assert t0 <= a - 0.0099
    assert t1 >= b
    assert "triggered" in panel.state.text()


def test_energy_trigger_fires_on_an_inference_above_k_times_the_median(
    qtbot: Any, fed: Any
) -> None:
    world, acq, _feed = fed
    timeline = Timeline()
    timeline.clear(time.time())
    source = LiveSource(timeline, acq)
    source.running = True
    view = TraceView(source)
    qtbot.addWidget(view)
    view.show()
    panel = SpikePanel()
    qtbot.addWidget(panel)
    panel.set_view(view)
    panel.kind.setCurrentIndex(panel.kind.findData("energy"))
    panel.factor.setValue(1.5)
    panel.pre.setValue(0.005)
    panel.set_armed(True)
    t = world.clock() + 0.2
    starts = [t + k * 0.02 for k in range(12)]
    for a in starts:
        world.inference(a, a + 0.01)
    world.inject_spikes([starts[8] + 0.002], 0.004, 0.04)  # ~3x the energy of the others
    qtbot.waitUntil(lambda: panel.events == 1, timeout=10_000)
    a, b = view.marker_span()
    inferences = source.marks().inferences
    top = max(inferences, key=lambda x: x[2])
    assert (a, b) == __import__("pytest").approx(top[:2])  # the spiked one, in trace time
    assert b - a == __import__("pytest").approx(0.01, abs=5e-4)
    assert top[2] > 1.5 * sorted(e for _, _, e in inferences)[len(inferences) // 2]
    assert "median" in panel.state.text()
    assert not view.follow


def test_bench_panel_lists_the_simulated_energy_bench(qtbot: Any, bridge: Any) -> None:
    from tinybench_gui.devices.sim.sim_bench import SimBench
    from tinybench_gui.gui.session import GuiSession

    energy_bench = SimBench("ppk2", benchmark="kws01", realtime=False, wire_time=False)
    session = GuiSession(bridge, energy_bench=energy_bench)
    try:
        panel = BenchPanel(session)
        qtbot.addWidget(panel)
        kinds = [d.kind for d in panel.devices()]
        assert kinds == ["dut", "io_board", "energy_monitor"]
        assert all(d.simulated for d in panel.devices())
        assert panel.tree.topLevelItem(2).text(3) == energy_bench.monitor_url
        assert "SIMULATED" in panel.banner.text()
    finally:
        session.close()
