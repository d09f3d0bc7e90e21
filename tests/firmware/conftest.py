"""Firmware test fixtures: one build per (benchmark, board, mode) per test session."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tinybench_gui.firmware.build import FirmwareImage, build_firmware


@pytest.fixture(scope="session")
def firmware_image(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., FirmwareImage]:
    root = tmp_path_factory.mktemp("fw-build")
    cache: dict[tuple[str, str, bool], FirmwareImage] = {}

    def get(benchmark: str, board: str, *, energy: bool = False) -> FirmwareImage:
        key = (benchmark, board, energy)
        if key not in cache:
            cache[key] = build_firmware(benchmark, board, energy=energy, build_root=root)
        return cache[key]

    return get


def require_tools(*tools: str) -> None:
    """Fail (not skip) when the toolchain is missing: CI installs it (scripts/dev)."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.fail(f"missing tools {missing}: run scripts/dev test (it installs them)")


FIRMWARE_DIR = Path(__file__).resolve().parents[2] / "firmware"
