"""The inputs a performance or energy run downloads, one per window."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinybench_gui.benchmarks.catalog import Benchmark
from tinybench_gui.benchmarks.datasets import load_dataset
from tinybench_gui.runner.plan import RunPlan


@dataclass(frozen=True, slots=True)
class WindowInput:
    """One window's input and where it came from."""

    name: str
    payload: bytes


def synthetic_input(benchmark: Benchmark, index: int, seed: int) -> bytes:
    """A deterministic input of the right size and type when no dataset is given."""
    rng = np.random.default_rng([seed, index])
    if benchmark.input_kind == "float32":
        # Log-mel energies of the AD set are roughly 0-40 dB-like magnitudes.
        return rng.normal(20.0, 8.0, benchmark.input_bytes // 4).astype("<f4").tobytes()
    return rng.integers(0, 256, benchmark.input_bytes, dtype=np.uint8).tobytes()


def window_inputs(plan: RunPlan, benchmark: Benchmark) -> list[WindowInput]:
    """One input per window: the dataset's files in order (cycled), or synthetic inputs.

    As the official ``loop 5: [download, infer N W]`` script does, each window
    downloads the next file; AD sends only the first window of each file.
    """
    if plan.dataset_dir is None:
        return [
            WindowInput(
                f"synthetic_{benchmark.model_id}_{i:03d}.bin",
                synthetic_input(benchmark, i, plan.seed),
            )
            for i in range(plan.windows)
        ]
    dataset = load_dataset(plan.dataset_dir, benchmark, plan.label_file)
    chosen = [dataset.entries[i % len(dataset)] for i in range(plan.windows)]
    return [WindowInput(e.file, dataset.first_input(e)) for e in chosen]
