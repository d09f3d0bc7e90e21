"""tinybench's own runs against the emulated board: the runner accepts our firmware unchanged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.firmware.conftest import require_tools
from tinybench_gui.cli.main import main
from tinybench_gui.firmware.build import FirmwareImage
from tinybench_gui.firmware.emulator import EmulatedBoard


@pytest.mark.qemu
def test_performance_run_on_the_emulated_board(
    firmware_image: Callable[..., FirmwareImage],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    require_tools("qemu-system-arm", "arm-none-eabi-gcc", "make")
    image = firmware_image("kws01", "mps2-an386")
    # --dut emulated starts QEMU on the image (without --firmware it builds one first).
    code = main(
        ["run", "--dut", "emulated", "--firmware", str(image.path), "--mode", "performance",
         "--benchmark", "kws01", "--iterations", "2", "--windows", "2", "--min-window-s", "0",
         "--results-dir", str(tmp_path / "perf")]
    )  # fmt: skip
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert code == 3  # finished, but 2 short windows are not valid for submission
    assert "Emulated board (kws01" in out
    assert "DUT 'tinybench'" in out
    assert "model kws01, performance build" in out
    assert "Median throughput is" in (tmp_path / "perf" / "results.txt").read_text()


@pytest.mark.qemu
def test_accuracy_run_matches_the_host_reference_file_by_file(
    firmware_image: Callable[..., FirmwareImage],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    require_tools("qemu-system-arm", "arm-none-eabi-gcc", "make")
    dataset = tmp_path / "dataset"
    assert main(["dataset", "synth", "--benchmark", "kws01", "--out", str(dataset),
                 "--count", "6"]) == 0  # fmt: skip
    image = firmware_image("kws01", "mps2-an386")
    with EmulatedBoard(image.path) as board:
        code = main(
            ["run", "--dut", board.url, "--mode", "accuracy", "--benchmark", "kws01",
             "--dataset", str(dataset), "--results-dir", str(tmp_path / "acc")]
        )  # fmt: skip
    out = capsys.readouterr().out
    assert code in (0, 3)
    assert "same bytes): 6/6 files identical" in out
