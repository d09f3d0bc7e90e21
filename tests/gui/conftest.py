"""GUI fixtures: a bridge, a session on the simulated bench, a live acquisition fed by a thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from tinybench_gui.bench import simulated_bench
from tinybench_gui.devices.sim.world import SimWorld
from tinybench_gui.gui.qt_bridge import QtBridge
from tinybench_gui.gui.session import GuiSession
from tinybench_gui.streams.acquisition import Acquisition
from tinybench_gui.streams.ring_buffer import SampleRing
from tinybench_gui.testing.world_feed import WorldFeed


@pytest.fixture
def bridge(qapp: Any) -> QtBridge:
    return QtBridge()


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def sim_session(bridge: QtBridge, tmp_path: Path) -> Iterator[GuiSession]:
    """A session on the simulated bench (ad01, simulated time: runs take seconds)."""
    bench = simulated_bench("ad01", realtime=False, wire_time=False)
    session = GuiSession(bridge, bench=bench, results_root=tmp_path / "runs")
    yield session
    session.close()


@pytest.fixture
def world() -> SimWorld:
    w = SimWorld(seed=3)
    w.set_power(True, voltage_v=1.8)
    return w


@pytest.fixture
def fed(world: SimWorld) -> Iterator[tuple[SimWorld, Acquisition, WorldFeed]]:
    """An acquisition filled at 100 kS/s by a reader-like thread (the real classes)."""
    acq = Acquisition(SampleRing(2_000_000, with_voltage=True), supply_voltage_v=1.8, lines=(0, 1))
    feed = WorldFeed(world, acq, sample_rate_hz=100_000.0).start()
    yield world, acq, feed
    feed.stop()
