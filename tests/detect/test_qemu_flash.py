"""Flashing the real emulated board: our firmware built for mps2-an386, QEMU restarted on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tinybench_gui.devices.catalog import load_catalog
from tinybench_gui.devices.flashing import Flasher, FlashRequest
from tinybench_gui.devices.flashing.image import check_image, load_image
from tinybench_gui.firmware.build import build_firmware


@pytest.mark.qemu
def test_flash_our_firmware_into_qemu(tmp_path: Path) -> None:
    missing = [t for t in ("qemu-system-arm", "arm-none-eabi-gcc", "make") if not shutil.which(t)]
    if missing:
        pytest.fail(f"missing tools {missing}: run scripts/dev test (it installs them)")
    built = build_firmware("ad01", "mps2-an386", build_root=tmp_path / "fw")
    board = load_catalog().get("qemu-mps2-an386")
    image = load_image(built.path)
    assert image.cpu_arch == "v7E-M"
    assert check_image(image, board).ok
    assert not check_image(
        image, load_catalog().get("nucleo-l4r5zi")
    ).ok  # linked at 0, not 0x08000000
    result = Flasher().flash(FlashRequest(board=board, firmware=built.path))
    try:
        assert result.ok, result.error
        assert result.route == "qemu"
        assert result.port_url is not None
        assert result.port_url.startswith("socket://127.0.0.1:")
        assert result.probe_after is not None
        assert result.probe_after.ok, result.probe_after.detail
        assert result.probe_after.model == "ad01"
        assert result.probe_after.build_mode == "performance"
        assert result.sha256 == image.sha256
    finally:
        if result.emulated_board is not None:
            result.emulated_board.stop()
