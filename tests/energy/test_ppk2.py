"""The PPK2 driver against the simulated PPK2 on a real pty (real pyserial)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest

from tests.energy.helpers import wait_until
from tinybench_gui.devices.energy.monitor import EnergyMonitor, MonitorError
from tinybench_gui.devices.energy.ppk2 import Ppk2Calibration, Ppk2Driver, parse_metadata
from tinybench_gui.devices.sim.sim_ppk2 import SimPpk2, encode_samples, metadata_text
from tinybench_gui.devices.sim.world import SimWorld
from tinybench_gui.streams.acquisition import Acquisition
from tinybench_gui.streams.energy import energy_between, pulses
from tinybench_gui.streams.ring_buffer import SampleRing


@pytest.fixture
def bench() -> Iterator[tuple[SimWorld, SimPpk2, Ppk2Driver]]:
    world = SimWorld(seed=7)
    sim = SimPpk2(world, lag_s=0.05)
    # A loaded CI machine may not read 400 kB/s in time; these tests are not about that.
    sim.paced = True
    driver = Ppk2Driver(sim.path, stall_timeout_s=0.5)
    yield world, sim, driver
    driver.close()
    sim.close()


def test_encoding_inverts_through_the_driver_formula() -> None:
    cal = Ppk2Calibration(parse_metadata(metadata_text()))
    current = np.array([1e-7, 5e-6, 2.1e-3, 8e-3, 0.3])
    words = np.frombuffer(encode_samples(current, np.zeros(5, np.uint8), 0), "<u4")
    adc = (words & 0x3FFF).astype(np.int64)
    rng = ((words >> 14) & 7).astype(np.int64)
    assert rng.tolist() == [0, 0, 1, 2, 3]
    back = cal.current_a(adc, rng, 3300)
    lsb = 4 * 1.8 / 163840 / np.array([1031.64, 1031.64, 101.65, 10.15, 0.94])
    assert np.all(np.abs(back - current) <= lsb)


def run_stream(world: SimWorld, driver: Ppk2Driver, seconds: float) -> Acquisition:
    acq = Acquisition(SampleRing(1 << 20), supply_voltage_v=1.8, lines=(0, 1))
    driver.open()
    driver.configure(sample_rate_hz=None, supply_voltage_v=1.8)
    driver.power(True)
    driver.start(acq.push)
    time.sleep(seconds)
    driver.stop()
    return acq


def test_energy_between_timestamp_edges_matches_the_world(bench) -> None:
    world, _, driver = bench
    assert isinstance(driver, EnergyMonitor)
    t = world.clock() + 0.3
    world.timestamp_pulse(t, 0.002)
    for k in range(20):
        world.inference(t + 0.01 + k * 0.03, t + 0.03 + k * 0.03)
    world.timestamp_pulse(t + 0.65, 0.002)
    acq = run_stream(world, driver, 1.2)
    assert driver.failure is None
    found = pulses(acq.edges(), 0)
    assert len(found) == 2
    assert found[0].width_samples() == pytest.approx(200, abs=1)
    measured = energy_between(found[0].fall, found[1].fall)
    (truth,) = world.truth_windows()
    assert truth.inferences == 20
    assert measured == pytest.approx(truth.energy_j, rel=1e-3)
    counts = acq.counts()
    assert counts.dropped_samples == 0
    assert counts.received_samples > 80_000
    assert world.supply_voltage_v == pytest.approx(1.8)
    inf_edges = [e for e in acq.edges() if e.line == 1]
    assert len(inf_edges) == 40


def start_stream(driver: Ppk2Driver) -> Acquisition:
    """Open and stream (no configuration: the PPK2's defaults) into an acquisition."""
    acq = Acquisition(SampleRing(1 << 20), supply_voltage_v=1.8)
    driver.open()
    driver.start(acq.push)
    return acq


def test_counter_gap_is_counted_and_keeps_the_time_base(bench) -> None:
    world, sim, driver = bench
    t = world.clock() + 0.4
    world.timestamp_pulse(t, 0.002)
    acq = start_stream(driver)
    time.sleep(0.15)
    sim.skip(37)
    time.sleep(0.5)
    driver.stop()
    assert driver.stats().dropped_samples == 37
    assert acq.counts().dropped_samples == 37
    (pulse,) = pulses(acq.edges(), 0)
    # The edge lands at its true sample index even though 37 samples went missing.
    expected = (t - sim.start_time_s) * 100_000
    assert pulse.fall.sample_index == pytest.approx(expected, abs=1.5)


def test_inserted_bytes_are_resynchronised(bench) -> None:
    _world, sim, driver = bench
    acq = start_stream(driver)
    time.sleep(0.15)
    sim.garble(b"\xaa\x55\x13")
    # Wait for the reader to get past the garbage (slow under load), not a fixed time.
    wait_until(lambda: driver.stats().garbled >= 3, 10)
    time.sleep(0.1)
    driver.stop()
    assert driver.failure is None
    stats = driver.stats()
    # The 3 inserted bytes, plus whatever the resync had to skip to find a frame again.
    assert stats.garbled >= 3
    assert stats.dropped_samples == 0
    view = acq.ring.read_since(0).view
    assert np.all(np.isfinite(view.current_a))


def test_monitor_that_stops_streaming_fails_clearly_and_keeps_samples(bench) -> None:
    _, sim, driver = bench
    acq = start_stream(driver)
    time.sleep(0.2)
    sim.stall()
    wait_until(lambda: driver.failure is not None, 3)
    assert isinstance(driver.failure, MonitorError)
    assert "stopped streaming" in str(driver.failure)
    assert sim.path in str(driver.failure)
    assert acq.counts().received_samples > 5000


def test_not_a_ppk2_gives_a_clear_error(tmp_path) -> None:
    from tinybench_gui.devices.sim.pty_endpoint import PtyEndpoint

    silent = PtyEndpoint()
    try:
        driver = Ppk2Driver(silent.path)
        with pytest.raises(MonitorError, match=r"no metadata.*1915:C00A"):
            driver.open()
        driver.close()
    finally:
        silent.close()


@pytest.mark.parametrize("words_after", [1, 2, 10, 15, 16, 40])
def test_garbage_just_before_a_read_ends_loses_no_sample(words_after: int) -> None:
    # A read that ends a few words after inserted bytes cannot tell them from lost
    # samples yet: the driver must wait for the next read, not count drops.
    driver = Ppk2Driver("/dev/null-ppk2")
    blocks: list = []
    driver._sink = blocks.append
    current = np.full(400, 2e-3)
    stream = encode_samples(current, np.zeros(400, np.uint8), 0)
    cut = (100 + words_after) * 4
    driver._on_bytes(stream[:400] + b"\xaa\x55\x13" + stream[400:cut])
    driver._on_bytes(stream[cut:])
    stats = driver.stats()
    delivered = np.concatenate([b.current_a for b in blocks])
    assert stats.dropped_samples == 0
    assert stats.garbled == 3
    assert delivered.shape[0] == 400
    assert np.all(np.isfinite(delivered))
    assert delivered == pytest.approx(2e-3, rel=0.02)


def test_samples_lost_just_before_a_read_ends_are_counted_once_it_can_tell() -> None:
    driver = Ppk2Driver("/dev/null-ppk2")
    blocks: list = []
    driver._sink = blocks.append
    stream = encode_samples(np.full(400, 2e-3), np.zeros(400, np.uint8), 0)
    lost = stream[:400] + stream[420:]  # samples 100-104 never arrived
    driver._on_bytes(lost[:408])  # ends 2 words after the gap: undecided
    assert driver.stats().dropped_samples == 0
    driver._on_bytes(lost[408:])
    assert driver.stats().dropped_samples == 5
    assert driver.stats().garbled == 0
    assert blocks[-1].first_sample_index + blocks[-1].current_a.shape[0] == 400
