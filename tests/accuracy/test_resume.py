"""Resume: an interrupted accuracy run continues after its last completed file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tinybench_gui.bench import simulated_bench
from tinybench_gui.benchmarks.catalog import get_benchmark
from tinybench_gui.benchmarks.synth import synthesize
from tinybench_gui.cli.main import main
from tinybench_gui.runner.events import FileScored, RunEvent
from tinybench_gui.runner.journal import JOURNAL_NAME
from tinybench_gui.runner.plan import Mode, RunPlan
from tinybench_gui.runner.runner import Runner
from tinybench_gui.runner.state import RunState

FILES = 7


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ds")
    synthesize(get_benchmark("kws01"), root, count=FILES, seed=5)
    return root


def session(
    dataset: Path, results: Path, cancel_after: int | None = None
) -> tuple[Runner, list[FileScored]]:
    runner = Runner()
    scored: list[FileScored] = []

    def on_event(event: RunEvent) -> None:
        if isinstance(event, FileScored):
            scored.append(event)
            if cancel_after is not None and len(scored) == cancel_after:
                runner.cancel()

    runner.subscribe(on_event)
    plan = RunPlan(Mode.ACCURACY, results, benchmark="kws01", dataset_dir=dataset)
    with simulated_bench("kws01", realtime=False, wire_time=False) as bench:
        runner.run(plan, bench.resources())
    return runner, scored


def test_cancel_then_resume_scores_every_file_once(dataset: Path, tmp_path: Path) -> None:
    results = tmp_path / "run"
    first, scored = session(dataset, results, cancel_after=3)
    assert first.last_state == RunState.CANCELLED
    assert len(scored) == 3
    journal = (results / JOURNAL_NAME).read_text().splitlines()
    assert len(journal) == 1 + 3  # header + three completed files

    second, rescored = session(dataset, results)
    assert second.last_state == RunState.DONE, second.status.reason
    # Every file is reported (three replayed from the journal), each exactly once.
    assert [e.index for e in rescored] == list(range(FILES))
    log = (results / "log.txt").read_text()
    assert log.count("dut< db load 490%") == FILES - 3  # only the remaining files ran
    assert "Resuming from" in log
    assert (results / "log.session1.txt").is_file()  # the first session's log is kept
    records = json.loads((results / "results.json").read_text())
    assert sorted(r["file"] for r in records) == sorted({r["file"] for r in records})
    assert len(records) == FILES
    assert second.last_summary is not None
    assert second.last_summary.metrics["resumed_files"] == 3


def test_crash_cut_journal_line_is_redone(dataset: Path, tmp_path: Path) -> None:
    results = tmp_path / "run"
    first, _ = session(dataset, results, cancel_after=2)
    assert first.last_state == RunState.CANCELLED
    journal = results / JOURNAL_NAME
    lines = journal.read_bytes().splitlines(keepends=True)
    # A crash while writing the third entry leaves half a line behind.
    journal.write_bytes(
        b"".join(lines) + lines[-1][: len(lines[-1]) // 2].replace(b'"index":1', b'"index":2')
    )
    second, _ = session(dataset, results)
    assert second.last_state == RunState.DONE, second.status.reason
    assert (results / "log.txt").read_text().count("dut< db load 490%") == FILES - 2
    entries = [json.loads(x) for x in journal.read_text().splitlines()[1:]]
    assert [e["index"] for e in entries] == list(range(FILES))


def test_journal_of_another_dataset_is_refused(dataset: Path, tmp_path: Path) -> None:
    results = tmp_path / "run"
    first, _ = session(dataset, results, cancel_after=1)
    assert first.last_state == RunState.CANCELLED
    other = tmp_path / "other"
    synthesize(get_benchmark("kws01"), other, count=FILES, seed=6)
    second, scored = session(other, results)
    assert second.last_state == RunState.FAILED
    assert "belongs to another accuracy run" in (second.status.reason or "")
    assert "dataset_sha256" in (second.status.reason or "")
    assert scored == []


def test_cli_resume_needs_a_journal(tmp_path: Path, dataset: Path) -> None:
    code = main(
        ["run", "--dut", "sim", "--mode", "accuracy", "--benchmark", "kws01",
         "--dataset", str(dataset), "--resume", str(tmp_path)]
    )  # fmt: skip
    assert code == 1


def test_unplug_mid_run_then_resume_on_a_new_port(dataset: Path, tmp_path: Path) -> None:
    results = tmp_path / "run"
    plan = RunPlan(Mode.ACCURACY, results, benchmark="kws01", dataset_dir=dataset)
    runner = Runner()
    with simulated_bench("kws01", realtime=False, wire_time=False) as bench:
        scored: list[FileScored] = []

        def unplug_after_two(event: RunEvent) -> None:
            if isinstance(event, FileScored):
                scored.append(event)
                if len(scored) == 2:
                    bench.dut_server.stop()  # the board vanishes with its port

        runner.subscribe(unplug_after_two)
        runner.run(plan, bench.resources(line_timeout_s=1.0))
    assert runner.last_state == RunState.FAILED
    assert "/dev/" in (runner.status.reason or "")  # the message names the port
    second, rescored = session(dataset, results)
    assert second.last_state == RunState.DONE, second.status.reason
    assert [e.index for e in rescored] == list(range(FILES))
    assert (results / "log.txt").read_text().count("dut< db load 490%") == FILES - 2
