"""A minimal reader of int8 ``.tflite`` models (flatbuffers schema shipped in ai-edge-litert).

It keeps only what the generator needs: tensors (shape, quantization, constant data) and the
operator sequence with its options. Anything outside the supported operator set is rejected with a
message naming the operator, so an unsupported model fails at generation time, not on the board.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

SUPPORTED_OPS = (
    "CONV_2D",
    "DEPTHWISE_CONV_2D",
    "FULLY_CONNECTED",
    "AVERAGE_POOL_2D",
    "ADD",
    "SOFTMAX",
    "RESHAPE",
)

_NUMPY_TYPES = {0: np.float32, 2: np.int32, 3: np.uint8, 4: np.int64, 7: np.int16, 9: np.int8}


class UnsupportedModelError(ValueError):
    """The model uses something the generator cannot turn into C."""


@dataclass(frozen=True)
class Tensor:
    """One tensor of the graph."""

    index: int
    name: str
    shape: tuple[int, ...]
    type_code: int
    scales: tuple[float, ...]
    zero_points: tuple[int, ...]
    data: np.ndarray | None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1

    @property
    def scale(self) -> float:
        return self.scales[0]

    @property
    def zero_point(self) -> int:
        return self.zero_points[0]


@dataclass(frozen=True)
class Operator:
    """One operator: its builtin name, tensor indices (-1 = absent) and options object."""

    kind: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    options: Any = field(repr=False)


@dataclass(frozen=True)
class Graph:
    """The single subgraph of a model."""

    tensors: tuple[Tensor, ...]
    operators: tuple[Operator, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


def read_graph(path: Path) -> Graph:
    """Parse ``path``; raise :class:`UnsupportedModelError` for anything we cannot generate."""
    from ai_edge_litert import schema_py_generated as schema

    buf = path.read_bytes()
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(buf, 0))
    if len(model.subgraphs) != 1:
        raise UnsupportedModelError(f"{path.name}: {len(model.subgraphs)} subgraphs, expected 1")
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    sub = model.subgraphs[0]
    tensors = []
    for index, t in enumerate(sub.tensors):
        q = t.quantization
        scales = tuple(float(s) for s in q.scale) if q is not None and q.scale is not None else ()
        zps = (
            tuple(int(z) for z in q.zeroPoint) if q is not None and q.zeroPoint is not None else ()
        )
        data = None
        buffer = model.buffers[t.buffer] if t.buffer < len(model.buffers) else None
        if buffer is not None and buffer.data is not None and len(buffer.data) > 0:
            dtype = _NUMPY_TYPES.get(t.type)
            if dtype is None:
                raise UnsupportedModelError(f"{path.name}: tensor {t.name!r} has type {t.type}")
            raw = np.asarray(buffer.data, dtype=np.uint8).tobytes()
            shape = tuple(int(d) for d in t.shape) if t.shape is not None else ()
            data = np.frombuffer(raw, dtype=dtype).reshape(shape)
        tensors.append(
            Tensor(
                index=index,
                name=t.name.decode() if isinstance(t.name, bytes) else str(t.name),
                shape=tuple(int(d) for d in t.shape) if t.shape is not None else (),
                type_code=int(t.type),
                scales=scales,
                zero_points=zps,
                data=data,
            )
        )
    operators = []
    for op in sub.operators:
        code = model.operatorCodes[op.opcodeIndex]
        kind = names.get(max(code.builtinCode, code.deprecatedBuiltinCode), "?")
        if kind not in SUPPORTED_OPS:
            raise UnsupportedModelError(
                f"{path.name}: operator {kind} is not supported "
                f"(supported: {', '.join(SUPPORTED_OPS)})"
            )
        operators.append(
            Operator(
                kind=kind,
                inputs=tuple(int(i) for i in op.inputs),
                outputs=tuple(int(i) for i in op.outputs),
                options=op.builtinOptions,
            )
        )
    return Graph(
        tensors=tuple(tensors),
        operators=tuple(operators),
        inputs=tuple(int(i) for i in sub.inputs),
        outputs=tuple(int(i) for i in sub.outputs),
    )
