"""Turn an int8 ``.tflite`` graph into C: const weights, precomputed quantization, a static arena.

Output: ``tb_model.h`` (sizes, input/output quantization, arena size) and ``tb_model.c`` (weights,
one parameter struct per operator, ``tb_model_invoke`` calling the kernels of
``firmware/nn/tb_kernels.c`` in graph order). Every quantity LiteRT derives in Prepare is derived
here the same way (see :mod:`.quantization`), which is what keeps the firmware bit-exact.
Design notes: docs/decisions/0009-firmware-generator.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinybench_gui.firmware.graph import Graph, Operator, Tensor, UnsupportedModelError
from tinybench_gui.firmware.quantization import (
    activation_range,
    quantize_multiplier,
    softmax_table,
)

_ARENA_ALIGN = 16
_DEPTHWISE_MAX_CHANNELS = 512  # TB_DEPTHWISE_MAX_CHANNELS in firmware/nn/tb_kernels.h
_INT8 = 9
_INT32 = 2


@dataclass(frozen=True)
class GeneratedModel:
    """What the generator wrote and the figures it computed."""

    header: Path
    source: Path
    arena_size: int
    weight_bytes: int
    op_count: int
    macs: int


def _write_if_changed(path: Path, text: str) -> None:
    """Leave an unchanged file alone so make does not rebuild it."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _cfloat(value: float) -> str:
    """A C float literal that round-trips exactly (hex float)."""
    return f"{float(np.float32(value)).hex()}f"


def _array(ctype: str, name: str, values: np.ndarray) -> str:
    flat = [int(v) for v in values.reshape(-1)]
    lines = []
    for start in range(0, len(flat), 24):
        lines.append("    " + ", ".join(str(v) for v in flat[start : start + 24]) + ",")
    body = "\n".join(lines) if lines else "    0,"
    return f"static const {ctype} {name}[{max(len(flat), 1)}] = {{\n{body}\n}};\n"


def _float_array(name: str, values: np.ndarray) -> str:
    items = [_cfloat(float(v)) for v in values.reshape(-1)]
    lines = ["    " + ", ".join(items[i : i + 6]) + "," for i in range(0, len(items), 6)]
    return f"static const float {name}[{len(items)}] = {{\n" + "\n".join(lines) + "\n};\n"


def _padding(padding: int, in_size: int, k: int, stride: int, dilation: int, out_size: int) -> int:  # noqa: PLR0917
    """TFLite ``ComputePaddingWithOffset``: the leading padding (0 for VALID)."""
    if padding != 0:  # Padding.VALID == 1, SAME == 0
        return 0
    effective = (k - 1) * dilation + 1
    total = max((out_size - 1) * stride + effective - in_size, 0)
    return total // 2


class _Emitter:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.decls: list[str] = []
        self.calls: list[str] = []
        self.weight_bytes = 0
        self.macs = 0

    def tensor(self, index: int) -> Tensor:
        return self.graph.tensors[index]

    def const(self, ctype: str, name: str, values: np.ndarray) -> str:
        self.decls.append(_array(ctype, name, values))
        self.weight_bytes += values.size * (1 if ctype == "int8_t" else 4)
        return name

    def channel_multipliers(
        self, n: int, input_t: Tensor, filter_t: Tensor, output_t: Tensor, tag: str
    ) -> tuple[str, str, int]:
        per_channel = len(filter_t.scales) > 1
        mults, shifts = [], []
        for ch in range(n if per_channel else 1):
            scale = filter_t.scales[ch] if per_channel else filter_t.scales[0]
            # Conv/FC Prepare: float scales widened to double, product and quotient in double.
            product = float(input_t.scale) * float(scale)
            effective = product / float(output_t.scale)
            m, s = quantize_multiplier(effective)
            mults.append(m)
            shifts.append(s)
        if not per_channel:
            mults, shifts = mults * n, shifts * n
        m_name = self.const("int32_t", f"{tag}_mult", np.array(mults, dtype=np.int64))
        s_name = self.const("int32_t", f"{tag}_shift", np.array(shifts, dtype=np.int64))
        return m_name, s_name, int(per_channel)


