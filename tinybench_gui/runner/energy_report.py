"""Energy mode's result lines (benchmark.md §2.1), worded as the MLCommons runner prints them.

The submission checker reads ``Median energy cost is ([\\d\\.]+) uJ/inf`` with
``re.search``; the per-trial blocks are the runner's ``print_energy_results``.
"""

from __future__ import annotations

from tinybench_gui.runner.reporting import DASHES, checker_prefix
from tinybench_gui.runner.results import RunSummary

NOT_VALID = "ERROR: Not valid for submission."
TOO_SHORT = f"{NOT_VALID}  All inference times must be at least 10 seconds."
NOT_FIVE = f"{NOT_VALID}  Energy mode must include exactly 5 measurements."


def energy_report(summary: RunSummary) -> list[str]:
    """Per-trial blocks, the median line, then validity errors and notes."""
    lines: list[str] = []
    for w in summary.windows:
        lines.append(f"Energy data for trial {w.index}")
        if w.energy_j is None or w.power_w is None:
            lines.append(f"  Not measured: {w.extra.get('problem', 'no timestamp pair')}")
            continue
        per_inf = w.energy_j / w.iterations
        lines += [
            f"  Elapsed time  : {w.runtime_s:.4f} sec.",
            f"  Inferences    : {w.iterations}",
            f"  Power         : {w.power_w * 1e3:.4f} mW.",
            f"  Total Energy  : {w.energy_j * 1e6:.4f} uJ",
            f"  Energy/Inf    : {per_inf * 1e6:.4f} uJ/inf",
        ]
        per = w.extra.get("per_inference")
        if per:
            lines.append(
                "  Per inference : p50 {p50_uj:.4f} / p95 {p95_uj:.4f} / p99 {p99_uj:.4f} uJ, "
                "{count} inferences, {outliers} outliers".format(**per)
            )
    if summary.score is not None:
        lines += [
            DASHES,
            f"{checker_prefix()} Median energy cost is {summary.score:5.4f} uJ/inf.",
            DASHES,
        ]
    lines += summary.errors
    lines += [f"NOTE: {note}" for note in summary.notes]
    return lines
