"""STM32CubeProgrammer and OpenOCD routes against fake executables first on PATH."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.detect.fake_tools import (
    CUBE_SCENARIOS,
    OPENOCD_SCENARIOS,
    install_fake_tool,
)
from tests.detect.images import write_elf
from tinybench_gui.devices.catalog import load_catalog
from tinybench_gui.devices.flashing.cubeprog import CubeProgrammerRoute
from tinybench_gui.devices.flashing.errors import FlashError, FlashErrorKind
from tinybench_gui.devices.flashing.image import load_image
from tinybench_gui.devices.flashing.model import CancelToken, FlashProgress, FlashRequest
from tinybench_gui.devices.flashing.openocd import OpenOcdRoute

BOARD = load_catalog().get("nucleo-l4r5zi")


@pytest.fixture
def firmware(tmp_path: Path) -> Path:
    return write_elf(tmp_path / "fw.elf", [(0x08000000, bytes(range(256)) * 16)])


def _run(route, firmware: Path, tmp_path: Path, monkeypatch, scenario: str, **request_kw):
    monkeypatch.setenv("FAKE_TOOL_SCENARIO", scenario)
    monkeypatch.setenv("FAKE_TOOL_ARGV", str(tmp_path / "argv.json"))
    progress: list[FlashProgress] = []
    request = FlashRequest(board=BOARD, firmware=firmware, **request_kw)
    try:
        outcome = route.flash(request, load_image(firmware), progress.append, CancelToken())
    except FlashError as exc:
        return None, exc, progress
    return outcome, None, progress


@pytest.fixture
def cube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CubeProgrammerRoute:
    install_fake_tool(
        monkeypatch, tmp_path / "bin", "STM32_Programmer_CLI", CUBE_SCENARIOS, fail_code=1
    )
    return CubeProgrammerRoute(install="get it from st.com")


def test_cubeprog_success_progress_and_command(cube, firmware, tmp_path, monkeypatch) -> None:
    outcome, error, progress = _run(
        cube,
        firmware,
        tmp_path,
        monkeypatch,
        "ok",
        probe_serial="066DFF494849887767123456",
        connect_under_reset=True,
    )
    assert error is None
    assert outcome.verified is True
    assert "Download verified successfully" in outcome.raw_output
    argv = json.loads((tmp_path / "argv.json").read_text())
    assert argv == [
        "-c",
        "port=SWD",
        "sn=066DFF494849887767123456",
        "freq=4000",
        "mode=UR",
        "reset=HWrst",
        "-w",
        str(firmware),
        "-v",
        "-rst",
    ]
    fractions = [p.fraction for p in progress]
    assert fractions == sorted(fractions)  # never backwards
    phases = [p.phase for p in progress]
    assert "program" in phases
    assert "verify" in phases
    assert max(p.fraction for p in progress if p.phase == "program") == pytest.approx(0.85)
    assert fractions[-1] == 1.0


def test_cubeprog_bin_gets_its_address(cube, tmp_path, monkeypatch) -> None:
    fw = tmp_path / "fw.bin"
    fw.write_bytes(b"\x00\x10\x00\x20\x01\x01\x00\x08" * 8)
    monkeypatch.setenv("FAKE_TOOL_ARGV", str(tmp_path / "argv.json"))
    request = FlashRequest(board=BOARD, firmware=fw, verify=False)
    cube.flash(request, load_image(fw, base_address=0x08000000), lambda p: None, CancelToken())
    argv = json.loads((tmp_path / "argv.json").read_text())
    assert argv[argv.index("-w") + 1 : argv.index("-w") + 3] == [str(fw), "0x08000000"]
    assert "-v" not in argv


def test_tool_timeout_and_cancel_kill_the_tool(tmp_path, monkeypatch, firmware) -> None:
    install_fake_tool(
        monkeypatch,
        tmp_path / "bin",
        "STM32_Programmer_CLI",
        CUBE_SCENARIOS,
        hang_text="ST-LINK SN  : 1\n",
    )
    route = CubeProgrammerRoute()
    started = time.monotonic()
    _, error, _ = _run(route, firmware, tmp_path, monkeypatch, "hang", timeout_s=0.5)
    assert error.kind is FlashErrorKind.TIMEOUT
    assert "ST-LINK SN" in error.raw_output
    assert time.monotonic() - started < 5
    token = CancelToken()
    request = FlashRequest(board=BOARD, firmware=firmware)
    import threading

    threading.Timer(0.3, token.cancel).start()
    with pytest.raises(FlashError) as caught:
        route.flash(request, load_image(firmware), lambda p: None, token)
    assert caught.value.kind is FlashErrorKind.CANCELLED


def test_missing_tool_is_reported_with_how_to_get_it(tmp_path, monkeypatch, firmware) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    route = CubeProgrammerRoute(install="install STM32CubeProgrammer")
    status = route.availability()
    assert not status.available
    assert status.install == "install STM32CubeProgrammer"
    _, error, _ = _run(route, firmware, tmp_path, monkeypatch, "ok")
    assert error.kind is FlashErrorKind.TOOL_MISSING
    assert "STM32CubeProgrammer" in error.hint
    assert not OpenOcdRoute().availability().available


@pytest.fixture
def openocd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> OpenOcdRoute:
    install_fake_tool(monkeypatch, tmp_path / "bin", "openocd", OPENOCD_SCENARIOS, fail_code=1)
    return OpenOcdRoute()


def test_openocd_success_and_command(openocd, firmware, tmp_path, monkeypatch) -> None:
    outcome, error, progress = _run(
        openocd, firmware, tmp_path, monkeypatch, "ok", probe_serial="066DFF49"
    )
    assert error is None
    assert outcome.verified is True
    argv = json.loads((tmp_path / "argv.json").read_text())
    assert argv == [
        "-f",
        "interface/stlink.cfg",
        "-f",
        "target/stm32l4x.cfg",
        "-c",
        "adapter serial 066DFF49",
        "-c",
        f"program {{{firmware}}} verify reset exit",
    ]
    assert [p.message for p in progress][1:] == [
        "Programming Started",
        "Programming Finished",
        "Verify Started",
        "Verified OK",
        "Resetting Target",
    ]


@pytest.mark.parametrize(
    ("route", "scenario", "kind", "words"),
    [
        ("cube", "no_probe", FlashErrorKind.PROBE_NOT_FOUND, "No debug probe detected"),
        ("cube", "no_target", FlashErrorKind.TARGET_NOT_RESPONDING, "DEV_TARGET_CMD_ERR"),
        ("cube", "rdp", FlashErrorKind.READ_PROTECTION, "failed to erase memory"),
        ("cube", "verify", FlashErrorKind.VERIFY_MISMATCH, "data mismatch"),
        ("openocd", "no_probe", FlashErrorKind.PROBE_NOT_FOUND, "open failed"),
        ("openocd", "no_target", FlashErrorKind.TARGET_NOT_RESPONDING, "init mode failed"),
        ("openocd", "rdp", FlashErrorKind.READ_PROTECTION, "RDP level 1"),
        ("openocd", "verify", FlashErrorKind.VERIFY_MISMATCH, "** Verify Failed **"),
    ],
)
def test_tool_failures_classified(
    route, scenario, kind, words, firmware, tmp_path, monkeypatch, request
) -> None:
    _, error, _ = _run(request.getfixturevalue(route), firmware, tmp_path, monkeypatch, scenario)
    assert error is not None
    assert error.kind is kind
    assert words in error.raw_output
    if kind is FlashErrorKind.TARGET_NOT_RESPONDING:
        assert "connect-under-reset" in error.hint


def test_openocd_unsupported_board() -> None:
    io_board = load_catalog().get("stm32h573i-dk")
    assert "no target script" in OpenOcdRoute().supports(io_board)