def _check_int8(t: Tensor, what: str) -> None:
    if t.type_code != _INT8:
        raise UnsupportedModelError(
            f"{what} tensor {t.name!r} is type {t.type_code}, expected int8"
        )


def _plan_arena(graph: Graph) -> tuple[dict[int, int], int]:
    """Offsets of the activation tensors in one static arena (greedy, lifetimes from op order)."""
    alias: dict[int, int] = {}
    for op in graph.operators:
        if op.kind == "RESHAPE":
            alias[op.outputs[0]] = op.inputs[0]

    def root(i: int) -> int:
        while i in alias:
            i = alias[i]
        return i

    first: dict[int, int] = {}
    last: dict[int, int] = {}
    size: dict[int, int] = {}

    def touch(i: int, step: int) -> None:
        if i < 0 or graph.tensors[i].data is not None:
            return
        r = root(i)
        first[r] = min(first.get(r, step), step)
        last[r] = max(last.get(r, step), step)
        size[r] = max(
            size.get(r, 0),
            graph.tensors[i].size * (4 if graph.tensors[i].type_code == _INT32 else 1),
        )

    for i in graph.inputs:
        touch(i, -1)
    for step, op in enumerate(graph.operators):
        for i in (*op.inputs, *op.outputs):
            touch(i, step)
    # The input stays intact for the whole invoke: warm-up and timed inferences rerun the
    # model on the tensor th_load_tensor() filled once.
    for i in (*graph.inputs, *graph.outputs):
        touch(i, len(graph.operators))

    placed: list[tuple[int, int, int, int]] = []  # offset, size, first, last
    offsets: dict[int, int] = {}
    for r in sorted(size, key=lambda k: (-size[k], first[k])):
        overlapping = sorted((o, s) for o, s, f, l_ in placed if not (l_ < first[r] or last[r] < f))
        offset = 0
        for o, s in overlapping:
            if offset + size[r] <= o:
                break
            offset = max(offset, -(-(o + s) // _ARENA_ALIGN) * _ARENA_ALIGN)
        placed.append((offset, size[r], first[r], last[r]))
        offsets[r] = offset
    arena = max((o + s for o, s, _, _ in placed), default=0)
    all_offsets = {i: offsets[root(i)] for i in range(len(graph.tensors)) if root(i) in offsets}
    return all_offsets, -(-arena // _ARENA_ALIGN) * _ARENA_ALIGN


def generate(graph: Graph, out_dir: Path, *, model_name: str) -> GeneratedModel:
    """Write ``tb_model.h`` and ``tb_model.c`` for ``graph`` into ``out_dir``."""
    if len(graph.outputs) != 1:
        raise UnsupportedModelError("only single-output models are supported")
    offsets, arena_size = _plan_arena(graph)
    em = _Emitter(graph)

    def buf(i: int, const: bool = False) -> str:
        cast = "const int8_t *" if const else "int8_t *"
        return f"({cast})(tb_arena + {offsets[i]})"

    for n, op in enumerate(graph.operators):
        tag = f"op{n}"
        handler = _HANDLERS[op.kind]
        handler(em, op, tag, buf)

    in_t = graph.tensors[graph.inputs[0]]
    out_t = graph.tensors[graph.outputs[0]]
    for i in graph.inputs:
        _check_int8(graph.tensors[i], "input")
    _check_int8(out_t, "output")
    out_dir.mkdir(parents=True, exist_ok=True)
    header = out_dir / "tb_model.h"
    source = out_dir / "tb_model.c"
    _write_if_changed(
        header,
        f"""/* Generated by tinybench_gui.firmware.codegen from {model_name}. Do not edit. */
#ifndef TB_MODEL_H
#define TB_MODEL_H

#include <stdint.h>

#define TB_MODEL_INPUT_SIZE {in_t.size}
#define TB_MODEL_OUTPUT_SIZE {out_t.size}
#define TB_MODEL_INPUT_SCALE {_cfloat(in_t.scale)}
#define TB_MODEL_INPUT_ZERO_POINT ({in_t.zero_point})
#define TB_MODEL_OUTPUT_SCALE {_cfloat(out_t.scale)}
#define TB_MODEL_OUTPUT_ZERO_POINT ({out_t.zero_point})
#define TB_MODEL_ARENA_SIZE {arena_size}
#define TB_MODEL_OP_COUNT {len(graph.operators)}
/* Extra graph inputs exist only in single-op test models; the benchmark models have one. */
#define TB_MODEL_INPUT_COUNT {len(graph.inputs)}
#define TB_MODEL_INPUT_SIZES {{{", ".join(str(graph.tensors[i].size) for i in graph.inputs)}}}

int8_t *tb_model_input(void);
int8_t *tb_model_input_at(int index);
const int8_t *tb_model_output(void);
void tb_model_invoke(void);

#endif
""",
    )
    body = "\n".join(em.decls)
    input_offsets = ", ".join(str(offsets[i]) for i in graph.inputs)
    calls = "\n".join(f"    {c}" for c in em.calls)
    _write_if_changed(
        source,
        f"""/* Generated by tinybench_gui.firmware.codegen from {model_name}. Do not edit. */
#include "tb_model.h"

#include <string.h>

#include "tb_kernels.h"

static uint8_t tb_arena[TB_MODEL_ARENA_SIZE] __attribute__((aligned({_ARENA_ALIGN})));

{body}
int8_t *tb_model_input(void) {{ return {buf(graph.inputs[0])}; }}

int8_t *tb_model_input_at(int index)
{{
    static const uint32_t offsets[TB_MODEL_INPUT_COUNT] = {{{input_offsets}}};
    return (int8_t *)(tb_arena + offsets[index]);
}}

const int8_t *tb_model_output(void) {{ return {buf(graph.outputs[0], True)}; }}

void tb_model_invoke(void)
{{
{calls}
}}
""",
    )
    return GeneratedModel(
        header=header,
        source=source,
        arena_size=arena_size,
        weight_bytes=em.weight_bytes,
        op_count=len(graph.operators),
        macs=em.macs,
    )


_Buf = object  # the buf() closure; typed loosely to keep the handler table simple


def _conv_like(em: _Emitter, op: Operator, tag: str, buf, depthwise: bool) -> None:  # type: ignore[no-untyped-def]
    in_t, f_t = em.tensor(op.inputs[0]), em.tensor(op.inputs[1])
    out_t = em.tensor(op.outputs[0])
    bias_i = op.inputs[2] if len(op.inputs) > 2 else -1
    for t, what in ((in_t, "input"), (f_t, "filter"), (out_t, "output")):
        _check_int8(t, f"{op.kind} {what}")
    if in_t.shape[0] != 1:
        raise UnsupportedModelError(f"{op.kind}: batch {in_t.shape[0]} is not supported")
    if f_t.data is None:
        raise UnsupportedModelError(f"{op.kind}: non-constant filter")
    if any(z != 0 for z in f_t.zero_points):
        raise UnsupportedModelError(f"{op.kind}: filter zero point must be 0")
    o = op.options
    _, ih, iw, ic = in_t.shape
    _, oh, ow, oc = out_t.shape
    kh, kw = f_t.shape[1], f_t.shape[2]
    dil_h, dil_w = int(o.dilationHFactor or 1), int(o.dilationWFactor or 1)
    pad_h = _padding(o.padding, ih, kh, o.strideH, dil_h, oh)
    pad_w = _padding(o.padding, iw, kw, o.strideW, dil_w, ow)
    act_min, act_max = activation_range(o.fusedActivationFunction, out_t.scale, out_t.zero_point)
    filt = em.const("int8_t", f"{tag}_filter", f_t.data)
    bias = "NULL"
    if bias_i >= 0:
        bias = em.const("int32_t", f"{tag}_bias", em.tensor(bias_i).data.astype(np.int64))  # type: ignore[union-attr]
    mult, shift, _ = em.channel_multipliers(oc, in_t, f_t, out_t, tag)
    mult_k = int(o.depthMultiplier) if depthwise else 1
    if depthwise and oc > _DEPTHWISE_MAX_CHANNELS:
        raise UnsupportedModelError(
            f"DEPTHWISE_CONV_2D with {oc} channels (the kernel's limit is "
            f"{_DEPTHWISE_MAX_CHANNELS}, TB_DEPTHWISE_MAX_CHANNELS in tb_kernels.h)"
        )
    em.macs += oh * ow * oc * kh * kw * (1 if depthwise else ic)
    em.decls.append(
        f"static const tb_conv_params {tag} = {{{ih}, {iw}, {ic}, {oh}, {ow}, {oc}, {kh}, {kw}, "
        f"{o.strideH}, {o.strideW}, {dil_h}, {dil_w}, {pad_h}, {pad_w}, {mult_k}, "
        f"{-in_t.zero_point}, {out_t.zero_point}, {act_min}, {act_max}, "
        f"{filt}, {bias}, {mult}, {shift}}};\n"
    )
    fn = "tb_depthwise_conv2d_s8" if depthwise else "tb_conv2d_s8"
    em.calls.append(f"{fn}(&{tag}, {buf(op.inputs[0], True)}, {buf(op.outputs[0])});")


def _conv(em: _Emitter, op: Operator, tag: str, buf) -> None:  # type: ignore[no-untyped-def]
    _conv_like(em, op, tag, buf, depthwise=False)


def _depthwise(em: _Emitter, op: Operator, tag: str, buf) -> None:  # type: ignore[no-untyped-def]
    _conv_like(em, op, tag, buf, depthwise=True)


def _fully_connected(em: _Emitter, op: Operator, tag: str, buf) -> None:  # type: ignore[no-untyped-def]
    in_t, f_t, out_t = em.tensor(op.inputs[0]), em.tensor(op.inputs[1]), em.tensor(op.outputs[0])
    for t, what in ((in_t, "input"), (f_t, "weights"), (out_t, "output")):
        _check_int8(t, f"FULLY_CONNECTED {what}")
    if f_t.data is None:
        raise UnsupportedModelError("FULLY_CONNECTED: non-constant weights")
    if any(z != 0 for z in f_t.zero_points):
        raise UnsupportedModelError("FULLY_CONNECTED: weights zero point must be 0")
    out_depth, in_depth = f_t.shape
    batches = in_t.size // in_depth
    bias_i = op.inputs[2] if len(op.inputs) > 2 else -1
    act_min, act_max = activation_range(
        op.options.fusedActivationFunction, out_t.scale, out_t.zero_point
    )
    filt = em.const("int8_t", f"{tag}_filter", f_t.data)
    bias = "NULL"
    if bias_i >= 0:
        bias = em.const("int32_t", f"{tag}_bias", em.tensor(bias_i).data.astype(np.int64))  # type: ignore[union-attr]
    mult, shift, per_channel = em.channel_multipliers(out_depth, in_t, f_t, out_t, tag)
    em.macs += batches * in_depth * out_depth
    em.decls.append(
        f"static const tb_fc_params {tag} = {{{batches}, {in_depth}, {out_depth}, "
        f"{-in_t.zero_point}, {out_t.zero_point}, {act_min}, {act_max}, {per_channel}, "
        f"{filt}, {bias}, {mult}, {shift}}};\n"
    )
    em.calls.append(
        f"tb_fully_connected_s8(&{tag}, {buf(op.inputs[0], True)}, {buf(op.outputs[0])});"
    )


def _average_pool(em: _Emitter, op: Operator, tag: str, buf) -> None:  # type: ignore[no-untyped-def]
    in_t, out_t = em.tensor(op.inputs[0]), em.tensor(op.outputs[0])
    _check_int8(in_t, "AVERAGE_POOL_2D input")
    if (in_t.scale, in_t.zero_point) != (out_t.scale, out_t.zero_point):
        raise UnsupportedModelError("AVERAGE_POOL_2D: input and output quantization differ")
    o = op.options
    _, ih, iw, c = in_t.shape
    _, oh, ow, _ = out_t.shape
    pad_h = _padding(o.padding, ih, o.filterHeight, o.strideH, 1, oh)
    pad_w = _padding(o.padding, iw, o.filterWidth, o.strideW, 1, ow)
    act_min, act_max = activation_range(o.fusedActivationFunction, out_t.scale, out_t.zero_point)
    em.decls.append(
        f"static const tb_pool_params {tag} = {{{ih}, {iw}, {c}, {oh}, {ow}, "
        f"{o.filterHeight}, {o.filterWidth}, {o.strideH}, {o.strideW}, {pad_h}, {pad_w}, "
        f"{act_min}, {act_max}}};\n"
    )
    em.calls.append(f"tb_average_pool_s8(&{tag}, {buf(op.inputs[0], True)}, {buf(op.outputs[0])});")


def _add(em: _Emitter, op: Operator, tag: str, buf) -> None:  # type: ignore[no-untyped-def]
    a, b, out_t = em.tensor(op.inputs[0]), em.tensor(op.inputs[1]), em.tensor(op.outputs[0])
    for t, what in ((a, "input1"), (b, "input2"), (out_t, "output")):
        _check_int8(t, f"ADD {what}")
        if t.data is not None:
            raise UnsupportedModelError("ADD: constant operands are not supported")
    if a.shape != b.shape:
        raise UnsupportedModelError(f"ADD: broadcasting {a.shape} + {b.shape} is not supported")
    left_shift = 20
    # add.cc Prepare: float scales, double arithmetic.
    twice_max = float(2 * np.float32(max(np.float32(a.scale), np.float32(b.scale))))
    real_1 = float(np.float32(a.scale)) / twice_max
    real_2 = float(np.float32(b.scale)) / twice_max
    real_out = twice_max / float(np.float32((1 << left_shift) * np.float32(out_t.scale)))
    m1, s1 = quantize_multiplier(real_1)
    m2, s2 = quantize_multiplier(real_2)
    mo, so = quantize_multiplier(real_out)
    act_min, act_max = activation_range(
        op.options.fusedActivationFunction, out_t.scale, out_t.zero_point
    )
    em.decls.append(
        f"static const tb_add_params {tag} = {{{a.size}, {left_shift}, "
        f"{-a.zero_point}, {m1}, {s1}, {-b.zero_point}, {m2}, {s2}, "
        f"{out_t.zero_point}, {mo}, {so}, {act_min}, {act_max}}};\n"
    )
    em.calls.append(
        f"tb_add_s8(&{tag}, {buf(op.inputs[0], True)}, {buf(op.inputs[1], True)}, "
        f"{buf(op.outputs[0])});"
    )


def _softmax(em: _Emitter, op: Operator, tag: str, buf) -> None:  # type: ignore[no-untyped-def]
    in_t, out_t = em.tensor(op.inputs[0]), em.tensor(op.outputs[0])
    _check_int8(in_t, "SOFTMAX input")
    _check_int8(out_t, "SOFTMAX output")
    depth = in_t.shape[-1]
    table = softmax_table(in_t.scale, float(op.options.beta))
    em.decls.append(_float_array(f"{tag}_table", table))
    em.weight_bytes += table.nbytes
    em.decls.append(
        f"static const tb_softmax_params {tag} = {{{in_t.size // depth}, {depth}, "
        f"{tag}_table, {_cfloat(out_t.scale)}, {out_t.zero_point}}};\n"
    )
    em.calls.append(f"tb_softmax_s8(&{tag}, {buf(op.inputs[0], True)}, {buf(op.outputs[0])});")


def _reshape(em: _Emitter, op: Operator, tag: str, buf) -> None:  # type: ignore[no-untyped-def]
    # The arena planner gives the output the input's storage: nothing to run.
    em.calls.append(f"/* {tag}: RESHAPE (aliased, no copy) */")


_HANDLERS = {
    "CONV_2D": _conv,
    "DEPTHWISE_CONV_2D": _depthwise,
    "FULLY_CONNECTED": _fully_connected,
    "AVERAGE_POOL_2D": _average_pool,
    "ADD": _add,
    "SOFTMAX": _softmax,
    "RESHAPE": _reshape,
}
