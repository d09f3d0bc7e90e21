"""Hot-plug: the watcher reports a board that comes and goes, from its own thread."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

from tests.detect.fakes import FakeComports, FakeDut, stlink_v21_port
from tinybench_gui.devices.discovery import DetectOptions
from tinybench_gui.devices.watcher import DeviceEvent, DeviceWatcher


def _next(events: queue.Queue[DeviceEvent], timeout_s: float = 5.0) -> DeviceEvent:
    return events.get(timeout=timeout_s)


def test_board_arrives_and_leaves(tmp_path: Path) -> None:
    comports = FakeComports()
    seen_on: list[str] = []
    watcher = DeviceWatcher(
        lambda e: seen_on.append(threading.current_thread().name),
        comports=comports,
        registry_folder=tmp_path,
        options=DetectOptions(deadline_s=2.0, line_timeout_s=0.3, include_usb_only=False),
        poll_period_s=0.05,
    )
    with FakeDut(vendor="hotplug") as dut, watcher:
        comports.ports.append(stlink_v21_port(dut.path, "0776DDDD"))
        added = _next(watcher.events)
        assert added.kind == "added"
        assert added.device.probe.name == "hotplug"
        assert [d.key for d in watcher.devices()] == [added.device.key]
        probes_before = len(dut.received)
        watcher.rescan()
        scans = watcher.scans
        while watcher.scans < scans + 2:
            threading.Event().wait(0.05)
        assert len(dut.received) == probes_before  # known and answering: not probed again
        comports.ports.clear()
        removed = _next(watcher.events)
    assert removed.kind == "removed"
    assert watcher.devices() == []
    assert not watcher.running
    assert seen_on
    assert set(seen_on) == {"DeviceWatcher"}


def test_in_use_port_is_not_probed(tmp_path: Path) -> None:
    with FakeDut() as dut:
        comports = FakeComports(stlink_v21_port(dut.path, "0776EEEE"))
        watcher = DeviceWatcher(
            comports=comports,
            registry_folder=tmp_path,
            options=DetectOptions(include_usb_only=False),
            in_use=lambda: {dut.path},
        )
        watcher.poll_once()
        (device,) = watcher.devices()
        assert device.probe.status == "busy"
        assert dut.received == []
