"""Detection of the project's real simulated DUT (SimDut), registered like `tinybench sim serve`."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.detect.fakes import FakeComports
from tinybench_gui.devices.discovery import DetectOptions, detect
from tinybench_gui.devices.port_registry import RegisteredPort, registered_port
from tinybench_gui.devices.probing import probe_name
from tinybench_gui.devices.sim.serve import SimDutServer
from tinybench_gui.devices.sim.sim_dut import SimDut


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
