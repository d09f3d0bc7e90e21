"""The one bridge: items from worker threads arrive on the GUI thread, in order, coalesced."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QThread

from tinybench_gui.gui.qt_bridge import QtBridge
from tinybench_gui.runner.events import ProgressMade
from tinybench_gui.runner.state import RunnerStatus, RunState


def test_items_arrive_on_gui_thread_in_order(qtbot: Any, bridge: QtBridge) -> None:
    got: list[tuple[Any, bool]] = []
    gui = QThread.currentThread()
    bridge.connect_handler(lambda item: got.append((item, QThread.currentThread() is gui)))

    def worker() -> None:
        for i in range(500):
            bridge.post(i)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    qtbot.waitUntil(lambda: len(got) == 500, timeout=5000)
    assert [i for i, _ in got] == list(range(500))
    assert all(on_gui for _, on_gui in got)
    assert bridge.wakeups < 500  # coalesced wake-ups, not one per item


def test_progress_snapshots_coalesce_to_newest(qtbot: Any, bridge: QtBridge) -> None:
    got: list[Any] = []
    bridge.connect_handler(got.append)
    for step in range(1, 51):
        bridge.post(ProgressMade(RunnerStatus(RunState.MEASURING, step, 50)))
    bridge.post("end")
    qtbot.waitUntil(lambda: "end" in got, timeout=5000)
    progress = [g for g in got if isinstance(g, ProgressMade)]
    assert progress[-1].status.step == 50
    assert len(progress) < 50


def test_a_failing_handler_does_not_stop_the_others(qtbot: Any, bridge: QtBridge) -> None:
    got: list[Any] = []

    def broken(_item: Any) -> None:
        raise RuntimeError("boom")

    bridge.connect_handler(broken)
    bridge.connect_handler(got.append)
    bridge.post(1)
    qtbot.waitUntil(lambda: got == [1], timeout=5000)
