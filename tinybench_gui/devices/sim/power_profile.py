"""The simulated DUT's per-layer current shape, from the model's own layers.

Each operator of the int8 model becomes one segment of an inference: its share
of the time follows its multiply-accumulates (plus a fixed cost per operator),
its current depends on the kind of work. The currents are plausible for a
Cortex-M4 at 120 MHz running CMSIS-NN at 1.8 V (a few mA), not measured ones:
the point is a trace with the model's structure, and an exact ground truth.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

# Current while an operator runs, in A: MAC-bound kernels draw the most,
# memory-bound ones less, bookkeeping ops little above idle.
_OP_CURRENT_A = {
    "CONV_2D": 0.0082,
    "FULLY_CONNECTED": 0.0076,
    "DEPTHWISE_CONV_2D": 0.0068,
    "AVERAGE_POOL_2D": 0.0058,
    "MAX_POOL_2D": 0.0058,
    "ADD": 0.0056,
    "SOFTMAX": 0.0054,
}
_OTHER_OP_CURRENT_A = 0.0050
_FIXED_MACS_PER_OP = 2000  # call overhead, in MAC equivalents


def layer_profile(model_path: Path) -> tuple[tuple[float, float], ...]:
    """``(fraction of the inference time, current in A)`` per operator of the model."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter: Any = Interpreter(
        model_path=str(model_path),
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    tensors = {t["index"]: t for t in interpreter.get_tensor_details()}
    work: list[tuple[float, float]] = []
    for op in interpreter._get_ops_details():
        name = op["op_name"]
        inputs = [i for i in op["inputs"] if i >= 0]
        outputs = list(op["outputs"])
        macs = 0
        if inputs and outputs:
            out_elems = int(np.prod(tensors[outputs[0]]["shape"]))
            weights = tensors[inputs[1]]["shape"] if len(inputs) >= 2 else None
            if name == "CONV_2D" and weights is not None:
                macs = out_elems * int(weights[1] * weights[2] * weights[3])
            elif name == "DEPTHWISE_CONV_2D" and weights is not None:
                macs = out_elems * int(weights[1] * weights[2])
            elif name == "FULLY_CONNECTED" and weights is not None:
                macs = out_elems * int(weights[-1])
            else:
                macs = out_elems
        work.append(
            (float(macs + _FIXED_MACS_PER_OP), _OP_CURRENT_A.get(name, _OTHER_OP_CURRENT_A))
        )
    total = sum(w for w, _ in work) or 1.0
    return tuple((w / total, current) for w, current in work)
