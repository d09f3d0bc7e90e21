"""Accuracy mode: every file of the dataset, ``infer 1 0`` each, scored as the official runner.

As the MLCommons runner's ``loop: [download, infer 1 0]`` over ``y_labels.csv``;
for AD every window of every file (2560 B, stride 512 B: 196 per file), each
window one results.json entry, a file's score the mean of its windows' MSE
(benchmark.md §2.1). Scoring is in ``benchmarks.scoring``; every answer is also
checked against the int8 reference model on the host (``benchmarks.reference_check``).

Resume: completed files go to a journal in the results folder (``runner.journal``).
Started again with the same plan and dataset, a run continues after the last
completed file; an interrupted file is redone from its first window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinybench_gui.benchmarks.catalog import Benchmark
from tinybench_gui.benchmarks.datasets import Dataset, DatasetEntry, load_dataset, split_windows
from tinybench_gui.benchmarks.reference_check import FileComparison, HostReference, compare_file
from tinybench_gui.benchmarks.scoring import score_files
from tinybench_gui.devices.transport import TranscriptEntry
from tinybench_gui.protocol.framing import DIRECT_CHUNK_BYTES
from tinybench_gui.runner.accuracy_report import accuracy_report
from tinybench_gui.runner.artifacts import mlc_record
from tinybench_gui.runner.context import RunContext, RunInvalidError
from tinybench_gui.runner.events import FileScored
from tinybench_gui.runner.journal import (
    AccuracyJournal,
    JournalMismatchError,
    journal_key,
    journal_path,
)
from tinybench_gui.runner.state import RunState
from tinybench_gui.runner.timing import infer_timeout_s
from tinybench_gui.runner.uart_accounting import UartAccounting

ENERGY_BUILD_ON_ACCURACY_RUN = (
    "The DUT runs the energy build (m-timestamp-mode-energy). Accuracy mode is offered "
    "only on the performance build (benchmark.md §1.4: 9600 baud is too slow). Fix: flash "
    "the performance build (EE_CFG_ENERGY_MODE 0) and connect the DUT directly."
)
NO_DATASET = (
    "accuracy mode needs a dataset: every file of <root>/<model>/y_labels.csv is scored. "
    "Fix: pass --dataset DIR (the EEMBC/MLCommons layout), or make a synthetic one with "
    "`tinybench dataset synth --benchmark {model} --out DIR`."
)


FULL_LOG_FILES = 10


class QuietDownloads:
    """Transcript filter: ``db`` chunk lines stay out of the log (they are still counted).

    With ``bulk`` set, only errors are kept: for AD windows after a file's first (an
    AD accuracy run is 48.6k downloads and would otherwise log 8 million lines) and
    for every file after the first ``FULL_LOG_FILES`` (their answers are in
    results.json and one log line each; the full exchange of the first files shows
    how the DUT talks). Fewer lines also keep the run file's writer thread quiet.
    """

    def __init__(self) -> None:
        self.bulk = False
        self.later_files = False
        self._in_chunk = False

    def __call__(self, entry: TranscriptEntry) -> bool:
        if entry.source != "dut":
            return True
        if entry.direction == "tx":
            self._in_chunk = entry.text.startswith("db ") and not entry.text.startswith("db load")
        elif entry.text.startswith("e-"):
            return True
        if self.bulk:
            return False
        return not (self._in_chunk and (entry.direction == "tx" or entry.text == "m-ready"))


def accuracy_plan_description(ctx: RunContext, dataset: Dataset) -> dict[str, Any]:
    """What must match for a later session to continue this run."""
    benchmark = dataset.benchmark
    settings = benchmark.infer["accuracy"]
    return {
        "mode": ctx.plan.mode.value,
        "benchmark": benchmark.model_id,
        "label_file": dataset.label_file.name,
        "dataset_sha256": dataset.content_sha256(),
        "files": len(dataset),
        "iterations": settings.iterations,
        "warmups": settings.warmups,
        "host_check": _host_check_enabled(ctx),
    }


def _host_check_enabled(ctx: RunContext) -> bool:
    return ctx.plan.options.get("host_check", "on") != "off"


def _baud_rate(ctx: RunContext, benchmark: Benchmark) -> int:
    dut = ctx.require_dut()
    baud = getattr(dut.channel, "baud_rate", None)
    return int(baud) if isinstance(baud, int) else benchmark.baud_rates["accuracy"]


def run_accuracy(ctx: RunContext) -> None:
    """The accuracy mode procedure."""
    ctx.require_dut()
    benchmark = ctx.benchmark
    assert benchmark is not None
    assert ctx.identity is not None
    plan = ctx.plan
    if plan.dataset_dir is None:
        raise RunInvalidError(NO_DATASET.format(model=benchmark.model_id))
    dataset = load_dataset(plan.dataset_dir, benchmark, plan.label_file)
    if ctx.identity.timestamp_mode == "energy":
        raise RunInvalidError(ENERGY_BUILD_ON_ACCURACY_RUN)
    settings = benchmark.infer["accuracy"]
    if plan.iterations not in (None, settings.iterations) or plan.warmups not in (
        None,
        settings.warmups,
    ):
        ctx.log(
            "accuracy mode always sends `infer 1 0` (the official script); --iterations ignored"
        )

    description = accuracy_plan_description(ctx, dataset)
    journal = AccuracyJournal(journal_path(plan.results_dir), journal_key(description), description)
    try:
        journal.open()
    except JournalMismatchError as exc:
        raise RunInvalidError(str(exc)) from exc
    try:
        _run_files(ctx, dataset, journal)
    finally:
        journal.close()


def _preserve_previous_log(results_dir: Path) -> None:
    """A resumed run writes a new log.txt; the earlier session's is kept beside it."""
    log = results_dir / "log.txt"
    if not log.is_file():
        return
    n = 1
    while (results_dir / f"log.session{n}.txt").exists():
        n += 1
    log.rename(results_dir / f"log.session{n}.txt")


