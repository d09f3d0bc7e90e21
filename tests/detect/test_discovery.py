"""Detection against fake comports() rows backed by devices answering on ptys."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import serial

from tests.detect.fakes import (
    DutBehaviour,
    FakeComports,
    FakeDut,
    FakeIoBoard,
    FakeLpm01a,
    FakePortInfo,
    SilentPort,
    stlink_v21_port,
)
from tinybench_gui.devices.discovery import DetectOptions, detect
from tinybench_gui.devices.port_registry import RegisteredPort, register_port, registered_ports

FAST = DetectOptions(deadline_s=3.0, line_timeout_s=0.3, include_usb_only=False)


def _detect(comports: FakeComports, registry: Path, options: DetectOptions = FAST):
    return detect(comports=comports, registry_folder=registry, options=options)


def test_two_boards_sharing_a_vid_pid_are_told_apart(tmp_path: Path) -> None:
    with (
        FakeDut(vendor="STMicroelectronics", model="kws01") as a,
        FakeDut(vendor="Acme Labs", model="vww01") as b,
    ):
        comports = FakeComports(
            # An mbed-style serial starting with the board id 0776 names the NUCLEO-L4R5ZI.
            stlink_v21_port(a.path, "0776000012345678"),
            stlink_v21_port(b.path, "066DFF494849887767123456"),
        )
        found = {d.port.url: d for d in _detect(comports, tmp_path)}
    da, db = found[a.path], found[b.path]
    assert da.key != db.key
    assert da.key == "usb:0483:374B:0776000012345678:2"
    assert (da.probe.name, da.probe.model) == ("STMicroelectronics", "kws01")
    assert (db.probe.name, db.probe.model) == ("Acme Labs", "vww01")
    assert da.role == db.role == "dut"
    assert da.spec is not None
    assert da.spec.id == "nucleo-l4r5zi"
    assert da.resolved_by == "board_id"
    # No board id in the serial number and no drive mounted: candidates, not a guess.
    assert db.spec is None
    assert "nucleo-l4r5zi" in [c.id for c in db.candidates]
    assert db.label.startswith("one of:")
    assert da.probe.build_mode == "performance"
    assert da.probe.mode_source == "timestamp%"
    assert da.probe.baud_rate == 115200


def test_energy_build_found_by_baud_sweep_and_flagged(tmp_path: Path) -> None:
    with FakeDut(DutBehaviour(vendor="X", mode="energy", baud_rate=9600)) as dut:
        comports = FakeComports(stlink_v21_port(dut.path, "0776AAAA"))
        (device,) = _detect(comports, tmp_path)
        # 115200 and 921600 only produced line noise; 9600 answered.
        assert device.probe.tried_baud_rates == (115200, 921600, 9600)
        assert device.probe.baud_rate == 9600
        assert device.probe.build_mode == "energy"
        assert any("energy build" in w for w in device.warnings)
        assert dut.received.count(b"timestamp") == 1


def test_port_that_never_answers_returns_within_deadline(tmp_path: Path) -> None:
    with SilentPort() as silent:
        comports = FakeComports(stlink_v21_port(silent.path, "0776BBBB"))
        started = time.monotonic()
        (device,) = _detect(comports, tmp_path)
        elapsed = time.monotonic() - started
    assert device.probe.status in {"no_answer", "timeout"}
    assert device.probe.tried_baud_rates == (115200, 921600, 9600)
    assert "9600" in device.probe.detail
    assert elapsed < FAST.deadline_s + 1.0
    assert silent.received == [b"name", b"name", b"name"]


def test_busy_port_is_left_alone(tmp_path: Path) -> None:
    with FakeDut() as dut:
        holder = serial.Serial(dut.path, 115200, exclusive=True)
        try:
            comports = FakeComports(stlink_v21_port(dut.path, "0776CCCC"))
            (device,) = _detect(comports, tmp_path)
        finally:
            holder.close()
        time.sleep(0.1)
        assert device.probe.status == "busy"
        assert dut.received == []  # not a byte was sent to it


def test_io_board_and_the_dut_behind_it(tmp_path: Path) -> None:
    with FakeIoBoard(dut_vendor="STMicroelectronics") as io:
        port = FakePortInfo(
            device=io.path,
            vid=0x0483,
            pid=0x374E,
            serial_number="003A00283132510A33353533",
            product="STLINK-V3",
            description="STLINK-V3",
        )
        (device,) = _detect(FakeComports(port), tmp_path)
    assert device.role == "io_board"
    # 0483:374E is also the U575 Nucleo's VID:PID: the answer to name% decides.
    assert device.spec is not None
    assert device.spec.id == "stm32h573i-dk"
    assert device.probe.behind is not None
    assert device.probe.behind.name == "STMicroelectronics"


def test_lpm01a_identified_and_old_firmware_warned(tmp_path: Path) -> None:
    with FakeLpm01a(version="1.0.0") as emon:
        port = FakePortInfo(
            device=emon.path,
            vid=0x0483,
            pid=0x5740,
            serial_number="2061398A4D43",
            product="PowerShield (Virtual ComPort in FS Mode)",
        )
        (device,) = _detect(FakeComports(port), tmp_path)
        assert b"powershield" in emon.received
    assert device.role == "energy_monitor"
    assert device.spec is not None
    assert device.spec.id == "lpm01a"
    assert device.probe.instrument_id == "540619864-1110659081-4784204"
    assert device.probe.firmware_version == "1.0.0"
    assert any("older than 1.0.6" in w for w in device.warnings)


def test_simulated_ports_listed_and_marked(tmp_path: Path) -> None:
    with FakeDut(vendor="tinybench sim") as dut:
        register_port(RegisteredPort(name="sim-dut", url=dut.path, role="dut"), tmp_path)
        devices = _detect(FakeComports(), tmp_path)
    (device,) = devices
    assert device.origin == "simulated"
    assert device.key == "simulated:sim-dut"
    assert device.probe.name == "tinybench sim"
    assert device.summary().startswith("[simulated]")


def test_stale_registry_entries_are_dropped(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    register_port(RegisteredPort(name="dead", url="/dev/null", pid=child.pid), tmp_path)
    register_port(RegisteredPort(name="live", url="/dev/null", pid=os.getpid()), tmp_path)
    assert [e.name for e in registered_ports(tmp_path)] == ["live"]
    assert not (tmp_path / "dead.json").exists()


def test_unknown_ports_skipped_unless_asked(tmp_path: Path) -> None:
    with SilentPort() as silent:
        onboard = FakePortInfo(device=silent.path)  # like /dev/ttyS0: no USB ids
        assert _detect(FakeComports(onboard), tmp_path) == []
        options = DetectOptions(probe=False, include_unknown=True, include_usb_only=False)
        (device,) = _detect(FakeComports(onboard), tmp_path, options)
    assert device.probe.status == "not_probed"
    assert silent.received == []


def test_usb_only_instruments_from_sysfs(tmp_path: Path) -> None:
    sysfs = tmp_path / "sys"
    js = sysfs / "1-4"
    js.mkdir(parents=True)
    (js / "idVendor").write_text("16d0\n")
    (js / "idProduct").write_text("10ba\n")
    (js / "serial").write_text("000415\n")
    (js / "product").write_text("Joulescope JS220\n")
    other = sysfs / "1-5"
    other.mkdir()
    (other / "idVendor").write_text("046d\n")
    (other / "idProduct").write_text("c52b\n")
    devices = detect(
        comports=FakeComports(),
        registry_folder=tmp_path / "reg",
        sysfs_root=sysfs,
        options=DetectOptions(deadline_s=1.0),
    )
    (device,) = devices
    assert device.spec is not None
    assert device.spec.id == "js220"
    assert device.role == "energy_monitor"
    assert device.probe.status == "not_probed"


def test_board_named_by_its_probe_drive(tmp_path: Path) -> None:
    # Two ST-LINK/V2-1 boards; only the F746ZG's drive names its serial number.
    media = tmp_path / "media" / "user"
    for label, unique_id in (("NODE_F746ZG", "066BFF555052836687031914"), ("NODE_L476RG", "X")):
        (media / label).mkdir(parents=True)
        (media / label / "DETAILS.TXT").write_text(f"Unique ID: {unique_id}\nHIC ID: 97969902\n")
    with FakeDut() as a, FakeDut() as b:
        comports = FakeComports(
            stlink_v21_port(a.path, "066BFF555052836687031914"),
            stlink_v21_port(b.path, "0669FF555052836687099999"),
        )
        options = DetectOptions(
            probe=False, include_usb_only=False, drive_roots=(tmp_path / "media",)
        )
        found = {d.port.url: d for d in _detect(comports, tmp_path / "reg", options)}
    assert found[a.path].spec is not None
    assert found[a.path].spec.id == "nucleo-f746zg"
    assert found[a.path].resolved_by == "msd_volume"
    assert found[b.path].spec is None  # its drive is not mounted: no guess


def test_emulated_board_in_the_registry(tmp_path: Path) -> None:
    with FakeDut(vendor="tinybench") as dut:
        register_port(
            RegisteredPort(
                name="qemu-0",
                url=dut.path,
                origin="emulated",
                role="dut",
                catalog_id="qemu-mps2-an386",
            ),
            tmp_path,
        )
        register_port(RegisteredPort(name="qemu-1", url=dut.path, origin="emulated"), tmp_path)
        devices = _detect(
            FakeComports(), tmp_path, DetectOptions(probe=False, include_usb_only=False)
        )
    by_key = {d.key: d for d in devices}
    named = by_key["emulated:qemu-0"]
    assert named.spec is not None
    assert named.spec.id == "qemu-mps2-an386"
    assert named.resolved_by == "registry"
    unnamed = by_key["emulated:qemu-1"]
    assert unnamed.spec is None
    assert {c.id for c in unnamed.candidates} == {"qemu-mps2-an386", "qemu-mps3-an547"}
