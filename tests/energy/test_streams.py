"""Ring buffer, edge detection and energy integration on hand-made blocks."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tinybench_gui.streams.acquisition import Acquisition
from tinybench_gui.streams.blocks import MonitorEvent, SampleBlock
from tinybench_gui.streams.edges import EdgeDetector
from tinybench_gui.streams.energy import (
    EVENT_LINE,
    EnergyTracker,
    energy_between,
    inference_figures,
    pulses,
)
from tinybench_gui.streams.ring_buffer import SampleRing


def block(first: int, current: list[float] | np.ndarray, digital=None, **kw) -> SampleBlock:
    cur = np.asarray(current, dtype=np.float32)
    dig = None if digital is None else np.asarray(digital, dtype=np.uint8)
    return SampleBlock(first, 1000.0, cur, digital=dig, **kw)


def test_ring_wraps_and_reports_lost_samples_to_a_slow_reader() -> None:
    ring = SampleRing(10)
    ring.append(block(0, np.arange(8)))
    ring.append(block(8, np.arange(8, 15)))
    assert ring.end_index == 15
    got = ring.read_since(0)
    assert got.lost == 5
    assert got.view.first_sample_index == 5
    assert got.view.current_a.tolist() == list(range(5, 15))
    assert got.cursor == 15
    assert ring.latest(3).current_a.tolist() == [12, 13, 14]


def test_ring_stores_a_gap_as_nan_and_keeps_the_index() -> None:
    ring = SampleRing(100)
    ring.append(block(0, [1, 2], digital=[1, 1]))
    ring.append(block(5, [3], digital=[0], dropped_before=3))
    view = ring.read(0, 6).view
    assert np.isnan(view.current_a[2:5]).all()
    assert view.current_a[5] == 3
    assert view.digital.tolist() == [1, 1, 1, 1, 1, 0]


def test_ring_refuses_out_of_order_blocks() -> None:
    ring = SampleRing(10)
    ring.append(block(5, [1, 2]))
    with pytest.raises(ValueError, match="in order"):
        ring.append(block(6, [3]))


def test_concurrent_reader_sees_every_sample_once_or_counts_it_lost() -> None:
    ring = SampleRing(4096)
    total = 200_000
    seen: list[np.ndarray] = []
    lost = 0
    done = threading.Event()

    def reader() -> None:
        nonlocal lost
        cursor = 0
        while not done.is_set() or cursor < ring.end_index:
            got = ring.read_since(cursor)
            lost += got.lost
            seen.append(got.view.current_a)
            cursor = got.cursor

    thread = threading.Thread(target=reader)
    thread.start()
    for start in range(0, total, 1000):
        ring.append(block(start, np.arange(start, start + 1000, dtype=np.float32)))
    done.set()
    thread.join()
    values = np.concatenate(seen)
    # Values are their own index: what a reader got is exactly the right samples.
    assert len(values) + lost == total
    assert np.all(np.diff(values) >= 1)


def test_edges_found_across_block_boundaries() -> None:
    det = EdgeDetector([0, 1])
    e1 = det.feed(0, np.array([1, 1, 0, 0], np.uint8))
    e2 = det.feed(4, np.array([0, 1, 3, 3], np.uint8))
    assert [(e.line, e.sample_index, e.rising) for e in e1 + e2] == [
        (0, 2, False),
        (0, 5, True),
        (1, 6, True),
    ]


def test_energy_between_edges_is_the_sum_of_the_samples_between_them() -> None:
    tracker = EnergyTracker(supply_voltage_v=2.0, lines=[0])
    rng = np.random.default_rng(3)
    current = rng.uniform(0.001, 0.01, 3000)
    digital = np.ones(3000, np.uint8)
    digital[700:702] = 0
    digital[2500:2503] = 0
    edges = []
    for start in range(0, 3000, 256):
        edges += tracker.feed(
            block(start, current[start : start + 256], digital[start : start + 256])
        )
    found = pulses(edges, 0)
    assert [p.fall.sample_index for p in found] == [700, 2500]
    assert [p.width_samples() for p in found] == [2, 3]
    expected = float(np.sum(current.astype(np.float32)[700:2500], dtype=np.float64)) * 2.0 / 1000
    assert energy_between(found[0].fall, found[1].fall) == pytest.approx(expected, rel=1e-9)


def test_events_become_falling_edges_on_the_event_line() -> None:
    tracker = EnergyTracker(supply_voltage_v=1.8, lines=[])
    energy = np.full(10, 1e-6)
    b = SampleBlock(
        0,
        1000.0,
        np.zeros(10, np.float32),
        energy_j=energy,
        events=(MonitorEvent(4, "timestamp", "event 00 ris"),),
    )
    (edge,) = tracker.feed(b)
    assert edge.line == EVENT_LINE
    assert not edge.rising
    assert edge.from_event
    assert edge.energy_j == pytest.approx(4e-6)


def test_gaps_and_garbled_samples_hold_the_last_power() -> None:
    tracker = EnergyTracker(supply_voltage_v=1.0, lines=[])
    tracker.feed(block(0, [1.0, 1.0]))
    tracker.feed(block(4, [1.0, np.nan, 1.0], dropped_before=2))
    assert tracker.energy_j == pytest.approx(7 / 1000)
    assert tracker.estimated_samples == 3


def test_inference_figures_from_the_inference_pin() -> None:
    tracker = EnergyTracker(supply_voltage_v=1.0, lines=[1])
    current = np.full(100, 0.001)
    current[10:20] = 0.005
    current[15] = 0.009
    current[40:50] = 0.004
    digital = np.zeros(100, np.uint8)
    digital[10:20] = 2
    digital[40:50] = 2
    edges = tracker.feed(block(0, current, digital))
    figs = inference_figures(edges, 1, 1000.0, 0, 100)
    assert len(figs) == 2
    assert figs[0].duration_s == pytest.approx(0.01)
    assert figs[0].peak_current_a == pytest.approx(0.009)
    assert figs[1].mean_current_a == pytest.approx(0.004)
    assert figs[1].energy_j == pytest.approx(0.004 * 0.01)


def test_acquisition_counts_drops_and_saturation() -> None:
    acq = Acquisition(SampleRing(1000), supply_voltage_v=1.8, saturation_current_a=0.05)
    acq.push(block(0, [0.01, 0.06, 0.01], [1, 1, 1]))
    acq.push(block(5, [0.01], [1], dropped_before=2))
    counts = acq.counts()
    assert counts.received_samples == 4
    assert counts.dropped_samples == 2
    assert counts.saturated_samples == 1
    assert counts.drop_fraction == pytest.approx(2 / 6)
    assert acq.wait_for(6, 0.1)
