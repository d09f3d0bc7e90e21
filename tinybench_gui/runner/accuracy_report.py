"""The accuracy run's results.txt: the official summary lines, then the explanation.

The first two lines are the MLCommons runner's (``<MMDD.HHMMSS> ulp-mlperf: Top 1% =
...`` and ``... AUC = ...``), which the submission checker reads with ``re.match``.
Nothing after them may match those regexes again, so the extra blocks never write
``Top 1`` or ``AUC`` followed by ``=`` or ``:``.
"""

from __future__ import annotations

from tinybench_gui.benchmarks.catalog import Benchmark
from tinybench_gui.benchmarks.reference_check import FileComparison
from tinybench_gui.benchmarks.scoring import AccuracyScore
from tinybench_gui.runner.reporting import DASHES, checker_prefix
from tinybench_gui.runner.results import RunSummary
from tinybench_gui.runner.uart_accounting import UartAccounting

MAX_LISTED_DISAGREEMENTS = 50


def official_lines(score: AccuracyScore, prefix: str | None = None) -> list[str]:
    """The two summary lines, formatted as the runner prints them."""
    p = prefix or checker_prefix()
    lines = []
    if score.top1_percent is not None:
        lines.append(f"{p} Top 1% = {score.top1_percent:2.1f}")
    if score.auc is not None:
        lines.append(f"{p} AUC = {score.auc:.3f}")
    else:
        lines.append(f"{p} the area under the ROC curve is undefined: {score.auc_error}")
    return lines


def _value(benchmark: Benchmark, value: float | None) -> str:
    if value is None:
        return "undefined"
    return f"{value:.1f} %" if benchmark.metric == "top1" else f"{value:.3f}"


def accuracy_report(
    benchmark: Benchmark,
    score: AccuracyScore,
    *,
    comparisons: list[FileComparison],
    host_score: AccuracyScore | None,
    accounting: UartAccounting,
    summary: RunSummary,
) -> list[str]:
    """Every line of results.txt for an accuracy run."""
    metric_name = "Top-1 accuracy" if benchmark.metric == "top1" else "ROC area (official metric)"
    value = score.value
    verdict = (
        "undefined"
        if value is None
        else ("PASS (meets" if value >= benchmark.target else "FAIL (below") + " the target)"
    )
    lines = [*official_lines(score), DASHES]
    lines += [
        f"Accuracy of {benchmark.model_id} ({benchmark.title}): {score.files} files",
        f"  Metric         : {metric_name}",
        f"  Result         : {_value(benchmark, value)}",
        f"  Closed target  : {_value(benchmark, benchmark.target)}",
        f"  Verdict        : {verdict}",
    ]
    if score.confusion:
        names = benchmark.label_names
        width = max(8, *(len(n) for n in names))
        lines.append("Per-class accuracy (DUT top class against the label):")
        for c, name in enumerate(names):
            row = score.confusion[c]
            total = sum(row)
            pct = score.per_class_percent[c]
            figure = "  no files" if pct is None else f"{pct:6.1f} % ({row[c]}/{total})"
            lines.append(f"  {name:<{width}} {figure}")
        lines.append("Confusion matrix (rows: label, columns: DUT top class):")
        lines.append(" " * (width + 2) + " ".join(f"{c:>5d}" for c in range(len(names))))
        for c, name in enumerate(names):
            lines.append(f"  {name:<{width}}" + " ".join(f"{v:>5d}" for v in score.confusion[c]))
    if comparisons:
        differing = [c for c in comparisons if not c.agrees]
        lines.append(
            f"Host reference check (int8 model in LiteRT on the host, same bytes): "
            f"{len(comparisons) - len(differing)}/{len(comparisons)} files identical"
        )
        if host_score is not None:
            lines.append(
                f"  The host reference scores {_value(benchmark, host_score.value)} on these files"
            )
        if differing:
            lines.append("  Disagreements (file, DUT top class, host top class, max difference):")
            for d in differing[:MAX_LISTED_DISAGREEMENTS]:
                if d.dut_score is not None:
                    lines.append(
                        f"    {d.file}: DUT score {d.dut_score:.3f}, host score "
                        f"{d.host_score:.3f}, {d.windows_differing} windows differ, "
                        f"max difference {d.max_difference:.3f}"
                    )
                else:
                    names = benchmark.label_names
                    dut_top = "-" if d.dut_top is None else names[d.dut_top]
                    host_top = "-" if d.host_top is None else names[d.host_top]
                    lines.append(f"    {d.file}: {dut_top}, {host_top}, {d.max_difference:.3f}")
            if len(differing) > MAX_LISTED_DISAGREEMENTS:
                lines.append(
                    f"    ... and {len(differing) - MAX_LISTED_DISAGREEMENTS} more "
                    "(all in results.json of the run file and log.txt)"
                )
    lines += accounting.report_lines()
    lines += [f"Note: {n}" for n in summary.notes]
    lines += summary.errors
    return lines
