"""The Flash dialog: routes with how to get them, the pre-flight check, progress, cancel, result.

The route is scripted (the routes themselves are tested in tests/detect); the board after
the flash is a fake DUT on a pty, so the banner shown is the one read from the wire.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.detect.fakes import DutBehaviour, FakeDut
from tests.detect.images import vector_table_image, write_elf
from tinybench_gui.devices.catalog import BoardSpec, load_catalog
from tinybench_gui.devices.discovery import DetectedDevice, PortInfo
from tinybench_gui.devices.flashing import (
    CancelToken,
    Flasher,
    FlashError,
    FlashErrorKind,
    FlashProgress,
    RouteStatus,
)
from tinybench_gui.devices.flashing.model import ProgressSink, RouteOutcome
from tinybench_gui.devices.probing import ProbeResult
from tinybench_gui.gui.flash_dialog import PROGRESS_STEPS, FlashDialog

CATALOG = load_catalog()
BOARD = CATALOG.get("nucleo-l4r5zi")


@dataclass
class StepRoute:
    """Reports progress in steps; then resets the board (``on_reset``) or fails."""

    name: str
    available: bool = True
    fail: FlashError | None = None
    on_reset: Any = None
    step_s: float = 0.01
    gate: threading.Event | None = None
    calls: list[Any] = field(default_factory=list)

    def availability(self) -> RouteStatus:
        reason = "found" if self.available else f"{self.name} is not installed"
        return RouteStatus(self.name, self.name, self.available, reason)

    def supports(self, board: BoardSpec) -> str | None:
        return None

    def flash(self, request: Any, image: Any, progress: ProgressSink, cancel: CancelToken) -> Any:
        self.calls.append(image)
        for i in range(11):
            cancel.raise_if_cancelled(self.name)
            progress(FlashProgress("program", i / 10, f"page {i}"))
            if i == 5 and self.gate is not None:
                self.gate.wait(10)
            time.sleep(self.step_s)
        if self.fail is not None:
            raise self.fail
        if self.on_reset is not None:
            self.on_reset()
        return RouteOutcome(verified=True, raw_output="Programmed 8192 bytes")


@pytest.fixture
def firmware(tmp_path: Path) -> Path:
    return write_elf(tmp_path / "kws.elf", [(0x08000000, vector_table_image(8192))])


def nucleo(url: str) -> DetectedDevice:
    probe = ProbeResult("identified", url, role="dut", baud_rate=115200, model="kws01")
    return DetectedDevice(
        PortInfo(url, vid=0x0483, pid=0x374B, serial_number="066F"), (), probe, BOARD
    )


def dialog_for(qtbot: Any, bridge: Any, device: Any, routes: dict[str, Any]) -> FlashDialog:
    dialog = FlashDialog(bridge, device, flasher=Flasher(CATALOG, routes, keep_history=False))
    qtbot.addWidget(dialog)
    return dialog


def test_routes_listed_with_install_hint_and_check_before_flash(
    qtbot: Any, bridge: Any, firmware: Path
) -> None:
    routes = {"pyocd": StepRoute("pyocd", available=False), "cubeprog": StepRoute("cubeprog")}
    dialog = dialog_for(qtbot, bridge, nucleo("/dev/null-not-a-port"), routes)
    names = [
        dialog.routes.topLevelItem(i).text(0) for i in range(dialog.routes.topLevelItemCount())
    ]
    assert len(names) == len(BOARD.routes)  # every route of the board, usable or not
    states = {
        dialog.routes.topLevelItem(i).data(0, 256): dialog.routes.topLevelItem(i).text(1)
        for i in range(dialog.routes.topLevelItemCount())
    }
    assert states["pyocd"] == "unavailable"
    assert states["cubeprog"] == "available"
    pyocd_row = next(
        dialog.routes.topLevelItem(i)
        for i in range(dialog.routes.topLevelItemCount())
        if dialog.routes.topLevelItem(i).data(0, 256) == "pyocd"
    )
    assert "pip install" in pyocd_row.text(3)  # how to get it, from the catalog
    assert dialog.selected_route() == "cubeprog"  # the first available one
    assert not dialog.flash_button.isEnabled()  # no image yet

    dialog.set_firmware(firmware)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=5000)
    text = dialog.check_label.text()
    assert "format: elf" in text
    assert f"of {BOARD.flash.size:,} bytes of flash" in text
    assert len(dialog.report.sha256) == 64
    assert dialog.report.sha256 in text
    assert dialog.flash_button.isEnabled()


def test_wrong_target_image_cannot_be_flashed(qtbot: Any, bridge: Any, tmp_path: Path) -> None:
    wrong = write_elf(tmp_path / "qemu.elf", [(0x00000000, vector_table_image(1024))])
    dialog = dialog_for(qtbot, bridge, nucleo("/dev/x"), {"pyocd": StepRoute("pyocd")})
    dialog.set_firmware(wrong)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=5000)
    assert not dialog.report.ok
    assert "✗" in dialog.check_label.text()
    assert not dialog.flash_button.isEnabled()


def test_flash_shows_progress_then_the_banner_the_board_printed(
    qtbot: Any, bridge: Any, firmware: Path
) -> None:
    with FakeDut(DutBehaviour(vendor="STMicroelectronics", model="kws01")) as dut:
        gate = threading.Event()
        route = StepRoute(
            "pyocd", gate=gate, on_reset=lambda: threading.Timer(0.1, dut.boot).start()
        )
        dialog = dialog_for(qtbot, bridge, nucleo(dut.path), {"pyocd": route})
        dialog.set_firmware(firmware)
        qtbot.waitUntil(dialog.flash_button.isEnabled, timeout=5000)
        with qtbot.waitSignal(dialog.flashed, timeout=20000) as flashed:
            t0 = time.monotonic()
            dialog.flash_button.click()
            assert time.monotonic() - t0 < 0.2  # the GUI thread never waits on the flash
            qtbot.waitUntil(lambda: 0 < dialog.progress.value() < PROGRESS_STEPS, timeout=5000)
            assert dialog.flashing
            assert not dialog.flash_button.isEnabled()
            gate.set()
    result = flashed.args[0]
    assert result.ok
    assert dialog.progress.value() == PROGRESS_STEPS
    shown = dialog.result_label.text()
    assert "Flashed" in shown
    assert "verified" in shown
    assert "m-timestamp-mode-performance" in shown  # the banner read after the reset
    assert "STMicroelectronics" in shown
    assert dialog.output_toggle.isVisibleTo(dialog)
    assert not dialog.output.isVisibleTo(dialog)
    dialog.output_toggle.click()
    assert dialog.output.isVisibleTo(dialog)
    assert "Programmed 8192 bytes" in dialog.output.toPlainText()


def test_failure_is_classified_with_hint_and_raw_output(
    qtbot: Any, bridge: Any, firmware: Path
) -> None:
    raw = "Error: No connected debug probes\nST-LINK error (DEV_CONNECT_ERR)"
    error = FlashError(FlashErrorKind.PROBE_NOT_FOUND, "no debug probe found", raw_output=raw)
    dialog = dialog_for(qtbot, bridge, nucleo("/dev/x"), {"pyocd": StepRoute("pyocd", fail=error)})
    dialog.request_options["probe_after"] = False
    dialog.set_firmware(firmware)
    qtbot.waitUntil(dialog.flash_button.isEnabled, timeout=5000)
    dialog.start_flash()
    qtbot.waitUntil(lambda: dialog.flash_result is not None, timeout=10000)
    text = dialog.result_label.text()
    assert "probe_not_found" in text
    assert "What to do" in text
    assert "udev" in text
    assert dialog.output.toPlainText() == raw
    assert dialog.flash_button.isEnabled()  # the user may retry


def test_cancel_stops_the_flash(qtbot: Any, bridge: Any, firmware: Path) -> None:
    gate = threading.Event()
    route = StepRoute("pyocd", gate=gate)
    dialog = dialog_for(qtbot, bridge, nucleo("/dev/x"), {"pyocd": route})
    dialog.request_options["probe_after"] = False
    dialog.set_firmware(firmware)
    qtbot.waitUntil(dialog.flash_button.isEnabled, timeout=5000)
    dialog.start_flash()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=5000)
    dialog.cancel_button.click()
    gate.set()
    qtbot.waitUntil(lambda: dialog.flash_result is not None, timeout=10000)
    assert dialog.flash_result.error_kind is FlashErrorKind.CANCELLED
    assert "cancelled" in dialog.result_label.text()
    assert dialog.cancel_button.text() == "Close"
    dialog.cancel_button.click()  # now it closes
    assert dialog.result() == dialog.DialogCode.Rejected
