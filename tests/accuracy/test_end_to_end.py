"""Accuracy mode end to end: synthesized datasets, the simulated DUT over a real pty.

The DUT's per-file answers must equal LiteRT on the host (computed here with the
reference model directly), and the reported metric must equal the one computed
here from those answers, independently of tinybench's scoring code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinybench_gui.bench import simulated_bench
from tinybench_gui.benchmarks.catalog import get_benchmark
from tinybench_gui.benchmarks.datasets import load_dataset, split_windows
from tinybench_gui.benchmarks.processing import format_results, result_values, to_model_input
from tinybench_gui.benchmarks.synth import synthesize
from tinybench_gui.models.lookup import find_model
from tinybench_gui.models.reference import ReferenceModel
from tinybench_gui.runner.events import FileScored, RunEvent
from tinybench_gui.runner.plan import Mode, RunPlan
from tinybench_gui.runner.runner import Runner
from tinybench_gui.runner.state import RunState

TOP1_RE = re.compile(r".* Top[- ]1%?\s?[:=] ([\d\.]+).*")
AUC_RE = re.compile(r".* AUC\s?[:=] ([\d\.]+).*")
COUNTS = {"kws01": 14, "ic01": 10, "vww01": 4, "ad01": 3}


def host_answer(model: ReferenceModel, model_id: str, window: bytes) -> list[float]:
    """What the reference firmware prints, computed with LiteRT in the test."""
    b = get_benchmark(model_id)
    out = model.run(to_model_input(b, window, model.input))
    line = format_results(b, result_values(b, out, model.output, window))
    return [float(v) for v in line[len("m-results-[") : -1].split(",")]


def pairwise_auc(labels: list[int], scores: list[float]) -> float:
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    neg = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    return sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg) / (
        len(pos) * len(neg)
    )


def run_accuracy(
    model_id: str, dataset: Path, results: Path, **bench_options: Any
) -> tuple[Runner, list[FileScored]]:
    events: list[FileScored] = []
    runner = Runner()

    def collect(event: RunEvent) -> None:
        if isinstance(event, FileScored):
            events.append(event)

    runner.subscribe(collect)
    plan = RunPlan(Mode.ACCURACY, results, benchmark=model_id, dataset_dir=dataset)
    options = {"realtime": False, "wire_time": False, **bench_options}
    with simulated_bench(model_id, **options) as bench:
        runner.run(plan, bench.resources())
    return runner, events


@pytest.mark.parametrize("model_id", ["kws01", "ic01", "vww01", "ad01"])
def test_accuracy_run_matches_host_litert_and_independent_metric(
    model_id: str, tmp_path: Path
) -> None:
    benchmark = get_benchmark(model_id)
    synthesize(benchmark, tmp_path / "ds", count=COUNTS[model_id], seed=3)
    runner, events = run_accuracy(model_id, tmp_path / "ds", tmp_path / "run")
    assert runner.last_state == RunState.DONE, runner.status.reason
    summary = runner.last_summary
    assert summary is not None

    dataset = load_dataset(tmp_path / "ds", benchmark)
    model = ReferenceModel(find_model(benchmark.int8_model))
    records = json.loads((tmp_path / "run" / "results.json").read_text())
    assert [e.file for e in events] == [e.file for e in dataset.entries]

    # The DUT's answers, window by window, equal the host's LiteRT answers exactly.
    per_file: dict[str, list[list[float]]] = {}
    for r in records:
        per_file.setdefault(r["file"], []).append(r["infer"]["results"])
        assert r["mode"] == "a"
        assert r["infer"]["iterations"] == 1
        assert r["infer"]["warmups"] == 0
    for entry in dataset.entries:
        windows = split_windows(dataset.read(entry), entry)
        expected = [host_answer(model, model_id, w) for w in windows]
        assert per_file[entry.file] == expected

    labels = [e.label for e in dataset.entries]
    text = (tmp_path / "run" / "results.txt").read_text().splitlines()
    top1_lines = [m.group(1) for line in text if (m := TOP1_RE.match(line))]
    auc_lines = [m.group(1) for line in text if (m := AUC_RE.match(line))]
    assert len(top1_lines) == 1
    if model_id == "ad01":
        assert len(per_file[dataset.entries[0].file]) == 196
        scores = [float(np.mean([w[0] for w in per_file[e.file]])) for e in dataset.entries]
        expected_auc = pairwise_auc(labels, scores)
        assert summary.score == pytest.approx(expected_auc, abs=1e-12)
        assert auc_lines == [f"{expected_auc:.3f}"]
        assert [e.results[0] for e in events] == pytest.approx(scores, abs=1e-12)
    else:
        correct = 0
        for entry in dataset.entries:
            vector = per_file[entry.file][0]
            total = sum(vector)
            normalized = [v / total for v in vector]
            correct += int(normalized.index(max(normalized)) == entry.label)
        expected_top1 = 100 * correct / len(labels)
        assert summary.score == expected_top1
        assert top1_lines == [f"{expected_top1:2.1f}"]
        if len(set(labels)) == benchmark.num_classes:
            assert len(auc_lines) == 1
            assert summary.metrics["auc"] is not None
        else:  # roc_auc_score would raise: the report says why instead of a number
            assert auc_lines == []
            assert any("ROC curve is undefined: Number of classes" in line for line in text)
    host = summary.metrics["host_check"]
    assert host["files_identical"] == len(dataset.entries)
    assert host["disagreements"] == []
    assert all(e.agrees for e in events)


def test_wire_time_accounting_counts_every_byte(tmp_path: Path) -> None:
    benchmark = get_benchmark("kws01")
    synthesize(benchmark, tmp_path / "ds", count=3, seed=1)
    runner, _ = run_accuracy(
        "kws01", tmp_path / "ds", tmp_path / "run", wire_time=True, realtime=True,
        profile="fast-m7",
    )  # fmt: skip
    assert runner.last_state == RunState.DONE, runner.status.reason
    assert runner.last_summary is not None
    uart = runner.last_summary.metrics["uart"]
    # Bytes of one 490-byte download, counted here from the protocol: `db load 490%`,
    # its two reply lines, 16 chunks (15 x 31 + 25 bytes) each answered by m-ready,
    # and m-load-done after the last one.
    chunk_out = 15 * len("db " + "00" * 31 + "%") + len("db " + "00" * 25 + "%")
    per_file = (
        len("db load 490%") + len("m-[Expecting 490 bytes]\r\n") + len("m-ready\r\n")
        + chunk_out + 16 * len("m-ready\r\n") + len("m-load-done\r\n")
    )  # fmt: skip
    assert uart["download_s"] == pytest.approx(3 * per_file * 10 / 115200, rel=1e-12)
    assert uart["inferences"] == 3
    assert uart["baud_rate"] == 115200
    # With wire time emulated and real-time compute, the parts fit in the wall time.
    assert uart["download_s"] + uart["protocol_s"] + uart["inference_s"] <= uart["wall_s"]
    report = (tmp_path / "run" / "results.txt").read_text()
    assert "Input download" in report
    assert "Overhead" in report