@dataclass(slots=True)
class _FileOutcome:
    dut: list[list[float]]
    host: list[list[float]] | None
    laps: list[list[int | None]]


def _run_files(ctx: RunContext, dataset: Dataset, journal: AccuracyJournal) -> None:
    benchmark = dataset.benchmark
    host = HostReference(benchmark) if _host_check_enabled(ctx) else None
    baud = _baud_rate(ctx, benchmark)
    accounting = UartAccounting(baud)
    entries = dataset.entries
    total_inferences = dataset.inferences()
    ctx.log(
        f"Accuracy run: {len(entries)} files, {total_inferences} inferences (infer 1 0 each) "
        f"from {dataset.label_file} at {baud} baud"
        + (" (the AD reference firmware's accuracy rate)" if baud > 115200 else "")
    )
    if host is not None:
        ctx.log(f"Host reference check with {host.model_path.name} (LiteRT, builtin kernels)")
    if journal.resumed:
        _preserve_previous_log(ctx.plan.results_dir)
        ctx.log(
            f"Resuming from {journal.path}: {len(journal.done)} of {len(entries)} files were "
            "completed by an earlier session and are not run again"
        )
    for index, entry in enumerate(entries):
        done = journal.done.get(index)
        if done is not None:
            _publish(ctx, benchmark, entry, index, done)

    quiet = QuietDownloads()
    ctx.transcript_filter = quiet
    timeout_s = infer_timeout_s(1, 0, None)
    file_wall: list[float] = []
    todo = [i for i in range(len(entries)) if i not in journal.done]
    try:
        for position, index in enumerate(todo):
            ctx.check_cancelled()
            if position == FULL_LOG_FILES:
                ctx.log(
                    f"The first {FULL_LOG_FILES} files' exchanges are logged in full; from here "
                    "on one line per file (every answer is in results.json)"
                )
            quiet.later_files = position >= FULL_LOG_FILES
            entry = entries[index]
            t_file = time.monotonic()
            if file_wall:
                eta = (len(todo) - position) * sum(file_wall) / len(file_wall)
            else:  # before the first file: its bytes on the wire, a lower bound
                eta = (len(todo) - position) * _wire_estimate_s(dataset, entry, baud)
            ctx.progress(len(journal.done) + 1, len(entries), entry.file, eta)
            outcome = _run_file(
                ctx,
                dataset,
                entry=entry,
                host=host,
                quiet=quiet,
                accounting=accounting,
                timeout_s=timeout_s,
            )
            record = {
                "index": index,
                "file": entry.file,
                "label": entry.label,
                "dut": outcome.dut,
                "host": outcome.host,
                "laps": outcome.laps,
            }
            journal.append(record)
            _publish(ctx, benchmark, entry, index, record)
            wall = time.monotonic() - t_file
            file_wall.append(wall)
            accounting.add_file(wall)
    finally:
        ctx.transcript_filter = None
    ctx.set_state(RunState.SCORING)
    score_accuracy(ctx, dataset, journal, accounting)


