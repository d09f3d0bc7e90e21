"""The Flasher: image check first, a route on a worker, the board probed afterwards, history."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pytest

from tests.detect.fakes import DutBehaviour, FakeComports, FakeDut, stlink_v21_port
from tests.detect.images import vector_table_image, write_elf
from tinybench_gui.devices.catalog import BoardSpec, load_catalog
from tinybench_gui.devices.discovery import DetectOptions, detect
from tinybench_gui.devices.flashing import (
    CancelToken,
    Flasher,
    FlashError,
    FlashErrorKind,
    FlashProgress,
    FlashRequest,
    FlashResult,
    RouteStatus,
    request_for_device,
)
from tinybench_gui.devices.flashing.history import last_flash, read_history
from tinybench_gui.devices.flashing.image import FirmwareImage
from tinybench_gui.devices.flashing.model import ProgressSink, RouteOutcome
from tinybench_gui.devices.flashing.qemu_route import QemuRoute
from tinybench_gui.devices.sim.serve import SimDutServer
from tinybench_gui.devices.sim.sim_dut import SimDut

CATALOG = load_catalog()
BOARD = CATALOG.get("nucleo-l4r5zi")


@dataclass
class ScriptedRoute:
    """A route that reports progress, then 'resets' the board (its banner) or fails."""

    name: str = "pyocd"
    available: bool = True
    fail: FlashError | None = None
    on_reset: object = None
    step_s: float = 0.0
    calls: list[FirmwareImage] = field(default_factory=list)

    def availability(self) -> RouteStatus:
        return RouteStatus(self.name, self.name, self.available, "" if self.available else "absent")

    def supports(self, board: BoardSpec) -> str | None:
        return None

    def flash(self, request, image, progress: ProgressSink, cancel: CancelToken) -> RouteOutcome:
        self.calls.append(image)
        for i in range(11):
            cancel.raise_if_cancelled(self.name)
            progress(FlashProgress("program", i / 10))
            time.sleep(self.step_s)
        if self.fail is not None:
            raise self.fail
        if callable(self.on_reset):
            self.on_reset()
        return RouteOutcome(verified=True, raw_output="ok")


@pytest.fixture
def firmware(tmp_path: Path) -> Path:
    return write_elf(tmp_path / "kws.elf", [(0x08000000, vector_table_image(8192))])


def test_start_returns_at_once_then_flashes_and_probes(firmware: Path) -> None:
    with FakeDut(DutBehaviour(vendor="STMicroelectronics", model="kws01")) as dut:
        route = ScriptedRoute(on_reset=lambda: threading.Timer(0.1, dut.boot).start(), step_s=0.02)
        flasher = Flasher(CATALOG, {"pyocd": route})
        progress: list[FlashProgress] = []
        done: list[FlashResult] = []
        request = FlashRequest(
            board=BOARD, firmware=firmware, port_url=dut.path, probe_serial="0776ABCD"
        )
        started = time.monotonic()
        job = flasher.start(request, on_progress=progress.append, on_done=done.append)
        assert time.monotonic() - started < 0.1
        assert not job.done
        result = job.wait(20)
    assert result is not None
    assert result.ok, result.error
    assert done == [result]
    assert result.sha256 == route.calls[0].sha256
    assert result.verified is True
    assert result.banner[0] == "m-timestamp-mode-performance"
    assert "m-ready" in result.banner
    assert result.probe_after is not None
    assert result.probe_after.name == "STMicroelectronics"
    assert result.probe_after.model == "kws01"
    phases = [p.phase for p in progress]
    assert phases[0] == "check"
    assert "probe" in phases
    assert phases[-1] == "done"
    record = last_flash("0776ABCD")
    assert record is not None
    assert record.sha256 == result.sha256
    assert record.model == "kws01"


def test_cancel_stops_the_route(firmware: Path) -> None:
    route = ScriptedRoute(step_s=0.05)
    job = Flasher(CATALOG, {"pyocd": route}).start(FlashRequest(board=BOARD, firmware=firmware))
    time.sleep(0.15)
    job.cancel()
    result = job.wait(10)
    assert result is not None
    assert not result.ok
    assert result.error_kind is FlashErrorKind.CANCELLED
    assert read_history() == []


def test_bad_image_never_reaches_the_route(tmp_path: Path) -> None:
    wrong = write_elf(tmp_path / "qemu.elf", [(0x00000000, vector_table_image(1024))])
    route = ScriptedRoute()
    result = Flasher(CATALOG, {"pyocd": route}).flash(FlashRequest(board=BOARD, firmware=wrong))
    assert result.error_kind is FlashErrorKind.IMAGE_INVALID
    assert "another board" in result.error.message
    assert route.calls == []
    assert result.sha256 is not None  # the file was read and hashed, then refused


def test_route_errors_and_missing_tools(firmware: Path) -> None:
    failing = ScriptedRoute(
        fail=FlashError(FlashErrorKind.TARGET_NOT_RESPONDING, "no ACK", raw_output="raw words")
    )
    result = Flasher(CATALOG, {"pyocd": failing}).flash(
        FlashRequest(board=BOARD, firmware=firmware)
    )
    assert result.error_kind is FlashErrorKind.TARGET_NOT_RESPONDING
    assert result.raw_output == "raw words"
    assert "connect-under-reset" in result.error.hint
    absent = Flasher(CATALOG, {"pyocd": ScriptedRoute(available=False)})
    statuses = {s.name: s for s in absent.route_statuses(BOARD)}
    assert not statuses["pyocd"].available
    assert "pip install" in statuses["pyocd"].install
    assert statuses["cubeprog"].reason == "not built in yet"
    result = absent.flash(FlashRequest(board=BOARD, firmware=firmware))
    assert result.error_kind is FlashErrorKind.TOOL_MISSING
    result = absent.flash(FlashRequest(board=BOARD, firmware=firmware, route="qemu"))
    assert result.error_kind is FlashErrorKind.FAILED
    assert "not offered" in result.error.message


def test_default_routes_cover_the_catalog() -> None:
    flasher = Flasher(CATALOG)
    statuses = flasher.route_statuses(BOARD)
    assert [s.name for s in statuses] == list(BOARD.routes)
    msd = next(s for s in statuses if s.name == "msd")
    assert msd.available
    assert all(s.install for s in statuses)


def test_energy_build_after_flash_is_flagged(firmware: Path) -> None:
    with FakeDut(DutBehaviour(baud_rate=9600, mode="energy")) as dut:
        flasher = Flasher(CATALOG, {"pyocd": ScriptedRoute()})
        result = flasher.flash(
            FlashRequest(board=BOARD, firmware=firmware, port_url=dut.path, baud_rate=9600)
        )
    assert result.ok
    assert result.probe_after is not None
    assert result.probe_after.build_mode == "energy"
    assert any("energy build" in w for w in result.warnings)


class FakeEmulatedBoard:
    """Stands in for firmware.emulator.EmulatedBoard: start() serves a SimDut on TCP."""

    started: ClassVar[list[FakeEmulatedBoard]] = []

    def __init__(self, image: Path) -> None:
        self.image = image
        self.server: SimDutServer | None = None
        self.stopped = False

    def start(self) -> str:
        self.server = SimDutServer(SimDut("kws01"), transport="tcp", wire_time=False).start()
        FakeEmulatedBoard.started.append(self)
        return self.server.url

    def stop(self) -> None:
        self.stopped = True
        if self.server is not None:
            self.server.stop()


def test_qemu_route_restarts_the_board_and_probes_it(tmp_path: Path) -> None:
    an386 = CATALOG.get("qemu-mps2-an386")
    elf = write_elf(tmp_path / "kws_an386.elf", [(0x00000000, vector_table_image(4096))])
    route = QemuRoute(factory=FakeEmulatedBoard)
    flasher = Flasher(CATALOG, {"qemu": route})
    old = FakeEmulatedBoard(tmp_path / "old.elf")
    old.start()
    result = flasher.flash(FlashRequest(board=an386, firmware=elf, emulated_board=old))
    try:
        assert result.ok, result.error
        assert old.stopped
        new = result.emulated_board
        assert new is FakeEmulatedBoard.started[-1]
        assert new.image == elf
        assert result.port_url == new.server.url
        assert result.probe_after is not None
        assert result.probe_after.model == "kws01"
        bin_file = tmp_path / "fw.bin"
        bin_file.write_bytes(vector_table_image(64, reset=0x101))
        refused = flasher.flash(FlashRequest(board=an386, firmware=bin_file))
        assert refused.error_kind is FlashErrorKind.IMAGE_INVALID
        assert "ELF" in refused.error.message
        assert "real hardware" in route.supports(BOARD)
    finally:
        for board in FakeEmulatedBoard.started:
            board.stop()


def test_request_for_a_detected_device(tmp_path: Path, firmware: Path) -> None:
    with FakeDut() as a, FakeDut() as b:
        devices = detect(
            comports=FakeComports(
                stlink_v21_port(a.path, "0776000011112222"), stlink_v21_port(b.path, "066DFF11")
            ),
            registry_folder=tmp_path / "reg",
            options=DetectOptions(deadline_s=3.0, line_timeout_s=0.3, include_usb_only=False),
        )
    known, unknown = sorted(devices, key=lambda d: d.port.serial_number != "0776000011112222")
    request = request_for_device(known, firmware, verify=False)
    assert request.board.id == "nucleo-l4r5zi"
    assert (request.probe_serial, request.port_url, request.baud_rate) == (
        "0776000011112222",
        a.path,
        115200,
    )
    assert request.verify is False
    with pytest.raises(ValueError, match="pick the board"):
        request_for_device(unknown, firmware)
    chosen = request_for_device(unknown, firmware, board=CATALOG.get("nucleo-f767zi"))
    assert chosen.board.id == "nucleo-f767zi"
