"""The reference firmware's pre- and post-processing (benchmark.md §1.3, §4.2): the one definition.

The simulated DUT, the host reference check, dataset synthesis and the firmware tests all use
these functions, so a DUT answer can be compared with the host byte for byte. The arithmetic is
the C firmware's (``firmware/harness/tb_bench.c``, built with ``-ffp-contract=off``), which
follows the reference ports' ``submitter_implemented.cpp``:

- AD quantizes ``value / scale`` computed in float32, rounds half away from zero (``round``),
  clamps; a NaN quotient gives 0 (what an ARM float-to-int conversion gives).
- Outputs are dequantized in float32: ``(float)(q - zero_point) * scale``.
- AD's MSE is a float32 sum over the 640 features, in order, then a float32 division.
- KWS prints ``0.%d%d%d`` from ``(int)(v * 10)``, ``(int)(v * 100) % 10`` and
  ``(int)(v * 1000) % 10`` with float32 products and C truncation and remainder.
- The others print ``%0.3f`` (correctly rounded, ties to even on the exact binary value); a
  value that rounds to zero prints without a minus sign, as the firmware's printer does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from tinybench_gui.benchmarks.catalog import Benchmark
from tinybench_gui.models.reference import TensorInfo

_QUOTIENT_CLAMP = 1.0e6  # the firmware clamps before converting to an integer


def round_half_away(x: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.floating[Any]]:
    """``std::round``: halves away from zero (numpy's ``round`` goes to even)."""
    rounded: npt.NDArray[np.floating[Any]] = np.sign(x) * np.floor(np.abs(x) + 0.5)
    return rounded


def quantize_float_input(
    values: npt.NDArray[np.float32], model_input: TensorInfo
) -> npt.NDArray[np.int8]:
    """AD's ``QuantizeFloatToInt8``: float32 quotient, round half away, clamp to int8."""
    quotient = (values.astype(np.float32) / np.float32(model_input.scale)).astype(np.float64)
    nan = np.isnan(quotient)
    # r + 0.5 is exact in double for a float32-valued r below the clamp.
    r = round_half_away(np.clip(np.where(nan, 0.0, quotient), -_QUOTIENT_CLAMP, _QUOTIENT_CLAMP))
    q = np.clip(r + model_input.zero_point, -128, 127)
    q[nan] = 0
    quantized: npt.NDArray[np.int8] = q.astype(np.int8)
    return quantized


def to_model_input(
    benchmark: Benchmark, raw: bytes, model_input: TensorInfo
) -> npt.NDArray[np.int8]:
    """The int8 model input the reference port builds from the bytes it was sent."""
    if benchmark.preprocess == "as_int8":
        return np.frombuffer(raw, dtype=np.int8).copy()
    if benchmark.preprocess == "minus_128":
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.int16) - 128).astype(np.int8)
    return quantize_float_input(np.frombuffer(raw, dtype="<f4"), model_input)


def dequantize(raw_output: npt.NDArray[Any], model_output: TensorInfo) -> npt.NDArray[np.float32]:
    """``(float)(q - zero_point) * scale`` in float32, as the firmware dequantizes outputs."""
    values: npt.NDArray[np.float32] = (
        raw_output.reshape(-1).astype(np.int32) - model_output.zero_point
    ).astype(np.float32) * np.float32(model_output.scale)
    return values


def mse_float32(converted: npt.NDArray[np.float32], expected: npt.NDArray[np.float32]) -> float:
    """AD's score: float32 squared differences summed in order, divided in float32."""
    diff = converted.astype(np.float32) - expected.astype(np.float32)
    # add.accumulate is a sequential float32 sum, as the C loop does it (np.sum is pairwise).
    total = np.add.accumulate(diff * diff, dtype=np.float32)[-1]
    return float(np.float32(total / np.float32(diff.size)))


def result_values(
    benchmark: Benchmark, raw_output: npt.NDArray[Any], model_output: TensorInfo, raw_input: bytes
) -> list[float]:
    """The output vector in real units, before printing (AD: one MSE value)."""
    converted = dequantize(raw_output, model_output)
    if benchmark.result_format != "mse":
        return [float(v) for v in converted]
    return [mse_float32(converted, np.frombuffer(raw_input, dtype="<f4"))]


def _c_int(value: np.float32) -> int:
    return int(value)  # (int)x in C truncates toward zero, as int() does


def _c_rem10(value: int) -> int:
    # C's % keeps the dividend's sign; Python's follows the divisor.
    rem = abs(value) % 10
    return -rem if value < 0 else rem


def _digits3(value: float) -> str:
    # KWS prints "0.%d%d%d" by hand because some printf implementations lack floats.
    v = np.float32(value)
    tenths = _c_int(v * np.float32(10))
    hundredths = _c_rem10(_c_int(v * np.float32(100)))
    thousandths = _c_rem10(_c_int(v * np.float32(1000)))
    return f"0.{tenths}{hundredths}{thousandths}"


def _fixed3(value: float) -> str:
    # value is a float32; value * 1000 is exact in double, so Python's correctly rounded
    # "%.3f" is what the firmware prints, except that it never prints "-0.000".
    text = f"{float(np.float32(value)):.3f}"
    return "0.000" if text == "-0.000" else text


def format_results(benchmark: Benchmark, values: list[float]) -> str:
    """The ``m-results-[...]`` line for ``values``."""
    if benchmark.result_format == "digits3":
        body = ",".join(_digits3(v) for v in values)
    else:
        body = ",".join(_fixed3(v) for v in values)
    return f"m-results-[{body}]"


def results_line(
    benchmark: Benchmark, raw_output: npt.NDArray[Any], model_output: TensorInfo, raw_input: bytes
) -> str:
    """The line a reference DUT prints for the int8 model output ``raw_output``."""
    return format_results(benchmark, result_values(benchmark, raw_output, model_output, raw_input))


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