def _run_file(
    ctx: RunContext,
    dataset: Dataset,
    *,
    entry: DatasetEntry,
    host: HostReference | None,
    quiet: QuietDownloads,
    accounting: UartAccounting,
    timeout_s: float,
) -> _FileOutcome:
    dut = ctx.require_dut()
    benchmark = dataset.benchmark
    windows = list(split_windows(dataset.read(entry), entry))
    outcome = _FileOutcome([], [] if host is not None else None, [])
    for w, window in enumerate(windows):
        ctx.check_cancelled()
        quiet.bulk = w > 0 or quiet.later_files
        where = entry.file if len(windows) == 1 else f"{entry.file} window {w + 1}/{len(windows)}"
        ctx.set_state(RunState.DOWNLOADING, where)
        mark = ctx.wire_tx_bytes + ctx.wire_rx_bytes
        dut.load(window, cancelled=lambda: ctx.cancelled)
        loaded = ctx.wire_tx_bytes + ctx.wire_rx_bytes
        ctx.set_state(RunState.MEASURING, where)
        result = dut.infer(1, 0, line_timeout_s=timeout_s)
        after = ctx.wire_tx_bytes + ctx.wire_rx_bytes
        elapsed_us = result.elapsed_us
        accounting.add_inference(
            download_bytes=loaded - mark,
            protocol_bytes=after - loaded,
            inference_s=(elapsed_us or 0) / 1e6,
        )
        expected = max(1, benchmark.num_classes)
        if len(result.results) != expected:
            raise RunInvalidError(
                f"{entry.file}: the DUT printed {len(result.results)} result values, "
                f"{benchmark.model_id} has {expected} (m-results-[...] of another model, or a "
                "th_results that prints a different vector). Fix: flash the "
                f"{benchmark.model_id} firmware built from the reference port"
            )
        outcome.dut.append(list(result.results))
        outcome.laps.append([result.lap_start_us, result.lap_end_us])
        if outcome.host is not None and host is not None:
            outcome.host.append(list(host.expected(window)))
    return outcome


