"""The official result lines, worded as the runners print them (benchmark.md §2.1, §7).

The summary lines must match the submission checker's regexes; ``re.match`` needs
a prefix before the figure, which is the runners' ``<MMDD.HHMMSS> ulp-mlperf:``.
"""

from __future__ import annotations

import time

from tinybench_gui.runner.plan import RULES_MIN_WINDOW_S
from tinybench_gui.runner.results import RunSummary

DASHES = "-" * 57


def checker_prefix(t_s: float | None = None) -> str:
    """``MMDD.HHMMSS ulp-mlperf:`` in local time, as both runners print it."""
    return time.strftime("%m%d.%H%M%S", time.localtime(t_s)) + " ulp-mlperf:"


def performance_report(summary: RunSummary) -> list[str]:
    """Per-window blocks, the median line and any errors."""
    lines: list[str] = []
    for w in summary.windows:
        lines += [
            f"Performance results for window {w.index}:",
            f"  # Inferences : {w.iterations:10d}",
            f"  Runtime      : {w.runtime_s:10.3f} sec.",
            f"  Throughput   : {w.throughput_inf_s:10.3f} inf./sec.",
        ]
        if w.runtime_s >= RULES_MIN_WINDOW_S:
            lines.append("Runtime requirements have been met.")
    if summary.score is not None:
        lines += [
            DASHES,
            f"{checker_prefix()} Median throughput is {summary.score:10.3f} inf./sec.",
            DASHES,
        ]
    lines += summary.errors
    return lines
