"""An energy run on a 'real' bench: interface board and energy monitor picked in the Bench panel.

The simulated energy bench's pty instruments stand in for hardware; the session knows
only their ports (registered as detected serial devices), as it would with real ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tinybench_gui.bench import energy_monitor_spec, io_board_kind_of
from tinybench_gui.devices.catalog import load_catalog
from tinybench_gui.devices.discovery import DetectedDevice, PortInfo
from tinybench_gui.devices.probing import ProbeResult
from tinybench_gui.devices.watcher import DeviceEvent
from tinybench_gui.gui.main_window import MainWindow
from tinybench_gui.gui.panels.bench_panel import BenchPanel
from tinybench_gui.gui.session import GuiSession
from tinybench_gui.runner.plan import Mode


def detected(url: str, catalog_id: str, role: str) -> DetectedDevice:
    spec = load_catalog().get(catalog_id)
    probe = ProbeResult("identified", url, role=role, baud_rate=115200)
    return DetectedDevice(PortInfo(url, origin="serial"), (), probe, spec)


def select_row(panel: BenchPanel, port: str) -> None:
    for i in range(panel.tree.topLevelItemCount()):
        item = panel.tree.topLevelItem(i)
        if item.text(3) == port:
            panel.tree.setCurrentItem(item)
            return
    raise AssertionError(f"{port} is not listed")


def test_monitor_specs_and_board_kinds_from_the_catalog() -> None:
    assert energy_monitor_spec("ppk2", "/dev/ttyACM3") == "ppk2:/dev/ttyACM3"
    assert energy_monitor_spec("lpm01a", "COM4") == "lpm01a:COM4"
    assert energy_monitor_spec("js220", "usb", "001234") == "js220:001234"
    assert energy_monitor_spec("js220", "usb") == "js220"
    assert energy_monitor_spec("stlink-v2", "/dev/x") is None
    assert io_board_kind_of("stm32h573i-dk") == "stm32h573i-dk"
    assert io_board_kind_of("arduino-uno-io-manager") == "arduino"
    assert io_board_kind_of("ppk2") is None


def test_energy_run_on_the_board_and_monitor_picked_in_the_bench_panel(
    qtbot: Any, bridge: Any, settings: Any, tmp_path: Path
) -> None:
    from tinybench_gui.devices.sim.sim_bench import SimBench

    sim = SimBench("ppk2", benchmark="kws01", profile="fast-m7", realtime=True, wire_time=False)
    session = GuiSession(bridge, results_root=tmp_path / "runs")
    try:
        window = MainWindow(session, settings)
        qtbot.addWidget(window)
        window.show()
        run_panel, bench_panel = window.run_panel, window.bench_panel
        assert Mode.ENERGY not in session.modes()
        with pytest.raises(ValueError, match="interface board and an energy monitor"):
            session.resources(Mode.ENERGY)
        bench_panel.on_device_event(
            DeviceEvent("added", detected(sim.io_board_url, "stm32h573i-dk", "io_board"))
        )
        bench_panel.on_device_event(
            DeviceEvent("added", detected(sim.monitor_url, "ppk2", "energy_monitor"))
        )
        select_row(bench_panel, sim.io_board_url)
        assert session.selected_io_board == (sim.io_board_url, "stm32h573i-dk")
        assert Mode.ENERGY not in session.modes()  # still no monitor
        select_row(bench_panel, sim.monitor_url)
        assert session.selected_monitor == f"ppk2:{sim.monitor_url}"
        assert Mode.ENERGY in session.modes()
        energy_item = run_panel.mode.model().item(run_panel.mode.findData(Mode.ENERGY))
        assert energy_item.isEnabled()  # the Run panel refreshed on the selection

        run_panel.mode.setCurrentIndex(run_panel.mode.findData(Mode.ENERGY))
        run_panel.windows.setValue(2)
        run_panel.min_window.setValue(0.3)
        run_panel.supply_v.setValue(3.0)
        assert run_panel.plan().options["supply_voltage_v"] == "3.0"
        qtbot.mouseClick(run_panel.start_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: not session.running and run_panel.phase.text() in ("done", "failed"),
            timeout=120_000,
        )
        assert run_panel.phase.text() == "done", run_panel.message.text()
        table = window.results_view.table
        assert table.rowCount() == 3  # two windows and the median
        energies = [float(table.item(r, 5).text()) for r in range(2)]  # µJ per inference
        assert all(e > 0 for e in energies)
        assert float(table.item(2, 5).text()) == pytest.approx(float(np.median(energies)), rel=1e-3)
        assert sim.world.supply_voltage_v == pytest.approx(
            3.0
        )  # the set-point reached the instrument
    finally:
        session.close()
        sim.close()
