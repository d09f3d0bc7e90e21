"""RunRecorder turns run events into run-file rows (energy windows carry sample indices)."""

from __future__ import annotations

from pathlib import Path

from tinybench_gui.runner.events import RunFinished, WindowFinished
from tinybench_gui.runner.plan import Mode, RunPlan
from tinybench_gui.runner.recorder import RunRecorder
from tinybench_gui.runner.results import RunSummary, WindowResult
from tinybench_gui.runner.state import RunState
from tinybench_gui.storage.reader import load_run


def test_energy_window_extra_becomes_sample_indices_and_validity(tmp_path: Path) -> None:
    plan = RunPlan(mode=Mode.ENERGY, results_dir=tmp_path / "r", benchmark="kws01")
    plan.results_dir.mkdir()
    (plan.results_dir / "results.txt").write_text("Median energy cost is 9.5000 uJ/inf.\n")
    (plan.results_dir / "energy_inf_000.png").write_bytes(b"\x89PNG...")
    recorder = RunRecorder(tmp_path / "e.h5", plan, {"energy_monitor": "lpm01a"})
    good = WindowResult(
        1,
        "tst_000000_Stop_7.bin",
        250,
        1,
        12.0,
        energy_j=2.4e-3,
        power_w=2e-4,
        extra={"start_sample": 1000, "stop_sample": 13000},
    )
    bad = WindowResult(
        2,
        "tst_000001_Stop_7.bin",
        250,
        1,
        0.0,
        extra={"problem": "3 timestamp pulses where 2 were expected"},
    )
    recorder(WindowFinished(good))
    recorder(WindowFinished(bad))
    summary = RunSummary(mode="energy", model="kws01", score=9.5, score_unit="uJ/inf.")
    summary.errors.append("ERROR: Not valid for submission.")
    recorder(RunFinished(RunState.DONE, None, summary))
    with load_run(tmp_path / "e.h5") as run:
        w = run.table("windows")
        assert w["start_sample"].tolist() == [1000, -1]
        assert w["stop_sample"].tolist() == [13000, -1]
        assert w["valid"].tolist() == [True, False]
        assert "3 timestamp pulses" in w["note"][1]
        assert run.results[0].name == "median_energy_per_inference"
        assert not run.results[0].valid
        assert set(run.artifacts) == {"results.txt", "energy_inf_000.png"}
        assert run.provenance["energy_monitor"] == "lpm01a"
        assert run.status.state.value == "complete"
