"""`tinybench detect`, `flash` and `doctor` end to end, in-process, against pty fakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.detect.fake_tools import CUBE_SCENARIOS, install_fake_tool
from tests.detect.fakes import FakeComports, FakeDut, SilentPort, stlink_v21_port
from tests.detect.images import vector_table_image, write_elf
from tinybench_gui.cli.main import main
from tinybench_gui.devices.port_registry import RegisteredPort, register_port


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINYBENCH_PORT_REGISTRY", str(tmp_path / "registry"))


@pytest.fixture
def cube_firmware(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A firmware for the Nucleo, with the fake STM32_Programmer_CLI first on PATH."""
    install_fake_tool(monkeypatch, tmp_path / "bin", "STM32_Programmer_CLI", CUBE_SCENARIOS)
    return write_elf(tmp_path / "kws.elf", [(0x08000000, vector_table_image(4096))])


def flash_with_cubeprog(firmware: Path, *options: str) -> int:
    """``tinybench flash`` of ``firmware`` to the Nucleo through the cubeprog route."""
    argv = ["flash", "--board", "nucleo-l4r5zi", "--firmware", str(firmware)]
    return main([*argv, "--route", "cubeprog", *options])


def test_detect_lists_a_registered_simulator(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    with FakeDut(vendor="cli sim", model="ad01") as dut:
        register_port(RegisteredPort("cli-sim", dut.path, role="dut"), tmp_path / "registry")
        assert main(["detect", "--json", "--deadline-s", "3"]) == 0
        records = json.loads(capsys.readouterr().out)
        assert main(["detect"]) == 0
        table = capsys.readouterr().out
    (mine,) = [r for r in records if r["key"] == "simulated:cli-sim"]
    assert mine["origin"] == "simulated"
    assert mine["name"] == "cli sim"
    assert mine["model"] == "ad01"
    assert mine["build_mode"] == "performance"
    assert "cli sim" in table


def test_flash_via_cli_then_probe(capsys, cube_firmware: Path) -> None:
    with FakeDut(vendor="STMicroelectronics") as dut:
        code = flash_with_cubeprog(cube_firmware, "--port", dut.path)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "via cubeprog" in out
    assert "(verified)" in out
    assert "sha256 " in out
    assert "board now says: dut 'STMicroelectronics'" in out


def test_flash_failure_shows_kind_fix_and_tool_output(capsys, cube_firmware, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_TOOL_SCENARIO", "no_target")
    code = flash_with_cubeprog(cube_firmware, "--no-probe-after")
    out = capsys.readouterr().out
    assert code == 1
    assert "FAILED (target_not_responding)" in out
    assert "--under-reset" in out
    assert "| Error: ST-LINK error (DEV_TARGET_CMD_ERR)" in out


def test_flash_usage_errors(capsys) -> None:
    assert main(["flash", "--board", "no-such-board", "--firmware", "x.bin"]) == 2
    assert "no board 'no-such-board'" in capsys.readouterr().err
    assert main(["flash", "--board", "nucleo-l4r5zi"]) == 2


def test_doctor_on_a_port(capsys) -> None:
    with FakeDut() as dut:
        assert main(["doctor", "--port", dut.path, "--burst", "5"]) == 0
    out = capsys.readouterr().out
    assert "5x name% in one write at 115200 Bd: 5 answers" in out
    with SilentPort() as silent:
        assert main(["doctor", "--port", silent.path, "--deadline-s", "1"]) == 1
    out = capsys.readouterr().out
    assert "baud sweep: answering at no rate" in out
    assert "fix:" in out


def test_doctor_checks_exported_edges(capsys, tmp_path: Path) -> None:
    edges = tmp_path / "edges.csv"
    rows = ["t_s,edge"]
    for t in (0.0, 1.0, 11.0, 12.0, 22.0):
        rows += [f"{t},falling", f"{t + 0.002},rising"]
    edges.write_text("\n".join(rows) + "\n")
    with FakeDut() as dut:
        code = main(["doctor", "--port", dut.path, "--edges", str(edges), "--windows", "2"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "5 pulses (expected 5), narrowest 2000.0 µs" in out
    with FakeDut() as dut:
        code = main(["doctor", "--port", dut.path, "--edges", str(edges), "--windows", "5"])
    assert code == 1
    assert "5 pulse(s) where 11 were expected" in capsys.readouterr().out


def test_flash_finds_the_board_port_by_itself(capsys, cube_firmware, tmp_path, monkeypatch) -> None:
    from serial.tools import list_ports

    monkeypatch.setenv("FAKE_TOOL_ARGV", str(tmp_path / "argv.json"))
    with FakeDut(vendor="found by itself") as dut:
        monkeypatch.setattr(
            list_ports, "comports", FakeComports(stlink_v21_port(dut.path, "066DFF4948"))
        )
        code = flash_with_cubeprog(cube_firmware)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "board now says: dut 'found by itself'" in out
    # The probe serial came from the port that matched: the tool was told which ST-LINK.
    assert "sn=066DFF4948" in json.loads((tmp_path / "argv.json").read_text())
