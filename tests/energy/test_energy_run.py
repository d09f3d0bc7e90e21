"""Energy mode end to end on the simulated bench: real drivers, real ptys, real run files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinybench_gui.bench import simulated_energy_resources
from tinybench_gui.devices.sim.sim_bench import SimBench
from tinybench_gui.runner.energy_report import NOT_VALID, TOO_SHORT
from tinybench_gui.runner.events import RunEvent, WindowFinished
from tinybench_gui.runner.plan import Mode, RunPlan
from tinybench_gui.runner.recorder import RunRecorder
from tinybench_gui.runner.runner import Runner
from tinybench_gui.runner.state import RunState
from tinybench_gui.storage.reader import load_run


def run_energy(
    bench: SimBench,
    tmp_path: Path,
    *,
    windows: int = 5,
    min_window_s: float = 0.3,
    iterations: int | None = None,
    on_window=None,
):
    plan = RunPlan(
        Mode.ENERGY,
        tmp_path / "run",
        windows=windows,
        min_window_s=min_window_s,
        iterations=iterations,
    )
    resources = simulated_energy_resources(bench, line_timeout_s=2.0)
    recorder = RunRecorder(tmp_path / "run.h5", plan, resources.provenance)
    resources.devices["run_writer"] = recorder.writer
    runner = Runner()
    runner.subscribe(recorder)
    if on_window is not None:

        def hook(event: RunEvent) -> None:
            if isinstance(event, WindowFinished):
                on_window(event.window.index)

        runner.subscribe(hook)
    summary = runner.run(plan, resources)
    return runner, summary, recorder.path


def sim(monitor: str, **kw) -> SimBench:
    return SimBench(
        monitor, benchmark="kws01", profile="fast-m7", realtime=False, wire_time=False, **kw
    )


def test_ppk2_energy_run_matches_the_world(tmp_path: Path) -> None:
    with sim("ppk2") as bench:
        runner, summary, path = run_energy(bench, tmp_path)
        truths = bench.world.truth_windows()
    assert runner.last_state == RunState.DONE
    windows = summary.windows
    # Calibration windows come first in the world; the last 5 are the timed windows.
    for window, truth in zip(windows, truths[-5:], strict=True):
        assert window.iterations == truth.inferences
        assert window.energy_j == pytest.approx(truth.energy_j, rel=1e-3)
        assert window.runtime_s == pytest.approx(truth.duration_s, abs=2e-5)
        assert window.extra["per_inference"]["count"] == window.iterations
        assert window.extra["edge_polarity"] == "falling"
    assert summary.score == pytest.approx(
        sorted(w.energy_j / w.iterations * 1e6 for w in windows)[2]
    )
    # Short windows for a quick test: flagged exactly as the official runner does.
    assert summary.errors == [TOO_SHORT]
    text = (tmp_path / "run" / "results.txt").read_text()
    assert "Median energy cost is" in text
    assert "Energy data for trial 5" in text
    assert "set-point" in text
    pngs = sorted(p.name for p in (tmp_path / "run").glob("energy_inf_*.png"))
    assert pngs == [f"energy_inf_{k:03d}.png" for k in range(5)]
    assert (tmp_path / "run" / "energy_inf_000.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with load_run(path) as run:
        assert run.channels["current_a"].n_samples > 100_000
        assert run.table_rows("edges") >= 20
        assert run.table_rows("inferences") == sum(w.iterations for w in windows)


def test_lpm01a_energy_run_with_events(tmp_path: Path) -> None:
    with sim("lpm01a") as bench:
        runner, summary, _ = run_energy(bench, tmp_path, windows=2, min_window_s=1.0)
        truths = bench.world.truth_windows()[-2:]
        commands = bench.monitor_sim.commands
    assert runner.last_state == RunState.DONE
    assert "eventsrc d7 fal" in commands
    assert "pwr on nostatus" in commands
    for window, truth in zip(summary.windows, truths, strict=True):
        # 1 ms edges over 1 s windows: within 0.3 %.
        assert window.energy_j == pytest.approx(truth.energy_j, rel=3e-3)
    assert any("Per-inference figures not available" in n for n in summary.notes)


def test_js220_energy_run_measures_voltage(tmp_path: Path) -> None:
    with sim("js220") as bench:
        runner, summary, _ = run_energy(bench, tmp_path, windows=2, min_window_s=0.2)
        truths = bench.world.truth_windows()[-2:]
    assert runner.last_state == RunState.DONE
    for window, truth in zip(summary.windows, truths, strict=True):
        assert window.energy_j == pytest.approx(truth.energy_j, rel=1e-3)
    assert not any("set-point" in n for n in summary.notes)
    assert summary.metrics["voltage_measured"] is True


def test_dut_without_m_ready_within_5_s(tmp_path: Path) -> None:
    with sim("ppk2", boot_delay_s=6.0) as bench:
        runner, _summary, path = run_energy(bench, tmp_path)
    assert runner.last_state == RunState.FAILED
    assert "no m-ready within 5 s of power-on" in (runner.status.reason or "")
    assert "ERROR: run failed" in (tmp_path / "run" / "results.txt").read_text()
    with load_run(path) as run:
        assert run.status.state.value == "failed"


def test_board_that_does_not_relay_the_boot_banner(tmp_path: Path) -> None:
    with sim("ppk2", io_board_relays_boot=False) as bench:
        runner, summary, _ = run_energy(bench, tmp_path, windows=1, iterations=10)
    assert runner.last_state == RunState.DONE
    assert summary.windows[0].energy_j is not None
    log = (tmp_path / "run" / "log.txt").read_text()
    assert "no boot banner was relayed, but the DUT answers `name`" in log


def test_board_answering_for_a_dut_that_is_not_there(tmp_path: Path) -> None:
    with sim("js220", dut_present=False) as bench:
        runner, _, _ = run_energy(bench, tmp_path)
    assert runner.last_state == RunState.FAILED
    assert "relayed 'name' but the DUT did not answer" in (runner.status.reason or "")


def test_missing_and_extra_timestamp_edges_invalidate_their_windows(tmp_path: Path) -> None:
    with sim("lpm01a") as bench:
        lpm = bench.monitor_sim

        def fault(index: int) -> None:
            if index == 1:
                lpm.suppress_events(1)
            elif index == 2:
                lpm.bounce_next_event()

        runner, summary, _ = run_energy(
            bench, tmp_path, windows=3, min_window_s=0.3, iterations=20, on_window=fault
        )
    assert runner.last_state == RunState.DONE
    assert not summary.valid
    assert "missing timestamp edge" in summary.windows[1].extra["problem"]
    assert summary.windows[1].energy_j is None
    assert "extra edge" in summary.windows[2].extra["problem"]
    assert any(e.startswith(f"{NOT_VALID}  Window 2") for e in summary.errors)
    assert any(e.startswith(f"{NOT_VALID}  Window 3") for e in summary.errors)


def test_monitor_that_stops_streaming_mid_run(tmp_path: Path) -> None:
    with sim("ppk2") as bench:
        ppk2 = bench.monitor_sim
        runner, summary, path = run_energy(
            bench,
            tmp_path,
            iterations=30,
            on_window=lambda index: ppk2.stall() if index == 1 else None,
        )
    assert runner.last_state == RunState.FAILED
    assert "stopped streaming" in (runner.status.reason or "")
    assert len(summary.windows) == 1
    text = (tmp_path / "run" / "results.txt").read_text()
    assert "Energy data for trial 1" in text
    assert "stopped streaming" in text
    with load_run(path) as run:
        # Every sample taken before the monitor stopped is in the run file.
        assert run.channels["current_a"].n_samples >= summary.windows[0].extra["stop_sample"]


def test_inferences_hit_by_spikes_are_flagged_as_outliers(tmp_path: Path) -> None:
    # 40 mA for 50 us: about 2 % of an inference's energy, but 5 times its peak current.
    with sim("js220", spike_rate_hz=30.0) as bench:
        runner, summary, _ = run_energy(bench, tmp_path, windows=1, iterations=60)
        world = bench.world
        t0, t1 = world.truth_windows()[-1].start.fall_s, world.truth_windows()[-1].stop.fall_s
        timed = [(a, b) for a, b in world.inferences if t0 <= a < t1]
        # Spikes wholly inside the time the inference pin is high (it drops 50 us early).
        width = world.model.spike_width_s
        hit = {
            k
            for k, (a, b) in enumerate(timed)
            if any(a <= s and s + width <= b - 50e-6 for s in world.spikes)
        }
        partial = {
            k for k, (a, b) in enumerate(timed) if any(a - width < s < b for s in world.spikes)
        }
    assert runner.last_state == RunState.DONE
    per = summary.windows[0].extra["per_inference"]
    assert per["count"] == 60
    assert hit, "the seed gave no spike inside the window"
    assert hit <= set(per["outlier_indices"]) <= partial


def test_range_saturation_invalidates_the_run(tmp_path: Path) -> None:
    from tinybench_gui.devices.sim.world import PowerModel

    # 1.5 A spikes: above the PPK2's 1 A measuring limit.
    model = PowerModel(spike_rate_hz=40.0, spike_current_a=1.5)
    with sim("ppk2", model=model) as bench:
        runner, summary, _ = run_energy(bench, tmp_path, windows=1, iterations=60)
    assert runner.last_state == RunState.DONE
    assert summary.metrics["saturated_samples"] > 0
    assert any("current range saturated" in e for e in summary.errors)
