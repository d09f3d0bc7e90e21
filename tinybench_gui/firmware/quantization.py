"""TFLite's integer-arithmetic helpers, computed on the host exactly as LiteRT computes them.

The firmware must be bit-exact with LiteRT's builtin kernels, so every number that LiteRT derives
in a kernel's Prepare step (multipliers, shifts, activation ranges, the softmax table) is derived
here with the same float/double steps and baked into the generated C.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from collections.abc import Callable

import numpy as np


def quantize_multiplier(real_multiplier: float) -> tuple[int, int]:
    """TFLite ``QuantizeMultiplier``: (Q31 significand, power-of-two exponent).

    ``std::round`` rounds half away from zero; the significand is always positive here.
    """
    if real_multiplier == 0.0:
        return 0, 0
    fraction, shift = math.frexp(real_multiplier)
    q_fixed = math.floor(abs(fraction) * (1 << 31) + 0.5)
    if fraction < 0:
        q_fixed = -q_fixed
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift = 0
        q_fixed = 0
    return int(q_fixed), int(shift)


def activation_range(activation: int, scale: float, zero_point: int) -> tuple[int, int]:
    """``CalculateActivationRangeQuantized`` for int8 (0 none, 1 RELU, 2 RELU_N1_TO_1, 3 RELU6)."""
    qmin, qmax = -128, 127

    def quantize(value: float) -> int:
        # TfLiteRound(value / scale) in float, as the kernel does.
        ratio = np.float32(np.float32(value) / np.float32(scale))
        return zero_point + int(math.copysign(math.floor(abs(float(ratio)) + 0.5), float(ratio)))

    if activation == 0:
        return qmin, qmax
    if activation == 1:
        return max(qmin, quantize(0.0)), qmax
    if activation == 3:
        return max(qmin, quantize(0.0)), min(qmax, quantize(6.0))
    if activation == 2:
        return max(qmin, quantize(-1.0)), min(qmax, quantize(1.0))
    raise ValueError(f"unsupported fused activation {activation}")


def _libm_expf() -> Callable[[float], float] | None:
    name = ctypes.util.find_library("m")
    if name is None:
        return None
    try:
        libm = ctypes.CDLL(name)
    except OSError:
        return None
    expf = libm.expf
    expf.restype = ctypes.c_float
    expf.argtypes = [ctypes.c_float]
    return lambda x: float(expf(x))


def softmax_table(input_scale: float, beta: float) -> np.ndarray:
    """The 256-entry float table of ``optimized_ops::PopulateSoftmaxLookupTable``.

    ``table[255 - v] = expf(-input_scale * beta * v)``. LiteRT calls the C library's ``expf``;
    using the same one (through ctypes) keeps the table bit-identical on the host. Without a C
    library, the double-precision exp rounded to float is used (it agrees almost always).
    """
    expf = _libm_expf()
    scale = np.float32(-np.float32(input_scale) * np.float32(beta))
    table = np.zeros(256, dtype=np.float32)
    for val in range(256):
        arg = np.float32(scale * np.float32(val))
        value = expf(float(arg)) if expf is not None else math.exp(float(arg))
        table[255 - val] = np.float32(value)
    return table
