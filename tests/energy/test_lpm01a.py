"""The LPM01A driver against the simulated PowerShield on a real pty."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest

from tests.energy.helpers import wait_until
from tinybench_gui.devices.energy.lpm01a import (
    Lpm01aDriver,
    _AsciiParser,
    decode_bin_value,
    frequency_argument,
)
from tinybench_gui.devices.energy.monitor import EnergyMonitor, MonitorError
from tinybench_gui.devices.sim.sim_lpm01a import SimLpm01a, format_ascii, format_bin, parse_value
from tinybench_gui.devices.sim.world import SimWorld
from tinybench_gui.streams.acquisition import Acquisition
from tinybench_gui.streams.energy import EVENT_LINE, energy_between
from tinybench_gui.streams.ring_buffer import SampleRing

SETUP = [
    "htc",
    'lcd 1 "MLPerf Tiny"',
    'lcd 2 "     monitor    "',
    "pwr off",
    "acqtime inf",
    "trigdelay 0",
    "trigsrc sw",
    "eventsrc d7 fal",
    "output energy",
    "format ascii_dec",
    "freq 1k",
    "volt 1800m",
]


@pytest.fixture
def bench() -> Iterator[tuple[SimWorld, SimLpm01a, Lpm01aDriver]]:
    world = SimWorld(seed=3)
    sim = SimLpm01a(world, lag_s=0.05)
    driver = Lpm01aDriver(sim.path, stall_timeout_s=0.5)
    yield world, sim, driver
    driver.close()
    sim.close()


def start_benchmark_stream(driver: Lpm01aDriver) -> Acquisition:
    """Open and configure as the benchmark does, and start streaming into an acquisition."""
    driver.open()
    driver.configure(sample_rate_hz=None, supply_voltage_v=1.8)
    acq = Acquisition(SampleRing(1 << 16), supply_voltage_v=1.8, lines=())
    driver.start(acq.push)
    return acq


def test_value_formats_round_trip() -> None:
    assert format_ascii(640.9e-6) == "6409-07"
    assert format_ascii(0.07935) == "7935-05"
    ((kind, values),) = _AsciiParser().feed(b"6409-07\r\n")
    assert kind == "samples"
    assert values[0] == pytest.approx(640.9e-6)
    assert decode_bin_value(0x52A0) == pytest.approx(640.9e-6, rel=1e-3)
    assert decode_bin_value(int.from_bytes(format_bin(0.07935), "big")) == pytest.approx(
        0.07935, rel=1e-3
    )
    assert parse_value("1800m") == pytest.approx(1.8)
    assert parse_value("2-3") == pytest.approx(0.002)
    assert frequency_argument(1000) == "1k"


def test_concatenated_and_partial_samples_are_split_or_marked() -> None:
    parser = _AsciiParser()
    ((_, values),) = parser.feed(b"\x006409-076409-07640\r\n")
    assert values[:2] == [pytest.approx(640.9e-6)] * 2
    assert np.isnan(values[2])


def test_setup_sequence_and_window_energy(bench) -> None:
    world, sim, driver = bench
    assert isinstance(driver, EnergyMonitor)
    driver.open()
    assert driver.firmware == "1.0.6"
    driver.configure(sample_rate_hz=None, supply_voltage_v=1.8)
    assert sim.commands[2:] == SETUP
    acq = Acquisition(SampleRing(1 << 16), supply_voltage_v=1.8, lines=())
    driver.power(True)
    driver.start(acq.push)
    t = world.clock() + 0.3
    world.timestamp_pulse(t, 0.002)
    for k in range(40):
        world.inference(t + 0.01 + k * 0.03, t + 0.03 + k * 0.03)
    world.timestamp_pulse(t + 1.25, 0.002)
    time.sleep(1.9)
    driver.stop()
    assert driver.failure is None
    edges = [e for e in acq.edges() if e.line == EVENT_LINE]
    assert len(edges) == 2
    (truth,) = world.truth_windows()
    measured = energy_between(edges[0], edges[1])
    # 1 ms edges and 4-digit samples: within 0.5 % over a 1.25 s window.
    assert measured == pytest.approx(truth.energy_j, rel=5e-3)
    assert acq.counts().dropped_samples == 0
    assert "Acquisition completed" in " ".join(driver.log)


def test_old_firmware_is_refused_with_the_fix(bench) -> None:
    world, _, _ = bench
    old = SimLpm01a(world, firmware="1.0.0")
    driver = Lpm01aDriver(old.path)
    try:
        with pytest.raises(MonitorError, match=r"older than 1\.0\.6.*STM32CubeMonitor-Power"):
            driver.open()
    finally:
        driver.close()
        old.close()


def test_error_reply_names_the_command_and_detail(bench) -> None:
    _, _, driver = bench
    driver.open()
    with pytest.raises(
        MonitorError, match=r"refused: error volt 1800m \(host does not have control"
    ):
        driver.command("volt 1800m")


def test_dropped_samples_found_by_timestamp_and_index_realigned(bench) -> None:
    world, sim, driver = bench
    acq = start_benchmark_stream(driver)
    time.sleep(0.2)
    sim.drop(25)
    # The loss shows at the next TimeStamp (1 s); an edge after it is on the right sample.
    t = sim.start_time_s + 1.3
    world.timestamp_pulse(t, 0.002)
    time.sleep(1.5)
    driver.stop()
    assert driver.stats().dropped_samples == 25
    assert acq.counts().dropped_samples == 25
    assert any("25 samples missing" in e.text for e in acq.events())
    (edge,) = [e for e in acq.edges() if e.line == EVENT_LINE]
    assert edge.sample_index == pytest.approx((t - sim.start_time_s) * 1000, abs=1.5)


def test_garbled_line_and_missing_event(bench) -> None:
    world, sim, driver = bench
    sim.suppress_events(1)
    acq = start_benchmark_stream(driver)
    t = world.clock() + 0.2
    for k in range(3):
        world.timestamp_pulse(t + 0.1 * k, 0.002)
    sim.garble(b"Tim#%\r\n")
    time.sleep(0.7)
    driver.stop()
    errors = [e.text for e in acq.events() if e.kind == "error"]
    assert any("garbled line 'Tim#%'" in text for text in errors)
    assert len([e for e in acq.edges() if e.line == EVENT_LINE]) == 2
    assert driver.stats().garbled >= 1


def test_event_counter_skip_means_a_lost_event_line() -> None:
    driver = Lpm01aDriver("unused")
    got = []
    driver._sink = got.append
    driver._on_bytes(b"1000-06\r\nevent 00 ris\r\n1000-06\r\nevent 02 ris\r\n")
    events = [e for block in got for e in block.events]
    assert [e.kind for e in events] == ["timestamp", "timestamp", "error"]
    assert "went from 0 to 2" in events[2].text
    assert [e.sample_index for e in events[:2]] == [1, 2]


def test_monitor_that_stops_streaming(bench) -> None:
    _, sim, driver = bench
    acq = start_benchmark_stream(driver)
    time.sleep(0.2)
    sim.stall()
    wait_until(lambda: driver.failure is not None, 3)
    assert driver.failure is not None
    assert "stopped streaming" in str(driver.failure)
    assert acq.counts().received_samples > 50


def test_bin_hexa_current_stream(bench) -> None:
    world, _, driver = bench
    driver.open()
    driver.configure(
        sample_rate_hz=10_000, supply_voltage_v=1.8, stream_format="bin_hexa", output="current"
    )
    world.set_power(True)
    acq = Acquisition(SampleRing(1 << 16), supply_voltage_v=1.8, lines=())
    driver.start(acq.push)
    time.sleep(1.3)
    driver.stop()
    view = acq.ring.read_since(0).view
    assert len(view) > 10_000
    assert float(np.mean(view.current_a)) == pytest.approx(world.model.idle_current_a, rel=0.01)
    assert acq.counts().dropped_samples == 0