def _wire_estimate_s(dataset: Dataset, entry: DatasetEntry, baud_rate: int) -> float:
    """Seconds one file's downloads spend on the wire (commands, hex, m-ready replies)."""
    window = entry.window_bytes or dataset.benchmark.dataset_file_bytes
    chunks = -(-window // DIRECT_CHUNK_BYTES)
    per_window = len(f"db load {window}%") + 40 + chunks * (len("db %") + len("m-ready\r\n"))
    per_window += 2 * window
    return entry.window_count(dataset.benchmark.dataset_file_bytes) * per_window * 10 / baud_rate


def _publish(
    ctx: RunContext, benchmark: Benchmark, entry: DatasetEntry, index: int, record: dict[str, Any]
) -> None:
    """results.json entries, the FileScored event and a log line for one completed file."""
    dut_windows: list[list[float]] = record["dut"]
    host_windows: list[list[float]] | None = record.get("host")
    windows = len(dut_windows)
    for values, laps in zip(dut_windows, record["laps"], strict=True):
        start, end = laps
        ctx.records.append(
            mlc_record(
                entry.file,
                ctx.plan.mode.letter,
                {
                    "start_time": start,
                    "end_time": end,
                    "results": values,
                    "elapsed_time": None if start is None or end is None else end - start,
                    "total_inferences": 1,
                    "iterations": 1,
                    "warmups": 0,
                },
                classes=str(entry.classes),
                label=str(entry.label),
                bytes_to_send=None if entry.window_bytes is None else str(entry.window_bytes),
                stride=None if entry.stride_bytes is None else str(entry.stride_bytes),
                total_length=windows if entry.window_bytes is not None else None,
            )
        )
    comparison = (
        compare_file(entry.file, entry.label, dut_windows, host_windows) if host_windows else None
    )
    if windows == 1 and len(dut_windows[0]) > 1:
        results = tuple(dut_windows[0])
        host_results = tuple(host_windows[0]) if host_windows else ()
    else:
        results = (_mean([w[0] for w in dut_windows]),)
        host_results = (_mean([w[0] for w in host_windows]),) if host_windows else ()
    ctx.emit(
        FileScored(
            index=index,
            file=entry.file,
            label=entry.label,
            results=results,
            host_results=host_results,
            windows=windows,
            agrees=None if comparison is None else comparison.agrees,
        )
    )
    ctx.log(_file_line(benchmark, entry, results, comparison))


def _mean(values: list[float]) -> float:
    # np.mean (pairwise summation), as the runner averages a file's window results.
    return float(np.mean(np.asarray(values, dtype=np.float64)))


def _file_line(
    benchmark: Benchmark,
    entry: DatasetEntry,
    results: tuple[float, ...],
    comparison: FileComparison | None,
) -> str:
    names = benchmark.label_names
    if len(results) > 1:
        top = max(range(len(results)), key=results.__getitem__)
        text = f"{entry.file}: class {names[entry.label]}, DUT top class {names[top]}"
    else:
        text = f"{entry.file}: {names[entry.label]}, score {results[0]:.3f}"
    if comparison is not None:
        text += (
            ", host reference identical"
            if comparison.agrees
            else f", HOST REFERENCE DIFFERS (max difference {comparison.max_difference:.3f})"
        )
    return text


def score_accuracy(
    ctx: RunContext, dataset: Dataset, journal: AccuracyJournal, accounting: UartAccounting
) -> None:
    """Score every file, compare with the host, and fill the summary and report."""
    benchmark = dataset.benchmark
    entries = dataset.entries
    missing = [e.file for i, e in enumerate(entries) if i not in journal.done]
    if missing:
        raise RunInvalidError(f"{len(missing)} files were not scored, e.g. {missing[0]}")
    records = [journal.done[i] for i in range(len(entries))]
    labels = [e.label for e in entries]
    score = score_files(
        benchmark.metric, labels, [r["dut"] for r in records], len(benchmark.label_names)
    )
    comparisons: list[FileComparison] = []
    host_score = None
    if all(r.get("host") for r in records):
        comparisons = [
            compare_file(e.file, e.label, r["dut"], r["host"])
            for e, r in zip(entries, records, strict=True)
        ]
        host_score = score_files(
            benchmark.metric, labels, [r["host"] for r in records], len(benchmark.label_names)
        )
    summary = ctx.summary
    summary.score = score.value
    summary.score_unit = "%" if benchmark.metric == "top1" else "AUC"
    if score.value is None:
        summary.errors.append(
            f"ERROR: the {benchmark.metric} metric is undefined: {score.auc_error}"
        )
    elif score.value < benchmark.target:
        summary.errors.append(
            f"ERROR: below the closed-division quality target ({_fmt(benchmark, score.value)} "
            f"< {_fmt(benchmark, benchmark.target)})"
        )
    if benchmark.official_files and len(entries) != benchmark.official_files:
        summary.notes.append(
            f"{len(entries)} files scored; the official {benchmark.model_id} set has "
            f"{benchmark.official_files} (y_labels_alt.csv: 72 for ad01)"
        )
    summary.notes.extend(score.notes)
    disagreements = [c for c in comparisons if not c.agrees]
    summary.metrics.update(
        {
            "metric": benchmark.metric,
            "target": benchmark.target,
            "top1_percent": score.top1_percent,
            "auc": score.auc,
            "meets_target": score.value is not None and score.value >= benchmark.target,
            "files": len(entries),
            "inferences": sum(len(r["dut"]) for r in records),
            "confusion_matrix": [list(row) for row in score.confusion],
            "per_class_percent": list(score.per_class_percent),
            "host_check": None
            if not comparisons
            else {
                "files_identical": len(comparisons) - len(disagreements),
                "files": len(comparisons),
                "host_metric": None if host_score is None else host_score.value,
                "disagreements": [
                    {
                        "file": c.file,
                        "dut_top": c.dut_top,
                        "host_top": c.host_top,
                        "max_difference": c.max_difference,
                        "windows_differing": c.windows_differing,
                    }
                    for c in disagreements
                ],
            },
            "uart": accounting.as_dict(),
            "resumed_files": len(entries) - accounting.files,
        }
    )
    summary.report_lines = accuracy_report(
        benchmark,
        score,
        comparisons=comparisons,
        host_score=host_score,
        accounting=accounting,
        summary=summary,
    )
    for c in disagreements:
        ctx.log(
            f"host reference disagreement: {c.file}: DUT top {c.dut_top}, host top {c.host_top}, "
            f"max difference {c.max_difference:.3f}"
        )
    for line in accounting.report_lines():
        ctx.log(line)


def _fmt(benchmark: Benchmark, value: float) -> str:
    return f"{value:.1f} %" if benchmark.metric == "top1" else f"{value:.3f}"
