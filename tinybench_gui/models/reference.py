"""Host inference with LiteRT, bit-exact with the builtin kernels (no delegates).

XNNPACK rounds int8 differently (platform.md §1: up to 40 LSB); the builtin kernels
without default delegates were bit-identical across runtimes, so they are the
reference every DUT answer is compared with.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class TensorInfo:
    """Shape, dtype and quantization of a model input or output."""

    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    scale: float
    zero_point: int

    @property
    def size(self) -> int:
        """Number of elements."""
        return int(np.prod(self.shape))


def _tensor_info(detail: dict[str, Any]) -> TensorInfo:
    scale, zero_point = detail["quantization"]
    return TensorInfo(
        tuple(int(d) for d in detail["shape"]),
        np.dtype(detail["dtype"]),
        float(scale),
        int(zero_point),
    )


class ReferenceModel:
    """One ``.tflite`` model in LiteRT; ``run`` is thread-safe (one interpreter, one lock)."""

    def __init__(self, path: Path) -> None:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        self.path = path
        self._interpreter = Interpreter(
            model_path=str(path),
            num_threads=1,
            experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        )
        self._interpreter.allocate_tensors()
        in_detail = self._interpreter.get_input_details()[0]
        out_detail = self._interpreter.get_output_details()[0]
        self._in_index = int(in_detail["index"])
        self._out_index = int(out_detail["index"])
        self.input = _tensor_info(in_detail)
        self.output = _tensor_info(out_detail)
        self._lock = threading.Lock()
        self.macs = _count_macs(self._interpreter)

    def run(self, x: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Run one inference on ``x`` (reshaped to the input shape); return the raw output."""
        data = np.asarray(x, dtype=self.input.dtype).reshape(self.input.shape)
        with self._lock:
            self._interpreter.set_tensor(self._in_index, data)
            self._interpreter.invoke()
            out = self._interpreter.get_tensor(self._out_index)
        return np.array(out).reshape(-1)

    def dequantize_output(self, raw: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
        """Output values in real units (``(q - zp) * scale`` for int8 models)."""
        if self.output.dtype == np.float32:
            return raw.astype(np.float32)
        return (
            (raw.astype(np.int32) - self.output.zero_point) * np.float32(self.output.scale)
        ).astype(np.float32)


def _count_macs(interpreter: Any) -> int:
    """Multiply-accumulates per inference, from the conv, depthwise and FC ops' shapes."""
    tensors = {t["index"]: t for t in interpreter.get_tensor_details()}
    total = 0
    for op in interpreter._get_ops_details():
        name = op["op_name"]
        inputs = [i for i in op["inputs"] if i >= 0]
        outputs = list(op["outputs"])
        if not inputs or not outputs:
            continue
        out_shape = tensors[outputs[0]]["shape"]
        out_elems = int(np.prod(out_shape))
        if name == "CONV_2D" and len(inputs) >= 2:
            w = tensors[inputs[1]]["shape"]  # [out_c, kh, kw, in_c]
            total += out_elems * int(w[1] * w[2] * w[3])
        elif name == "DEPTHWISE_CONV_2D" and len(inputs) >= 2:
            w = tensors[inputs[1]]["shape"]  # [1, kh, kw, out_c]
            total += out_elems * int(w[1] * w[2])
        elif name == "FULLY_CONNECTED" and len(inputs) >= 2:
            w = tensors[inputs[1]]["shape"]  # [out, in]
            total += out_elems * int(w[-1])
        elif name in ("ADD", "AVERAGE_POOL_2D", "SOFTMAX"):
            total += out_elems  # small, but not free on a Cortex-M
    return total
