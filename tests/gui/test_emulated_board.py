"""The emulated board (real QEMU, our firmware) in the Bench panel: started on a worker,
registered so detection lists it as emulated, targeted by runs, flashed through the dialog."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tinybench_gui.devices.discovery import DetectOptions, detect
from tinybench_gui.devices.port_registry import registered_ports
from tinybench_gui.firmware.build import build_firmware
from tinybench_gui.gui.emulated_board import EmulatedBoardBox
from tinybench_gui.gui.flash_dialog import FlashDialog
from tinybench_gui.gui.session import GuiSession
from tinybench_gui.runner.plan import Mode

pytestmark = pytest.mark.qemu


@pytest.fixture(scope="session")
def qemu_image(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """One build per benchmark per test session (as tests/firmware/conftest.py does)."""
    missing = [t for t in ("qemu-system-arm", "arm-none-eabi-gcc", "make") if not shutil.which(t)]
    if missing:
        pytest.fail(f"missing tools {missing}: run scripts/dev test (it installs them)")
    root = tmp_path_factory.mktemp("gui-fw")
    cache: dict[str, Path] = {}

    def get(benchmark: str) -> Path:
        if benchmark not in cache:
            cache[benchmark] = build_firmware(benchmark, "mps2-an386", build_root=root).path
        return cache[benchmark]

    return get


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "ports"
    monkeypatch.setenv("TINYBENCH_PORT_REGISTRY", str(folder))
    return folder


def test_emulated_board_is_listed_targeted_and_flashed(
    qtbot: Any, bridge: Any, tmp_path: Path, registry: Path, qemu_image: Callable[[str], Path]
) -> None:
    session = GuiSession(bridge, results_root=tmp_path / "runs")
    box = EmulatedBoardBox(session, build=qemu_image)
    qtbot.addWidget(box)
    assert box.start_button.isEnabled()
    box.benchmark.setCurrentText("ad01")
    try:
        box.start()
        assert box.state == "starting"  # returned at once; QEMU starts on a worker
        qtbot.waitUntil(lambda: box.state != "starting", timeout=120000)
        assert box.state == "running", box.problem
        [entry] = registered_ports()
        assert entry.origin == "emulated"
        assert entry.role == "dut"
        assert entry.url == box.url

        [device] = detect(comports=list, options=DetectOptions(include_usb_only=False))
        assert device.origin == "emulated"
        assert device.spec is not None
        assert device.spec.id == "qemu-mps2-an386"
        assert device.probe.ok, device.probe.detail
        assert device.probe.model == "ad01"

        box.use_for_runs.setChecked(True)
        assert session.selected_dut == (box.url, 115200)
        assert session.resources(Mode.PERFORMANCE).provenance["dut"]["baud_rate"] == 115200

        # Flash the kws01 build through the dialog: the qemu route restarts the board.
        old_url = box.url
        dialog = FlashDialog(bridge, device, request_options=box.request_options(device))
        qtbot.addWidget(dialog)
        dialog.flashed.connect(lambda result: box.on_flashed(device, result))
        assert dialog.build_row.isVisibleTo(dialog)  # "build ours" for the emulated board
        dialog.set_firmware(qemu_image("kws01"))
        qtbot.waitUntil(dialog.flash_button.isEnabled, timeout=30000)
        assert dialog.selected_route() == "qemu"
        with qtbot.waitSignal(dialog.flashed, timeout=120000):
            dialog.start_flash()
        assert dialog.flash_result.probe_after.model == "kws01"
        assert "kws01" in dialog.result_label.text()
        assert box.url != old_url
        [entry] = registered_ports()
        assert entry.url == box.url
        assert session.selected_dut == (box.url, 115200)  # runs follow the new board
    finally:
        box.stop()
        session.close()
    assert registered_ports() == []
