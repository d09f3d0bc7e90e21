"""The host reference check: the DUT's answers against LiteRT on the host, file by file.

The host runs the int8 reference model (builtin kernels, no delegates) on exactly
the bytes the DUT was sent, with the reference firmware's pre- and post-processing,
and prints the result the way the firmware does. A DUT that runs the reference
model bit-exactly gives identical values; any difference is listed with the file,
both top classes and the largest difference. This answers "why is my accuracy low".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinybench_gui.benchmarks.catalog import Benchmark
from tinybench_gui.benchmarks.processing import printed_values, result_values, to_model_input
from tinybench_gui.models.lookup import find_model
from tinybench_gui.models.reference import ReferenceModel


@dataclass(frozen=True, slots=True)
class FileComparison:
    """One file's DUT answer against the host's."""

    file: str
    label: int
    dut_top: int | None  # argmax of the DUT's vector; None for AD
    host_top: int | None
    max_difference: float  # largest |dut - host| over every value of every window
    windows_differing: int
    dut_score: float | None = None  # AD: mean MSE over the windows
    host_score: float | None = None

    @property
    def agrees(self) -> bool:
        """Whether the DUT printed exactly what the host computes."""
        return self.windows_differing == 0


class HostReference:
    """The int8 reference model on the host for one benchmark."""

    def __init__(self, benchmark: Benchmark, *, model_path: Path | None = None) -> None:
        self.benchmark = benchmark
        self.model_path = find_model(benchmark.int8_model, explicit_path=model_path)
        self.model = ReferenceModel(self.model_path)

    def expected(self, raw: bytes) -> tuple[float, ...]:
        """What a reference DUT prints for the input ``raw`` (one window)."""
        x = to_model_input(self.benchmark, raw, self.model.input)
        output = self.model.run(x)
        values = result_values(self.benchmark, output, self.model.output, raw)
        return printed_values(self.benchmark, values)


def compare_file(
    file: str,
    label: int,
    dut: Sequence[Sequence[float]],
    host: Sequence[Sequence[float]],
) -> FileComparison:
    """Compare one file's per-window answers (one window for classifiers)."""
    if len(dut) != len(host):
        raise ValueError(f"{file}: {len(dut)} DUT answers but {len(host)} host answers")
    max_diff = 0.0
    differing = 0
    for d, h in zip(dut, host, strict=True):
        if len(d) != len(h):
            max_diff = float("inf")
            differing += 1
            continue
        diff = float(np.max(np.abs(np.asarray(d) - np.asarray(h)))) if d else 0.0
        max_diff = max(max_diff, diff)
        differing += int(tuple(d) != tuple(h))
    if len(dut[0]) == 1:  # AD: one MSE per window, the file's score is their mean
        return FileComparison(
            file,
            label,
            None,
            None,
            max_diff,
            differing,
            dut_score=float(np.mean([w[0] for w in dut])),
            host_score=float(np.mean([w[0] for w in host])),
        )
    return FileComparison(
        file,
        label,
        int(np.argmax(dut[0])) if dut[0] else None,
        int(np.argmax(host[0])),
        max_diff,
        differing,
    )
