"""Bench panel device actions: diagnostics of a detected device (reports as they arrive,
cancel) and the Flash dialog opened on the selected board."""

from __future__ import annotations

from typing import Any

from tests.detect.fakes import DutBehaviour, FakeDut, SilentPort
from tinybench_gui.devices.catalog import load_catalog
from tinybench_gui.devices.discovery import DetectedDevice, PortInfo
from tinybench_gui.devices.probing import ProbeResult
from tinybench_gui.devices.watcher import DeviceEvent
from tinybench_gui.gui.diagnostics_view import DiagnosticsView
from tinybench_gui.gui.panels.bench_panel import BenchPanel


def detected(url: str, *, spec: Any = None, origin: str = "usb") -> DetectedDevice:
    probe = ProbeResult("identified", url, role="dut", baud_rate=115200)
    usb = {"vid": 0x0483, "pid": 0x374B, "serial_number": "066F"} if origin == "usb" else {}
    port = PortInfo(url, origin=origin, **usb)
    return DetectedDevice(port, (), probe, spec)


def select_row(panel: BenchPanel, port: str) -> None:
    for i in range(panel.tree.topLevelItemCount()):
        item = panel.tree.topLevelItem(i)
        if item.text(3) == port:
            panel.tree.setCurrentItem(item)
            return
    raise AssertionError(f"{port} is not listed")


def test_diagnostics_of_the_selected_device_report_as_they_arrive(
    qtbot: Any, sim_session: Any
) -> None:
    panel = BenchPanel(sim_session)
    qtbot.addWidget(panel)
    view = panel.actions.diagnostics
    assert not view.run_button.isEnabled()  # the simulated-bench row has no detected device
    with FakeDut(DutBehaviour(vendor="STMicroelectronics")) as dut:
        panel.on_device_event(DeviceEvent("added", detected(dut.path)))
        select_row(panel, dut.path)
        assert panel.selected_device() is not None
        assert view.run_button.isEnabled()
        with qtbot.waitSignal(view.finished, timeout=30000):
            view.run()
            assert view.cancel_button.isEnabled()
    checks = [row.check for row in view.rows]
    assert checks == ["probe (name%)", "name% burst"]
    assert view.rows[0].verdict == "pass"
    assert "STMicroelectronics" in view.rows[0].result
    assert view.rows[1].verdict == "pass"
    assert view.rows[1].result.startswith("20/20 names")
    assert view.tree.topLevelItemCount() == 2
    assert "done: 2 checks" in view.state.text()


def test_cancel_stops_after_the_check_in_progress(qtbot: Any, bridge: Any) -> None:
    view = DiagnosticsView(bridge)
    qtbot.addWidget(view)
    with SilentPort() as port:
        view.set_device(detected(port.path))
        view.run()
        # The probe of a silent port is first; a baud sweep would follow it.
        qtbot.waitUntil(lambda: len(view.rows) == 1, timeout=20000)
        with qtbot.waitSignal(view.finished, timeout=20000):
            view.cancel()
    assert view.rows[0].verdict == "fail"
    # The sweep may already have begun when the probe's report reached the GUI: it finishes.
    assert [r.check for r in view.rows][:1] == ["probe (name%)"]
    assert len(view.rows) <= 2
    assert view.job.cancelled
    assert not view.cancel_button.isEnabled()
    assert "cancel" in view.state.text()


def test_flash_action_opens_the_dialog_for_the_selected_board(qtbot: Any, sim_session: Any) -> None:
    board = load_catalog().get("nucleo-l4r5zi")
    panel = BenchPanel(sim_session)
    qtbot.addWidget(panel)
    assert not panel.actions.flash_button.isEnabled()
    panel.on_device_event(DeviceEvent("added", detected("/dev/ttyACM9", spec=board)))
    select_row(panel, "/dev/ttyACM9")
    assert panel.actions.flash_button.isEnabled()
    dialog = panel.actions.open_flash_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.board.id == "nucleo-l4r5zi"
    assert "/dev/ttyACM9" in dialog.where.text()
    assert dialog.routes.topLevelItemCount() == len(board.routes)
    dialog.reject()


def test_origins_are_labelled(qtbot: Any, sim_session: Any) -> None:
    panel = BenchPanel(sim_session)
    qtbot.addWidget(panel)
    panel.on_device_event(DeviceEvent("added", detected("/dev/ttyS0", origin="serial")))
    panel.on_device_event(DeviceEvent("added", detected("socket://127.0.0.1:1", origin="emulated")))
    panel.on_device_event(DeviceEvent("added", detected("/dev/ttyACM0")))
    names = {
        panel.tree.topLevelItem(i).text(3): panel.tree.topLevelItem(i).text(2)
        for i in range(panel.tree.topLevelItemCount())
    }
    assert names["/dev/ttyS0"].endswith("[built-in serial]")
    assert names["socket://127.0.0.1:1"].endswith("[emulated: QEMU]")
    assert "[" not in names["/dev/ttyACM0"]
    assert names[sim_session.bench.dut_url].endswith("[simulated]")
    timed_out = ProbeResult("timeout", "/dev/ttyACM0")
    port = PortInfo("/dev/ttyACM0", vid=0x0483, pid=0x374B, serial_number="066F")
    device = DetectedDevice(port, (), timed_out)
    panel.on_device_event(DeviceEvent("updated", device))
    row = next(d for d in panel.devices() if d.port == "/dev/ttyACM0")
    assert row.status == "unknown"
    assert not row.simulated
