"""The one definition of the reference firmware's pre/post-processing, against the C's arithmetic.

The firmware tests (tests/firmware/test_models_qemu.py) check that the emulated board, the
simulated DUT and these functions print the same line for real inputs; these pin the corners
where float64 host arithmetic or Python's formatting would differ from the firmware's C.
"""

from __future__ import annotations

import numpy as np

from tinybench_gui.benchmarks.catalog import get_benchmark
from tinybench_gui.benchmarks.processing import (
    format_results,
    mse_float32,
    quantize_float_input,
    result_values,
    results_line,
)
from tinybench_gui.models.reference import TensorInfo

SOFTMAX_OUT = TensorInfo((1, 4), np.dtype(np.int8), 1 / 256, -128)


def test_kws_and_ic_lines_as_the_reference_port() -> None:
    out = np.array([-128, 127, 0, -1], dtype=np.int8)
    assert results_line(get_benchmark("kws01"), out, SOFTMAX_OUT, b"") == (
        "m-results-[0.000,0.996,0.500,0.496]"
    )
    assert results_line(get_benchmark("ic01"), out, SOFTMAX_OUT, b"") == (
        "m-results-[0.000,0.996,0.500,0.496]"
    )


def test_kws_digits_follow_c_truncation_and_remainder() -> None:
    kws = get_benchmark("kws01")
    # (int)(-0.25f * 10) = -2, (int)(-25.0f) % 10 = -5 in C (Python's % would give 5).
    assert format_results(kws, [-0.25]) == "m-results-[0.-2-50]"
    # float32 products: 0.7f * 100 = 70.0 in float32 but 69.99999... in float64.
    assert format_results(kws, [0.7]) == "m-results-[0.700]"


def test_fixed3_never_prints_minus_zero() -> None:
    # Exact binary ties go to even: 62.5 -> 62, 187.5 -> 188.
    assert format_results(get_benchmark("ic01"), [-0.0001, 0.0625, 0.1875]) == (
        "m-results-[0.000,0.062,0.188]"
    )


def test_ad_mse_is_a_sequential_float32_sum() -> None:
    rng = np.random.default_rng(3)
    converted = rng.normal(0, 3, 640).astype(np.float32)
    expected = rng.normal(0, 3, 640).astype(np.float32)
    total = np.float32(0)
    for c, x in zip(converted, expected, strict=True):
        diff = np.float32(c - x)
        total = np.float32(total + np.float32(diff * diff))
    assert mse_float32(converted, expected) == float(np.float32(total / np.float32(640)))
    # And through result_values, from an int8 output and the float input bytes.
    out_info = TensorInfo((1, 640), np.dtype(np.int8), 0.05, 3)
    raw_out = rng.integers(-128, 128, 640, dtype=np.int8)
    values = result_values(get_benchmark("ad01"), raw_out, out_info, expected.tobytes())
    deq = (raw_out.astype(np.float32) - np.float32(3)) * np.float32(0.05)
    assert values == [mse_float32(deq, expected)]


def test_ad_quantization_rounds_half_away_clamps_and_zeroes_nan() -> None:
    info = TensorInfo((1, 6), np.dtype(np.int8), 0.5, 10)
    values = np.array([0.25, -0.25, 1e30, -np.inf, np.nan, 0.75], dtype=np.float32)
    # 0.5 -> 1, -0.5 -> -1 (away from zero), huge -> 127, -inf -> -128, NaN -> 0, 1.5 -> 2
    assert quantize_float_input(values, info).tolist() == [11, 9, 127, -128, 0, 12]
