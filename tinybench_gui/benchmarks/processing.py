"""The reference firmware's pre- and post-processing (benchmark.md §1.3, §4.2).

The simulated DUT, our C firmware and the host reference check all use these
definitions, so a DUT answer can be compared with the host byte for byte.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from tinybench_gui.benchmarks.catalog import Benchmark
from tinybench_gui.models.reference import TensorInfo


def round_half_away(x: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.floating[Any]]:
    """``std::round``: halves away from zero (numpy's ``round`` goes to even)."""
    rounded: npt.NDArray[np.floating[Any]] = np.sign(x) * np.floor(np.abs(x) + np.float32(0.5))
    return rounded


def to_model_input(
    benchmark: Benchmark, raw: bytes, model_input: TensorInfo
) -> npt.NDArray[np.int8]:
    """The int8 model input the reference port builds from the bytes it was sent."""
    if benchmark.preprocess == "as_int8":
        return np.frombuffer(raw, dtype=np.int8).copy()
    if benchmark.preprocess == "minus_128":
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.int16) - 128).astype(np.int8)
    values = np.frombuffer(raw, dtype="<f4")
    q = round_half_away(values / np.float32(model_input.scale)) + model_input.zero_point
    clipped: npt.NDArray[np.int8] = np.clip(q, -128, 127).astype(np.int8)
    return clipped


def result_values(
    benchmark: Benchmark, raw_output: npt.NDArray[Any], model_output: TensorInfo, raw_input: bytes
) -> list[float]:
    """The output vector in real units, before printing (AD: one MSE value)."""
    deq = (raw_output.astype(np.int32) - model_output.zero_point).astype(np.float32) * np.float32(
        model_output.scale
    )
    if benchmark.result_format != "mse":
        return [float(v) for v in deq]
    expected = np.frombuffer(raw_input, dtype="<f4").astype(np.float64)
    diff = deq.astype(np.float64) - expected
    # Sequential sum (cumsum), as a C loop over the 640 features does it.
    return [float(np.cumsum(diff * diff)[-1] / diff.size)]


def _digits3(v: float) -> str:
    # KWS prints "0.%d%d%d" by hand because some printf implementations lack floats.
    v = max(0.0, v)
    return f"0.{int(v * 10)}{int(v * 100) % 10}{int(v * 1000) % 10}"


def format_results(benchmark: Benchmark, values: list[float]) -> str:
    """The ``m-results-[...]`` line for ``values``."""
    if benchmark.result_format == "digits3":
        body = ",".join(_digits3(v) for v in values)
    else:
        body = ",".join(f"{v:0.3f}" for v in values)
    return f"m-results-[{body}]"


def printed_values(benchmark: Benchmark, values: list[float]) -> tuple[float, ...]:
    """``values`` as the host reads them back from the DUT's ``m-results-[...]`` line."""
    body = format_results(benchmark, values)[len("m-results-[") : -1]
    return tuple(float(v) for v in body.split(","))


def to_float_input(
    benchmark: Benchmark, raw: bytes, model_input: TensorInfo
) -> npt.NDArray[np.float32]:
    """The float model's input for the same bytes: the int8 input, dequantized.

    The int8 reference model's input quantization maps the on-DUT values to the
    real values the float model was trained on (KWS: MFCC, IC: 0-255, VWW: 0-1).
    AD inputs are already float32.
    """
    if benchmark.input_kind == "float32":
        return np.frombuffer(raw, dtype="<f4").astype(np.float32)
    q = to_model_input(benchmark, raw, model_input).astype(np.float32)
    real: npt.NDArray[np.float32] = (q - np.float32(model_input.zero_point)) * np.float32(
        model_input.scale
    )
    return real
