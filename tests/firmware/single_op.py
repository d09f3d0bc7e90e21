"""Tiny single-operator int8 .tflite models, built with the schema shipped in ai-edge-litert.

Each builder returns the model bytes (``file_identifier=b"TFL3"``). Scales are random but
realistic so that the requantization multipliers cover both signs of the shift.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as s

_INT8 = s.TensorType.INT8
_INT32 = s.TensorType.INT32


@dataclass
class _Builder:
    tensors: list[s.TensorT] = field(default_factory=list)
    buffers: list[s.BufferT] = field(default_factory=lambda: [s.BufferT()])

    def tensor(
        self,
        shape: tuple[int, ...],
        ttype: int,
        scales: list[float] | None = None,
        zero_points: list[int] | None = None,
        data: np.ndarray | None = None,
        qdim: int = 0,
    ) -> int:
        t = s.TensorT()
        t.shape = list(shape)
        t.type = ttype
        t.name = f"t{len(self.tensors)}"
        t.buffer = 0
        if data is not None:
            b = s.BufferT()
            b.data = np.frombuffer(data.tobytes(), dtype=np.uint8)
            self.buffers.append(b)
            t.buffer = len(self.buffers) - 1
        if scales is not None:
            q = s.QuantizationParametersT()
            q.scale = list(scales)
            q.zeroPoint = list(zero_points if zero_points is not None else [0] * len(scales))
            q.quantizedDimension = qdim
            t.quantization = q
        self.tensors.append(t)
        return len(self.tensors) - 1

    def finish(
        self, code: int, inputs: list[int], outputs: list[int], options_type: int, options: object
    ) -> bytes:
        op = s.OperatorT()
        op.opcodeIndex = 0
        op.inputs = inputs
        op.outputs = outputs
        op.builtinOptionsType = options_type
        op.builtinOptions = options
        sub = s.SubGraphT()
        sub.tensors = self.tensors
        sub.operators = [op]
        sub.inputs = [i for i in inputs if self.tensors[i].buffer == 0 and i >= 0]
        sub.outputs = outputs
        oc = s.OperatorCodeT()
        oc.builtinCode = code
        oc.deprecatedBuiltinCode = min(code, 127)
        oc.version = 1
        model = s.ModelT()
        model.version = 3
        model.operatorCodes = [oc]
        model.subgraphs = [sub]
        model.buffers = self.buffers
        fb = flatbuffers.Builder(1024)
        fb.Finish(model.Pack(fb), file_identifier=b"TFL3")
        return bytes(fb.Output())


def _scale(rng: np.random.Generator, lo: float = 0.005, hi: float = 0.2) -> float:
    return float(np.float32(rng.uniform(lo, hi)))


def conv2d(
    rng: np.random.Generator,
    *,
    depthwise: bool,
    stride: int,
    padding: int,
    kernel: int,
    channels_in: int,
    channels_out: int,
    size: int,
    activation: int,
) -> bytes:
    b = _Builder()
    in_scale, out_scale = _scale(rng), _scale(rng, 0.02, 0.5)
    x = b.tensor((1, size, size, channels_in), _INT8, [in_scale], [int(rng.integers(-20, 20))])
    oc = channels_in if depthwise else channels_out
    f_scales = [_scale(rng, 0.002, 0.05) for _ in range(oc)]
    fshape = (1, kernel, kernel, oc) if depthwise else (oc, kernel, kernel, channels_in)
    w = rng.integers(-127, 128, size=fshape, dtype=np.int8)
    wi = b.tensor(fshape, _INT8, f_scales, [0] * oc, w, qdim=3 if depthwise else 0)
    bias = rng.integers(-5000, 5000, size=(oc,), dtype=np.int32)
    bi = b.tensor((oc,), _INT32, [in_scale * fs for fs in f_scales], [0] * oc, bias)
    out = (
        (size + stride - 1) // stride
        if padding == s.Padding.SAME
        else (size - kernel) // stride + 1
    )
    y = b.tensor((1, out, out, oc), _INT8, [out_scale], [int(rng.integers(-20, 20))])
    if depthwise:
        o = s.DepthwiseConv2DOptionsT()
        o.depthMultiplier = 1
        code, otype = s.BuiltinOperator.DEPTHWISE_CONV_2D, s.BuiltinOptions.DepthwiseConv2DOptions
    else:
        o = s.Conv2DOptionsT()
        code, otype = s.BuiltinOperator.CONV_2D, s.BuiltinOptions.Conv2DOptions
    o.padding, o.strideW, o.strideH = padding, stride, stride
    o.fusedActivationFunction = activation
    o.dilationWFactor = o.dilationHFactor = 1
    return b.finish(code, [x, wi, bi], [y], otype, o)


def fully_connected(rng: np.random.Generator, *, n_in: int, n_out: int, activation: int) -> bytes:
    b = _Builder()
    in_scale, w_scale = _scale(rng), _scale(rng, 0.002, 0.05)
    x = b.tensor((1, n_in), _INT8, [in_scale], [int(rng.integers(-20, 20))])
    w = rng.integers(-127, 128, size=(n_out, n_in), dtype=np.int8)
    wi = b.tensor((n_out, n_in), _INT8, [w_scale], [0], w)
    bi = b.tensor(
        (n_out,),
        _INT32,
        [in_scale * w_scale],
        [0],
        rng.integers(-5000, 5000, size=(n_out,), dtype=np.int32),
    )
    y = b.tensor((1, n_out), _INT8, [_scale(rng, 0.02, 0.5)], [int(rng.integers(-20, 20))])
    o = s.FullyConnectedOptionsT()
    o.fusedActivationFunction = activation
    return b.finish(
        s.BuiltinOperator.FULLY_CONNECTED,
        [x, wi, bi],
        [y],
        s.BuiltinOptions.FullyConnectedOptions,
        o,
    )


def average_pool(
    rng: np.random.Generator, *, size: int, kernel: int, stride: int, padding: int, channels: int
) -> bytes:
    b = _Builder()
    scale, zp = _scale(rng), int(rng.integers(-20, 20))
    x = b.tensor((1, size, size, channels), _INT8, [scale], [zp])
    out = (
        (size + stride - 1) // stride
        if padding == s.Padding.SAME
        else (size - kernel) // stride + 1
    )
    y = b.tensor((1, out, out, channels), _INT8, [scale], [zp])
    o = s.Pool2DOptionsT()
    o.padding, o.strideW, o.strideH = padding, stride, stride
    o.filterWidth = o.filterHeight = kernel
    return b.finish(s.BuiltinOperator.AVERAGE_POOL_2D, [x], [y], s.BuiltinOptions.Pool2DOptions, o)


def add(rng: np.random.Generator, *, n: int, activation: int) -> bytes:
    """ADD of the input with itself shifted through a reshape would need two ops; instead the
    model has two graph inputs (both int8)."""
    b = _Builder()
    a = b.tensor((1, n), _INT8, [_scale(rng)], [int(rng.integers(-20, 20))])
    c = b.tensor((1, n), _INT8, [_scale(rng)], [int(rng.integers(-20, 20))])
    y = b.tensor((1, n), _INT8, [_scale(rng, 0.02, 0.4)], [int(rng.integers(-20, 20))])
    o = s.AddOptionsT()
    o.fusedActivationFunction = activation
    return b.finish(s.BuiltinOperator.ADD, [a, c], [y], s.BuiltinOptions.AddOptions, o)


def softmax(rng: np.random.Generator, *, n: int, beta: float = 1.0) -> bytes:
    b = _Builder()
    x = b.tensor((1, n), _INT8, [_scale(rng, 0.01, 0.3)], [int(rng.integers(-20, 20))])
    y = b.tensor((1, n), _INT8, [1.0 / 256.0], [-128])
    o = s.SoftmaxOptionsT()
    o.beta = beta
    return b.finish(s.BuiltinOperator.SOFTMAX, [x], [y], s.BuiltinOptions.SoftmaxOptions, o)
