"""The simulated world's ground truth: exact energy, pins, per-layer shape."""

from __future__ import annotations

import numpy as np
import pytest

from tinybench_gui.benchmarks.catalog import get_benchmark
from tinybench_gui.devices.sim.power_profile import layer_profile
from tinybench_gui.devices.sim.world import PowerModel, SimWorld
from tinybench_gui.models.lookup import find_model


def test_energy_of_a_layer_shaped_inference_is_exact() -> None:
    model = PowerModel(idle_current_a=0.002, layer_profile=((0.25, 0.008), (0.75, 0.004)))
    world = SimWorld(model, clock=lambda: 0.0)
    world.supply_voltage_v = 2.0
    world.set_power(True)  # at t = 0
    world.inference(1.0, 2.0)
    expected = 2.0 * (0.002 * 1.0 + 0.008 * 0.25 + 0.004 * 0.75 + 0.002 * 1.0)
    assert world.energy_between(0.0, 3.0) == pytest.approx(expected, rel=1e-12)
    current, pins = world.sample(0.0, 300, 100.0, noise=False)
    assert current[:100] == pytest.approx(0.002)
    assert current[100:125] == pytest.approx(0.008)
    assert current[125:200] == pytest.approx(0.004)
    # Sample means integrate back to the exact energy.
    assert float(current.sum()) / 100.0 * 2.0 == pytest.approx(expected, rel=1e-12)
    assert pins[99] & 2 == 0
    assert pins[100] & 2 == 2
    assert pins[199] & 2 == 2


def test_timestamp_pin_idles_high_and_windows_pair_pulses() -> None:
    world = SimWorld(clock=lambda: 0.0)
    world.set_power(True)
    world.timestamp_pulse(0.5, 0.002)  # boot pulse: no inference follows it
    world.timestamp_pulse(1.0, 0.002)
    world.inference(1.01, 1.5)
    world.timestamp_pulse(1.6, 0.002)
    _, pins = world.sample(0.999, 5, 1000.0, noise=False)
    assert (pins & 1).tolist() == [1, 0, 0, 1, 1]
    (window,) = world.truth_windows()
    assert window.start.fall_s == 1.0
    assert window.inferences == 1
    assert window.duration_s == pytest.approx(0.6)


def test_layer_profile_follows_the_models_operators() -> None:
    profile = layer_profile(find_model(get_benchmark("kws01").int8_model))
    assert len(profile) >= 5
    assert sum(f for f, _ in profile) == pytest.approx(1.0)
    fractions = np.array([f for f, _ in profile])
    assert fractions.max() > 5 * fractions.min()  # convolutions dominate


def test_injected_spikes_are_in_the_ground_truth() -> None:
    model = PowerModel(idle_current_a=0.002, spike_rate_hz=200.0, noise_fraction=0.0)
    world = SimWorld(model, clock=lambda: 0.0, seed=4)
    world.set_power(True)
    world.inference(0.0, 0.5)
    assert 50 < len(world.spikes) < 150
    without = sum(f * c for f, c in model.layer_profile) / sum(f for f, _ in model.layer_profile)
    extra = len(world.spikes) * model.spike_current_a * model.spike_width_s
    expected = world.supply_voltage_v * (without * 0.5 + extra)
    assert world.energy_between(0.0, 0.5) == pytest.approx(expected, rel=1e-9)
    current, _ = world.sample(0.0, 50_000, 100_000.0, noise=False)
    assert current.max() > model.spike_current_a
