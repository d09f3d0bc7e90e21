"""Each int8 kernel against LiteRT (builtin kernels, no delegates) on single-op models."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as s
from ai_edge_litert.interpreter import Interpreter, OpResolverType

from tests.firmware import single_op
from tests.firmware.conftest import FIRMWARE_DIR, require_tools
from tinybench_gui.firmware.codegen import generate
from tinybench_gui.firmware.graph import read_graph

SAME, VALID = s.Padding.SAME, s.Padding.VALID
RECORDS = 24


def _run_host(
    model: Path, work: Path, records: list[list[np.ndarray]], defines: list[str]
) -> np.ndarray:
    gen = work / "gen"
    generate(read_graph(model), gen, model_name=model.name)
    exe = work / "run"
    subprocess.run(
        [
            "cc", "-O2", "-std=c11", "-ffp-contract=off", *defines,
            "-I", str(gen), "-I", str(FIRMWARE_DIR / "nn"),
            str(gen / "tb_model.c"), str(FIRMWARE_DIR / "nn" / "tb_kernels.c"),
            str(FIRMWARE_DIR / "tools" / "tb_run_model.c"), "-o", str(exe),
        ],
        check=True,
    )  # fmt: skip
    stdin = b"".join(x.tobytes() for rec in records for x in rec)
    out = subprocess.run([str(exe)], input=stdin, capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype=np.int8).reshape(len(records), -1)


def _run_litert(model: Path, records: list[list[np.ndarray]]) -> np.ndarray:
    it = Interpreter(
        model_path=str(model),
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    it.allocate_tensors()
    inputs = it.get_input_details()
    out = it.get_output_details()[0]
    results = []
    for rec in records:
        for d, x in zip(inputs, rec, strict=True):
            it.set_tensor(d["index"], x)
        it.invoke()
        results.append(it.get_tensor(out["index"]).reshape(-1).copy())
    return np.stack(results)


CASES = {
    "conv3x3_same_relu": lambda r: single_op.conv2d(
        r, depthwise=False, stride=1, padding=SAME, kernel=3, channels_in=8, channels_out=16,
        size=10, activation=1),
    "conv3x3_valid_stride2": lambda r: single_op.conv2d(
        r, depthwise=False, stride=2, padding=VALID, kernel=3, channels_in=5, channels_out=12,
        size=11, activation=0),
    "conv1x1": lambda r: single_op.conv2d(
        r, depthwise=False, stride=1, padding=SAME, kernel=1, channels_in=16, channels_out=24,
        size=8, activation=1),
    "depthwise_same_relu": lambda r: single_op.conv2d(
        r, depthwise=True, stride=1, padding=SAME, kernel=3, channels_in=16, channels_out=16,
        size=10, activation=1),
    "depthwise_stride2_same": lambda r: single_op.conv2d(
        r, depthwise=True, stride=2, padding=SAME, kernel=3, channels_in=8, channels_out=8,
        size=9, activation=0),
    "fully_connected": lambda r: single_op.fully_connected(r, n_in=200, n_out=64, activation=0),
    "fully_connected_relu": lambda r: single_op.fully_connected(
        r, n_in=64, n_out=32, activation=1),
    "average_pool_3x3_s2": lambda r: single_op.average_pool(
        r, size=7, kernel=3, stride=2, padding=SAME, channels=16),
    "average_pool_global": lambda r: single_op.average_pool(
        r, size=8, kernel=8, stride=8, padding=VALID, channels=32),
    "add": lambda r: single_op.add(r, n=600, activation=0),
    "add_relu": lambda r: single_op.add(r, n=600, activation=1),
    "softmax": lambda r: single_op.softmax(r, n=12),
    "softmax_beta": lambda r: single_op.softmax(r, n=10, beta=0.7),
}  # fmt: skip


# The plain C loops, and the Cortex-M4 DSP (SMLAD) path with C stand-ins for its instructions.
VARIANTS = {"scalar": [], "simd32": ["-DTB_SIMD32_EMULATE"]}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_kernel_is_bit_exact_with_litert(case: str, variant: str, tmp_path: Path) -> None:
    require_tools("cc")
    rng = np.random.default_rng(abs(hash(case)) % 2**32)
    model = tmp_path / f"{case}.tflite"
    model.write_bytes(CASES[case](rng))
    it = Interpreter(model_path=str(model))
    shapes = [d["shape"] for d in it.get_input_details()]
    records = [
        [rng.integers(-128, 128, size=shape, dtype=np.int8) for shape in shapes]
        for _ in range(RECORDS)
    ]
    expected = _run_litert(model, records)
    got = _run_host(model, tmp_path, records, VARIANTS[variant])
    assert got.shape == expected.shape
    diff = np.abs(got.astype(int) - expected.astype(int))
    assert diff.max() == 0, f"{case}: {int((diff > 0).sum())} of {diff.size} outputs differ"
