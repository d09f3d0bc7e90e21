"""Accuracy-run overhead: wall time that is neither bytes on the wire nor DUT compute.

A simulated KWS accuracy run at 115200 baud with wire-time emulation and real-time
DUT compute (the reference board's latency), recorded to an HDF5 run file as
``tinybench run`` does: the baseline is the run's own wall
time, the figure its overhead (issue 3: under 5 %). The AD figure (921600 baud,
a 2560-byte window per inference) is informational: at that rate one ``db`` round
trip is under a millisecond of wire time, so per-round-trip latency weighs more.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tinybench_gui.perf.figures import FigureFunction, FigureRow


def _accuracy_run(model_id: str, files: int) -> dict[str, float]:
    from tinybench_gui.bench import simulated_bench
    from tinybench_gui.benchmarks.catalog import get_benchmark
    from tinybench_gui.benchmarks.synth import synthesize
    from tinybench_gui.runner.plan import Mode, RunPlan
    from tinybench_gui.runner.recorder import RunRecorder, default_run_file
    from tinybench_gui.runner.runner import Runner
    from tinybench_gui.runner.state import RunState

    with tempfile.TemporaryDirectory(prefix="tinybench-perf-") as tmp:
        root = Path(tmp)
        synthesize(get_benchmark(model_id), root / "ds", count=files, seed=0)
        plan = RunPlan(Mode.ACCURACY, root / "run", benchmark=model_id, dataset_dir=root / "ds")
        runner = Runner()
        with simulated_bench(model_id, realtime=True, wire_time=True) as bench:
            resources = bench.resources()
            # As `tinybench run` does: the HDF5 run file records the run as it goes.
            plan.results_dir.mkdir(parents=True)
            recorder = RunRecorder(default_run_file(plan.results_dir), plan, resources.provenance)
            runner.subscribe(recorder)
            try:
                summary = runner.run(plan, resources)
            finally:
                recorder.abort("perf figure stopped early")
        if runner.last_state != RunState.DONE:
            raise RuntimeError(f"the accuracy run failed: {runner.status.reason}")
        uart: dict[str, float] = summary.metrics["uart"]
        return uart


def accuracy_overhead(quick: bool) -> list[FigureRow]:
    """Overhead share of a simulated KWS accuracy run (and AD, informational)."""
    kws = _accuracy_run("kws01", 8 if quick else 40)
    rows = [
        FigureRow(
            name="KWS accuracy run overhead (115200 baud)",
            value=kws["overhead_s"],
            unit="s",
            baseline=kws["wall_s"],
            target=0.05,
            higher_is_better=False,
            note=(
                f"baseline: the run's wall time; download {100 * kws['download_share']:.1f} %, "
                f"infer commands {100 * kws['protocol_share']:.1f} %, DUT inference "
                f"{100 * kws['inference_share']:.1f} % of {kws['files']:.0f} files; the median "
                f"file's overhead is {100 * kws['median_file_overhead_share']:.1f} % (the total "
                "also holds stalls from other processes on a busy machine)"
            ),
        )
    ]
    if not quick:
        ad = _accuracy_run("ad01", 1)
        rows.append(
            FigureRow(
                name="AD accuracy run overhead (921600 baud)",
                value=ad["overhead_s"],
                unit="s",
                baseline=ad["wall_s"],
                higher_is_better=False,
                note=(
                    f"informational; download {100 * ad['download_share']:.1f} %, DUT inference "
                    f"{100 * ad['inference_share']:.1f} % of {ad['inferences']:.0f} windows"
                ),
            )
        )
    return rows


FIGURES: dict[str, tuple[FigureFunction, str]] = {
    "accuracy-overhead": (
        accuracy_overhead,
        "accuracy-run wall time that is neither wire bytes nor DUT compute",
    ),
}
