"""Performance mode end to end: the CLI against the simulated DUT over a real pty."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tinybench_gui.bench import simulated_bench
from tinybench_gui.cli.main import main
from tinybench_gui.runner.events import PhaseChanged, RunEvent
from tinybench_gui.runner.plan import Mode, RunPlan
from tinybench_gui.runner.runner import Runner
from tinybench_gui.runner.state import RunState

# The submission checker's regex for performance results (benchmark.md §7), used with re.match.
CHECKER_THROUGHPUT = re.compile(r".* Median throughput is\s+([\d\.]+) inf\./sec\..*")


def test_cli_run_writes_the_official_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "session"
    code = main(
        ["run", "--dut", "sim", "--benchmark", "ic01", "--results-dir", str(out), "--no-wire-time"]
    )
    assert code == 0
    text = (out / "results.txt").read_text()
    matches = [CHECKER_THROUGHPUT.match(line) for line in text.splitlines()]
    figures = [float(m.group(1)) for m in matches if m]
    assert len(figures) == 1
    records = json.loads((out / "results.json").read_text())
    assert len(records) == 5
    throughputs = sorted(r["infer"]["throughput"] for r in records)
    assert figures[0] == pytest.approx(throughputs[2], abs=5e-4)  # the median, %10.3f
    for r in records:
        infer = r["infer"]
        assert set(r) >= {"file", "classes", "class", "bytes_to_send", "stride", "infer", "mode"}
        assert r["mode"] == "p"
        assert infer["elapsed_time"] >= 10_000_000  # each window at least 10 s of the DUT's time
        assert infer["throughput"] == pytest.approx(
            infer["iterations"] / (infer["elapsed_time"] / 1e6)
        )
        assert len(infer["results"]) == 10
    assert text.count("Runtime requirements have been met.") == 5
    log = (out / "log.txt").read_text()
    assert "dut< name%" in log
    assert "m-model-[ic01]" in log
    assert re.search(r"dut< infer \d+ 5%", log)  # W always explicit: the official IC warm-ups
    assert "Median throughput" in capsys.readouterr().out


def test_short_windows_are_not_valid_for_submission(tmp_path: Path) -> None:
    out = tmp_path / "s"
    code = main([
        "run", "--dut", "sim", "--benchmark", "ad01", "--iterations", "3", "--windows", "4",
        "--results-dir", str(out), "--no-wire-time",
    ])  # fmt: skip
    assert code == 3  # finished, but not valid for submission
    text = (out / "results.txt").read_text()
    assert "ERROR 1 - loop_count was not exactly 5." in text
    assert "ERROR 2 - loop exited before 10 seconds elapsed." in text
    assert "Runtime requirements have been met." not in text


def test_energy_build_is_refused_on_a_performance_run(tmp_path: Path) -> None:
    bench = simulated_bench("kws01", energy_mode=True, realtime=False, wire_time=False)
    runner = Runner()
    plan = RunPlan(mode=Mode.PERFORMANCE, results_dir=tmp_path / "r")
    runner.run(plan, bench.resources())
    bench.close()
    assert runner.last_state == RunState.FAILED
    assert "energy build" in (runner.status.reason or "")
    assert "EE_CFG_ENERGY_MODE 0" in (runner.status.reason or "")
    assert "infer" not in (tmp_path / "r" / "log.txt").read_text()  # refused before any inference


def test_a_model_mismatch_is_an_error(tmp_path: Path) -> None:
    bench = simulated_bench("vww01", realtime=False, wire_time=False)
    runner = Runner()
    plan = RunPlan(mode=Mode.PERFORMANCE, results_dir=tmp_path / "r", benchmark="kws01")
    runner.run(plan, bench.resources())
    bench.close()
    assert runner.last_state == RunState.FAILED
    assert "m-model-[vww01]" in (runner.status.reason or "")


def test_runner_thread_phases_cancel_and_return_to_idle(tmp_path: Path) -> None:
    bench = simulated_bench("kws01", realtime=False, wire_time=True)
    runner = Runner()
    states: list[RunState] = []

    def on_event(event: RunEvent) -> None:
        if isinstance(event, PhaseChanged):
            states.append(event.state)
            if event.state == RunState.MEASURING and states.count(RunState.MEASURING) == 2:
                runner.cancel()

    runner.subscribe(on_event)
    thread = runner.start(
        RunPlan(mode=Mode.PERFORMANCE, results_dir=tmp_path / "r"), bench.resources()
    )
    assert thread.is_alive()  # start() returned at once
    assert runner.wait(60)
    bench.close()
    assert runner.last_state == RunState.CANCELLED
    assert runner.status.state == RunState.IDLE
    assert states[:2] == [RunState.PREPARING, RunState.DOWNLOADING]
    assert RunState.WARMING_UP in states
    assert RunState.MEASURING in states
    records = json.loads((tmp_path / "r" / "results.json").read_text())
    assert len(records) == 2  # what it had is written


def test_the_help_lists_subcommands_and_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tinybench_gui", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in ("run", "sim", "detect", "perf"):
        assert re.search(rf"^\s+{name}\s", out, re.M)
    version = subprocess.run(
        [sys.executable, "-m", "tinybench_gui", "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert re.fullmatch(r"tinybench \d+\.\d+\.\d+\n", version)
