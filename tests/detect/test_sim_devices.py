"""Detection of the project's own simulators: SimDut (registered like `tinybench sim serve`),
the interface boards, the LPM01A and the PPK2 (behind fake comports() rows)."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.detect.fakes import FakeComports, FakePortInfo
from tinybench_gui.devices.discovery import DetectOptions, detect
from tinybench_gui.devices.port_registry import RegisteredPort, registered_port
from tinybench_gui.devices.probing import probe_name
from tinybench_gui.devices.sim.serve import SimDutServer
from tinybench_gui.devices.sim.sim_dut import SimDut
from tinybench_gui.devices.sim.sim_io_board import SimIoBoard
from tinybench_gui.devices.sim.sim_lpm01a import SimLpm01a
from tinybench_gui.devices.sim.sim_ppk2 import SimPpk2
from tinybench_gui.devices.sim.world import SimWorld


def test_sim_dut_on_pty_and_socket(tmp_path: Path) -> None:
    pty = SimDutServer(SimDut("ic01", energy_mode=True), transport="pty", wire_time=False)
    tcp = SimDutServer(SimDut("vww01"), transport="tcp", wire_time=False)
    with (
        pty,
        tcp,
        registered_port(RegisteredPort("sim-pty", pty.url, role="dut"), tmp_path),
        registered_port(RegisteredPort("sim-tcp", tcp.url, role="dut"), tmp_path),
    ):
        devices = detect(
            comports=FakeComports(),
            registry_folder=tmp_path,
            options=DetectOptions(deadline_s=4.0, line_timeout_s=0.5, include_usb_only=False),
        )
    found = {d.key: d for d in devices}
    assert set(found) == {"simulated:sim-pty", "simulated:sim-tcp"}
    on_pty, on_tcp = found["simulated:sim-pty"], found["simulated:sim-tcp"]
    assert on_pty.probe.model == "ic01"
    assert on_pty.probe.build_mode == "energy"
    # The pty's banner was flushed when the port opened; the mode came from timestamp%.
    assert on_pty.probe.mode_source == "timestamp%"
    assert on_tcp.probe.model == "vww01"
    assert on_tcp.probe.build_mode == "performance"
    assert all(d.origin == "simulated" and d.role == "dut" for d in devices)


def test_build_mode_read_from_the_boot_banner() -> None:
    # Powered on while the probe listens, as after a reset: the banner gives the mode.
    server = SimDutServer(SimDut("kws01", energy_mode=True), wire_time=False, boot=False)
    with server:
        threading.Timer(0.2, server.power_on).start()
        result = probe_name(server.url, [9600], banner_quiet_s=1.5, deadline_s=5.0)
    assert result.ok
    assert result.banner[0] == "m-timestamp-mode-energy"
    assert result.build_mode == "energy"
    assert result.mode_source == "banner"
    assert not any("timestamp%" in line for line in result.transcript)


def _usb(path: str, vid: int, pid: int, serial: str, product: str) -> FakePortInfo:
    return FakePortInfo(device=path, vid=vid, pid=pid, serial_number=serial, product=product)


def test_simulated_bench_by_usb_ids(tmp_path: Path) -> None:
    # The project's own instrument simulators, behind comports() rows with their real USB ids.
    world = SimWorld()
    dut = SimDutServer(SimDut("kws01", energy_mode=True), wire_time=False).start()
    io = SimIoBoard(dut.url, dut_baud=9600)
    arduino = SimIoBoard(None, kind="arduino")
    lpm = SimLpm01a(world, firmware="1.0.6")
    ppk = SimPpk2(world)
    try:
        comports = FakeComports(
            _usb(io.path, 0x0483, 0x374E, "003A0028", "STLINK-V3"),
            _usb(arduino.path, 0x2341, 0x0043, "85736323", "Arduino Uno"),
            _usb(
                lpm.path, 0x0483, 0x5740, "2061398A4D43", "PowerShield (Virtual ComPort in FS Mode)"
            ),
            _usb(ppk.path, 0x1915, 0xC00A, "C4E1A2B3", "PPK2"),
        )
        devices = detect(
            comports=comports,
            registry_folder=tmp_path,
            options=DetectOptions(deadline_s=4.0, line_timeout_s=0.5, include_usb_only=False),
        )
    finally:
        for closable in (io, arduino, lpm, ppk):
            closable.close()
        dut.stop()
    by_path = {d.port.url: d for d in devices}
    enhanced = by_path[io.path]
    assert enhanced.spec is not None
    assert enhanced.spec.id == "stm32h573i-dk"
    assert enhanced.probe.behind is not None
    assert enhanced.probe.behind.name == "unspecified"
    assert by_path[arduino.path].spec.id == "arduino-uno-io-manager"
    assert by_path[arduino.path].role == "io_board"
    # Opening an UNO's port resets it: the probe let its bootloader finish first.
    assert by_path[arduino.path].probe.elapsed_s >= 2.0
    assert by_path[arduino.path].probe.tried_baud_rates == (115200,)
    emon = by_path[lpm.path]
    assert emon.spec.id == "lpm01a"
    assert emon.probe.firmware_version == "1.0.6"
    assert emon.warnings == ()
    assert lpm.commands == ["powershield", "version"]  # no htc: host control left alone
    assert by_path[ppk.path].spec.id == "ppk2"
    assert by_path[ppk.path].probe.firmware_version == "9173"


def test_time_to_ready_of_the_simulated_dut_powered_on() -> None:
    from tinybench_gui.devices.diagnostics import time_to_ready

    server = SimDutServer(SimDut("vww01", energy_mode=True), wire_time=False, boot=False)
    with server:
        report = time_to_ready(server.url, 9600, server.power_on, timeout_s=3.0)
    assert report.verdict == "pass"
    assert report.build_mode == "energy"
    assert report.banner[0] == "m-timestamp-mode-energy"
    assert report.ready_after_s is not None
    assert report.ready_after_s < 1.0
