"""The firmware CLI and the generator's host-side arithmetic."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.firmware.conftest import require_tools
from tinybench_gui.cli.main import main
from tinybench_gui.firmware.codegen import generate
from tinybench_gui.firmware.graph import UnsupportedModelError, read_graph
from tinybench_gui.firmware.quantization import activation_range, quantize_multiplier


def test_quantize_multiplier_matches_tflite_definition() -> None:
    assert quantize_multiplier(0.0) == (0, 0)
    assert quantize_multiplier(0.5) == (1 << 30, 0)
    assert quantize_multiplier(1.0) == (1 << 30, 1)
    m, s = quantize_multiplier(0.0123)
    assert abs(m * 2.0 ** (s - 31) - 0.0123) < 1e-9
    # A significand that rounds up to 2^31 is halved and the exponent bumped.
    assert quantize_multiplier(1 - 2.0**-40) == (1 << 30, 1)


def test_relu_range_starts_at_the_output_zero_point() -> None:
    assert activation_range(0, 0.1, 5) == (-128, 127)
    assert activation_range(1, 0.1, -7) == (-7, 127)
    assert activation_range(3, 0.05, -128) == (-128, -8)


def test_unsupported_operator_is_named(tmp_path: Path) -> None:
    import flatbuffers
    from ai_edge_litert import schema_py_generated as s

    model = s.ModelT()
    model.version = 3
    code = s.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = s.BuiltinOperator.TANH
    model.operatorCodes = [code]
    t = s.TensorT()
    t.shape, t.type, t.buffer, t.name = [1, 4], s.TensorType.INT8, 0, "x"
    op = s.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [0], [0]
    sub = s.SubGraphT()
    sub.tensors, sub.operators, sub.inputs, sub.outputs = [t], [op], [0], [0]
    model.subgraphs = [sub]
    model.buffers = [s.BufferT()]
    fb = flatbuffers.Builder(256)
    fb.Finish(model.Pack(fb), file_identifier=b"TFL3")
    path = tmp_path / "tanh.tflite"
    path.write_bytes(bytes(fb.Output()))
    with pytest.raises(UnsupportedModelError, match="TANH"):
        generate(read_graph(path), tmp_path / "gen", model_name="tanh")


def test_firmware_build_prints_image_and_footprint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tools("cc", "make")
    code = main(
        [
            "firmware",
            "build",
            "--benchmark",
            "ad01",
            "--board",
            "host",
            "--build-dir",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    image = Path(out.splitlines()[0].removeprefix("image: "))
    assert image.is_file()
    assert "flash:" in out
    assert "ram:" in out


def test_firmware_build_unknown_board_says_which_exist(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["firmware", "build", "--benchmark", "kws01", "--board", "esp32"]) == 1
    assert "mps2-an386, host, nucleo-l4r5zi" in capsys.readouterr().err


@pytest.mark.qemu
def test_nucleo_port_builds_for_every_benchmark(tmp_path: Path) -> None:
    require_tools("arm-none-eabi-gcc", "make")
    for benchmark in ("kws01", "ad01"):
        for energy in ("--energy", None):
            args = ["firmware", "build", "--benchmark", benchmark, "--board", "nucleo-l4r5zi"]
            args += ["--build-dir", str(tmp_path)] + ([energy] if energy else [])
            assert main(args) == 0


@pytest.mark.qemu
def test_report_measures_instructions_under_qemu(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tools("qemu-system-arm", "arm-none-eabi-gcc", "make")
    args = ["firmware", "report", "--benchmark", "ad01", "--inferences", "2"]
    assert main([*args, "--build-dir", str(tmp_path)]) == 0
    row = capsys.readouterr().out.splitlines()[2].split("|")
    macs = int(row[2].replace(",", ""))
    instructions = int(row[3].replace(",", ""))
    assert macs == 264_192
    # At least one multiply-accumulate instruction per MAC, and not absurdly more.
    assert macs < instructions < 40 * macs


def test_missing_firmware_sources_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tinybench_gui.firmware import build

    monkeypatch.setattr(build, "FIRMWARE_DIR", tmp_path / "nowhere")
    with pytest.raises(build.FirmwareBuildError, match="TINYBENCH_FIRMWARE_DIR"):
        build.build_firmware("kws01", "host", build_root=tmp_path)
