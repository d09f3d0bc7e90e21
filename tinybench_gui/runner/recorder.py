"""``RunRecorder``: records a run's events into its HDF5 run file.

Subscribe it to a ``Runner`` before the run starts; it turns each event into a
``RunWriter`` call (which only enqueues, so the runner thread never waits for the
disk), and at ``RunFinished`` stores the results and the runner's artifacts and
closes the file with the run's status. Energy monitors add their samples with
``recorder.writer.append_samples`` (e.g. ``acquisition.add_consumer(...)``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tinybench_gui.benchmarks.catalog import UnknownBenchmarkError, get_benchmark
from tinybench_gui.benchmarks.datasets import DatasetError, load_dataset
from tinybench_gui.runner.events import (
    DutIdentified,
    FileScored,
    LogLine,
    RunEvent,
    RunFinished,
    RunStarted,
    WindowFinished,
)
from tinybench_gui.runner.plan import RULES_MIN_WINDOW_S, RunPlan
from tinybench_gui.runner.results import RunSummary
from tinybench_gui.runner.state import RunState
from tinybench_gui.storage.layout import RunState as FileState
from tinybench_gui.storage.provenance import host_provenance
from tinybench_gui.storage.records import AccuracyRecord, OfficialResult, TimedWindow
from tinybench_gui.storage.writer import RunWriter

_FILE_STATE = {
    RunState.DONE: FileState.COMPLETE,
    RunState.CANCELLED: FileState.CANCELLED,
    RunState.FAILED: FileState.FAILED,
}
#: Artifacts the runner writes into results_dir that the run file keeps.
_ARTIFACTS = ("log.txt", "results.txt", "results.json")


def default_run_file(results_dir: Path) -> Path:
    """``<results_dir>/<results_dir name>.h5``: timestamped like its folder."""
    return results_dir / f"{results_dir.name}.h5"


def plan_provenance(plan: RunPlan) -> dict[str, Any]:
    """The plan as JSON-friendly values."""
    return {
        k: (str(v) if isinstance(v, os.PathLike) else v)
        for k, v in dataclasses.asdict(plan).items()
    }


def official_results(summary: RunSummary) -> list[OfficialResult]:
    """The summary's score as the run file's ``/results`` rows."""
    if summary.score is None:
        return []
    if summary.mode == "performance":
        name = "median_throughput"
    elif summary.mode == "energy":
        name = "median_energy_per_inference"
    else:
        name = "auc" if summary.model == "ad01" else "top1"
    return [
        OfficialResult(
            name, float(summary.score), summary.score_unit, summary.valid, "; ".join(summary.errors)
        )
    ]


class RunRecorder:
    """Creates the run file at once (so a bad path fails before the run) and records events."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        plan: RunPlan,
        provenance: Mapping[str, Any] | None = None,
        *,
        on_failure: Callable[[str], None] | None = None,
        **writer_options: Any,
    ) -> None:
        self.plan = plan
        prov = {**host_provenance(), "plan": plan_provenance(plan), "mode": plan.mode.value}
        if plan.benchmark:
            prov["model"] = plan.benchmark
        prov.update(provenance or {})
        self.writer = RunWriter.create(path, prov, on_failure=on_failure, **writer_options)
        self.path = self.writer.path
        self.final_state: FileState | None = None
        self._model = plan.benchmark or ""

    def __call__(self, event: RunEvent) -> None:
        """Runner subscriber."""
        w = self.writer
        if isinstance(event, LogLine):
            w.add_transcript(event.entry)
        elif isinstance(event, WindowFinished):
            w.add_window(self._window(event))
        elif isinstance(event, FileScored):
            w.add_accuracy_result(self._accuracy_record(event))
        elif isinstance(event, DutIdentified):
            ident = event.identity
            self._model = ident.model
            w.update_provenance(
                {
                    **self._benchmark_provenance(ident.model),
                    "dut_name": ident.name,
                    "dut_profile": ident.profile,
                    "dut_model": ident.model,
                    "dut_banner": list(ident.banner),
                    "dut_timestamp_mode": str(ident.timestamp_mode or ""),
                    "dut_url": event.url,
                }
            )
        elif isinstance(event, RunStarted):
            w.update_provenance({"started_at_unix_s": event.started_at_s})
        elif isinstance(event, RunFinished):
            self.finish(event.state, event.reason, event.summary)

    def _window(self, event: WindowFinished) -> TimedWindow:
        r = event.window
        # Energy windows carry their edge sample indices and any problem in ``extra``.
        problem = r.extra.get("problem")
        note = r.input_name + (f"; {problem}" if problem else "")
        return TimedWindow(
            window=r.index,
            iterations=r.iterations,
            runtime_s=r.runtime_s,
            start_sample=int(r.extra.get("start_sample", -1)),
            stop_sample=int(r.extra.get("stop_sample", -1)),
            energy_j=float("nan") if r.energy_j is None else r.energy_j,
            power_w=float("nan") if r.power_w is None else r.power_w,
            valid=r.runtime_s >= RULES_MIN_WINDOW_S and not problem,
            note=note,
        )

    def _accuracy_record(self, event: FileScored) -> AccuracyRecord:
        results = tuple(event.results)
        agrees = getattr(event, "agrees", None)
        host = tuple(getattr(event, "host_results", ()))
        if self._model == "ad01" or len(results) == 1:  # AD: one anomaly score per file
            score = results[0] if results else float("nan")
            return AccuracyRecord(event.file, event.label, -1, results, score, host, agrees)
        predicted = max(range(len(results)), key=results.__getitem__, default=-1)
        return AccuracyRecord(
            event.file, event.label, predicted, results, host_results=host, host_agrees=agrees
        )

    def _benchmark_provenance(self, model: str) -> dict[str, Any]:
        """Reference model hash and dataset manifest hash, when they can be known."""
        out: dict[str, Any] = {}
        try:
            benchmark = get_benchmark(model)
        except UnknownBenchmarkError:
            return out
        out["reference_model"] = benchmark.int8_model.key
        out["reference_model_sha256"] = benchmark.int8_model.sha256
        if self.plan.dataset_dir is not None:
            try:
                dataset = load_dataset(self.plan.dataset_dir, benchmark, self.plan.label_file)
                out["dataset_manifest_sha256"] = dataset.manifest_sha256()
            except (DatasetError, OSError) as exc:
                out["dataset_manifest_sha256"] = f"unavailable: {exc}"
        return out

    def finish(self, state: RunState, reason: str | None, summary: RunSummary | None) -> None:
        """Store results and artifacts, close the file with the run's status."""
        if summary is not None:
            self.writer.set_results(official_results(summary))
        folder = self.plan.results_dir
        names = [*_ARTIFACTS, *sorted(p.name for p in folder.glob("energy_inf_*.png"))]
        for name in names:
            p = folder / name
            if p.is_file():
                text = p.suffix in (".txt", ".json")
                content = p.read_text("utf-8", "replace") if text else p.read_bytes()
                self.writer.add_artifact(name, content)
        self.final_state = self.writer.close(_FILE_STATE.get(state, FileState.FAILED), reason or "")

    def abort(self, reason: str) -> None:
        """Close as failed if the run never reached ``RunFinished`` (a crash in the caller)."""
        if self.final_state is None:
            self.final_state = self.writer.close(FileState.FAILED, reason)
