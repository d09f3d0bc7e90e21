"""Performance mode: 5 windows of at least 10 s of timed inference, median throughput.

As the MLCommons runner's ``loop 5: [download, infer N W]``: each window downloads
its input, runs ``infer N W`` and takes ``N / (lap_end - lap_start)`` from the DUT's
own microsecond timer (benchmark.md §2.1, §3).
"""

from __future__ import annotations

import time

from tinybench_gui.protocol.replies import InferStart, Reply, WarmupDone
from tinybench_gui.runner.artifacts import mlc_record
from tinybench_gui.runner.context import RunContext, RunInvalidError
from tinybench_gui.runner.events import WindowFinished
from tinybench_gui.runner.inputs import window_inputs
from tinybench_gui.runner.plan import RULES_MIN_WINDOW_S, RULES_WINDOWS
from tinybench_gui.runner.reporting import performance_report
from tinybench_gui.runner.results import WindowResult
from tinybench_gui.runner.state import RunState
from tinybench_gui.runner.timing import infer_timeout_s, iterations_for, measure_inference_s

ENERGY_BUILD_ON_PERFORMANCE_RUN = (
    "The DUT runs the energy build (m-timestamp-mode-energy): its timestamps are GPIO "
    "pulses, not m-lap-us- lines, so a performance run cannot time it (the official runner "
    "fails later with 'Too few timestamps found for performance check', mlcommons/tiny#65). "
    "Fix: flash the performance build (EE_CFG_ENERGY_MODE 0), or run --mode energy through "
    "the interface board and an energy monitor."
)


def run_performance(ctx: RunContext) -> None:
    """The performance mode procedure."""
    dut = ctx.require_dut()
    benchmark = ctx.benchmark
    assert benchmark is not None
    assert ctx.identity is not None
    if ctx.identity.timestamp_mode == "energy":
        raise RunInvalidError(ENERGY_BUILD_ON_PERFORMANCE_RUN)
    plan = ctx.plan
    inputs = window_inputs(plan, benchmark)
    default = benchmark.infer["performance"]
    warmups = default.warmups if plan.warmups is None else plan.warmups

    ctx.set_state(RunState.DOWNLOADING, inputs[0].name)
    dut.load(inputs[0].payload, cancelled=lambda: ctx.cancelled)
    ctx.set_state(RunState.PREPARING, "measuring the inference time")
    inference_s = measure_inference_s(dut)
    if plan.iterations is None:
        iterations = iterations_for(plan.min_window_s, inference_s)
        ctx.log(
            f"Calibrated: {inference_s * 1e3:.3f} ms per inference, {iterations} iterations "
            f"for windows of at least {plan.min_window_s:g} s"
        )
    else:
        iterations = plan.iterations
    timeout_s = infer_timeout_s(iterations, warmups, inference_s)
    window_wall_s: list[float] = []

    for index, item in enumerate(inputs, start=1):
        ctx.check_cancelled()
        t_start = time.monotonic()
        remaining = len(inputs) - index + 1
        eta = None
        if window_wall_s:
            eta = remaining * sum(window_wall_s) / len(window_wall_s)
        else:
            eta = remaining * (iterations + warmups) * inference_s
        ctx.progress(index, len(inputs), item.name, eta)
        if index > 1:  # the first input is already on the DUT
            ctx.set_state(RunState.DOWNLOADING, item.name)
            dut.load(item.payload, cancelled=lambda: ctx.cancelled)
        ctx.set_state(RunState.WARMING_UP if warmups else RunState.MEASURING, item.name)

        def on_reply(reply: Reply, name: str = item.name) -> None:
            if isinstance(reply, WarmupDone | InferStart):
                ctx.set_state(RunState.MEASURING, name)

        result = dut.infer(iterations, warmups, line_timeout_s=timeout_s, on_reply=on_reply)
        if result.elapsed_us is None:
            raise RunInvalidError(
                "Too few timestamps found for performance check: the DUT printed no "
                "m-lap-us- around the timed region. " + ENERGY_BUILD_ON_PERFORMANCE_RUN
            )
        window = WindowResult(
            index=index,
            input_name=item.name,
            iterations=iterations,
            warmups=warmups,
            runtime_s=result.elapsed_us / 1e6,
            lap_start_us=result.lap_start_us,
            lap_end_us=result.lap_end_us,
            results=result.results,
        )
        ctx.summary.windows.append(window)
        ctx.records.append(_record(window, result.elapsed_us, ctx.plan.mode.letter))
        ctx.emit(WindowFinished(window))
        window_wall_s.append(time.monotonic() - t_start)

    ctx.set_state(RunState.SCORING)
    score_performance(ctx)


def score_performance(ctx: RunContext) -> None:
    """Median throughput and the validity checks, worded as the official runner does."""
    summary = ctx.summary
    summary.score = summary.median_throughput()
    summary.score_unit = "inf./sec."
    if len(summary.windows) != RULES_WINDOWS:
        summary.errors.append("ERROR 1 - loop_count was not exactly 5.")
    if any(w.runtime_s < RULES_MIN_WINDOW_S for w in summary.windows):
        summary.errors.append("ERROR 2 - loop exited before 10 seconds elapsed.")
    summary.metrics["median_throughput_inf_s"] = summary.score
    summary.report_lines = performance_report(summary)


def _record(window: WindowResult, elapsed_us: int, mode_letter: str) -> dict[str, object]:
    # The MLCommons runner's results.json entry for one loop iteration.
    return mlc_record(
        window.input_name,
        mode_letter,
        {
            "start_time": window.lap_start_us,
            "end_time": window.lap_end_us,
            "results": list(window.results),
            "elapsed_time": elapsed_us,
            "total_inferences": 1,
            "iterations": window.iterations,
            "warmups": window.warmups,
            "throughput": window.throughput_inf_s,
        },
    )
