"""The Joulescope driver running unchanged on a fake of pyjoulescope_driver's Driver."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.energy.helpers import wait_until
from tinybench_gui.devices.energy.joulescope import JoulescopeDriver
from tinybench_gui.devices.energy.monitor import EnergyMonitor, MonitorError
from tinybench_gui.devices.sim.fake_joulescope import FakeJoulescopeDriver
from tinybench_gui.devices.sim.world import SimWorld
from tinybench_gui.streams.acquisition import Acquisition
from tinybench_gui.streams.energy import energy_between, inference_figures, pulses
from tinybench_gui.streams.ring_buffer import SampleRing


def make(world: SimWorld) -> tuple[FakeJoulescopeDriver, JoulescopeDriver]:
    fake = FakeJoulescopeDriver(world, lag_s=0.05)
    return fake, JoulescopeDriver("000415", driver_factory=lambda: fake, stall_timeout_s=0.5)


def test_window_energy_and_per_inference_figures() -> None:
    world = SimWorld(seed=5)
    world.set_power(True)
    fake, driver = make(world)
    assert isinstance(driver, EnergyMonitor)
    driver.open()
    driver.configure(sample_rate_hz=None, supply_voltage_v=1.8)
    assert (f"{fake.path}/s/i/range/mode", "auto") in fake.published
    acq = Acquisition(SampleRing(1 << 21, with_voltage=True), supply_voltage_v=1.8, lines=(0, 1))
    driver.start(acq.push)
    t = world.clock() + 0.2
    world.timestamp_pulse(t, 0.001)
    for k in range(10):
        world.inference(t + 0.01 + 0.04 * k, t + 0.04 + 0.04 * k)
    world.timestamp_pulse(t + 0.45, 0.001)
    # Wait until the monitor has sampled past the second pulse (slow under load).
    wait_until(lambda: len(pulses(acq.edges(), 0)) >= 2, 20)
    time.sleep(0.1)
    driver.stop()
    driver.close()
    assert driver.failure is None
    found = pulses(acq.edges(), 0)
    assert [p.width_samples() for p in found] == [1000, 1000]
    (truth,) = world.truth_windows()
    assert energy_between(found[0].fall, found[1].fall) == pytest.approx(truth.energy_j, rel=1e-3)
    figs = inference_figures(
        acq.edges(), 1, 1e6, found[0].fall.sample_index, found[1].fall.sample_index
    )
    assert len(figs) == 10
    truths = world.truth_inferences()
    for fig, (t0, t1, energy) in zip(figs, truths, strict=True):
        assert fig.duration_s == pytest.approx(t1 - t0, abs=2e-6)
        assert fig.energy_j == pytest.approx(energy, rel=1e-2)
    assert acq.counts().dropped_samples == 0
    view = acq.ring.latest(1000)
    assert view.voltage_v is not None
    assert float(np.mean(view.voltage_v)) == pytest.approx(1.8, abs=1e-3)


def test_skipped_samples_are_counted_and_stall_fails() -> None:
    world = SimWorld(seed=5)
    fake, driver = make(world)
    driver.open()
    driver.configure(sample_rate_hz=None, supply_voltage_v=1.8)
    acq = Acquisition(SampleRing(1 << 21, with_voltage=True), supply_voltage_v=1.8, lines=(0, 1))
    driver.start(acq.push)
    time.sleep(0.2)
    fake.skip(20_000)
    time.sleep(0.2)
    fake.stall()
    wait_until(lambda: driver.failure is not None, 3)
    assert isinstance(driver.failure, MonitorError)
    assert "stopped streaming" in str(driver.failure)
    assert acq.counts().dropped_samples == 20_000
    driver.close()


def test_no_instrument_is_a_clear_error() -> None:
    world = SimWorld()
    driver = JoulescopeDriver("999999", driver_factory=lambda: FakeJoulescopeDriver(world))
    with pytest.raises(MonitorError, match="expected one Joulescope, found: u/js220/000415"):
        driver.open()
