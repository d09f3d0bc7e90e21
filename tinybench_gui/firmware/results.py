"""The reference ports' pre- and post-processing on the host, bit for bit as the firmware does it.

Used to predict the exact ``m-results-[...]`` text from LiteRT's outputs (tests compare the two)
and by anything that wants the firmware's view of a host-side inference.
Arithmetic is float32 where the C is float (no fused multiply-add in either).
"""

from __future__ import annotations

import math

import numpy as np


def preprocess(kind: str, raw: bytes, input_scale: float, input_zero_point: int) -> np.ndarray:
    """The int8 input tensor the firmware builds from the ``db`` bytes."""
    if kind == "ad":
        values = np.frombuffer(raw, dtype="<f4")
        q = np.empty(values.size, dtype=np.int8)
        scale = np.float32(input_scale)
        for i, v in enumerate(values):
            r = float(np.float32(v / scale))
            if math.isnan(r):
                q[i] = 0
                continue
            r = max(-1.0e6, min(1.0e6, r))
            rounded = math.floor(r + 0.5) if r >= 0 else -math.floor(-r + 0.5)
            q[i] = max(-128, min(127, rounded + input_zero_point))
        return q
    data = np.frombuffer(raw, dtype=np.uint8)
    if kind in ("ic", "vww"):
        return (data.astype(np.int16) - 128).astype(np.int8)
    return data.view(np.int8).copy()


def _fixed3(value: np.float32) -> str:
    # printf("%0.3f", (double)value): value * 1000 is exact in double; ties go to even.
    return f"{float(value):.3f}"


def _dequantize(out: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    return (out.astype(np.int32) - zero_point).astype(np.float32) * np.float32(scale)


def format_results(
    kind: str,
    output: np.ndarray,
    output_scale: float,
    output_zero_point: int,
    input_float: np.ndarray | None = None,
) -> str:
    """The ``m-results-[...]`` line (without CR LF) for an int8 model output."""
    deq = _dequantize(output.reshape(-1), output_scale, output_zero_point)
    if kind == "ad":
        if input_float is None:
            raise ValueError("AD results need the float input")
        diffsum = np.float32(0.0)
        for converted, x in zip(deq, input_float.astype(np.float32), strict=True):
            diff = np.float32(converted - x)
            diffsum = np.float32(diffsum + np.float32(diff * diff))
        diffsum = np.float32(diffsum / np.float32(deq.size))
        return f"m-results-[{_fixed3(diffsum)}]"
    if kind == "kws":
        parts = []
        for c in deq:
            a = int(np.float32(c * np.float32(10)))
            b = int(np.float32(c * np.float32(100))) % 10
            d = int(np.float32(c * np.float32(1000))) % 10
            parts.append(f"0.{a}{b}{d}")
        return "m-results-[" + ",".join(parts) + "]"
    return "m-results-[" + ",".join(_fixed3(c) for c in deq) + "]"
