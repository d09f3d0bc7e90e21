"""The pin bridge and the board clock, without QEMU: board records into world time."""

from __future__ import annotations

import time

import pytest

from tinybench_gui.devices.sim.emulated_bench import BoardClock, PinBridge
from tinybench_gui.devices.sim.world import SimWorld
from tinybench_gui.firmware.emulator import PinEvent

TICK_HZ = 25_000_000


def record(pin: str, level: int, board_s: float) -> PinEvent:
    tick = round(board_s * TICK_HZ)
    return PinEvent(pin, level, tick, tick / TICK_HZ)


def test_board_time_maps_with_one_offset_fixed_at_the_boot_pulse() -> None:
    clock = BoardClock()
    world = SimWorld(clock=clock.now_s)
    bridge = PinBridge(world, clock, lag_s=0.3)
    bridge.feed(record("inference", 1, 0.0001))  # before the boot pulse: cannot be placed
    assert not clock.anchored
    assert bridge.events == []
    anchor_world_s = clock.now_s()
    bridge.feed(record("timestamp", 0, 0.002))
    offset = clock.to_world_s(0.0)
    assert offset == pytest.approx(anchor_world_s - 0.002, abs=0.01)
    # Board time far ahead of the host (a fast emulation): intervals stay the board's.
    for event in [
        record("timestamp", 1, 0.003),
        record("timestamp", 0, 5.0),
        record("timestamp", 1, 5.001),
        record("inference", 1, 5.0012),
        record("inference", 0, 5.1712),
        record("timestamp", 0, 5.1713),
        record("timestamp", 1, 5.1723),
    ]:
        bridge.feed(event)
    falls = [p.fall_s - offset for p in world.pulses]
    assert falls == pytest.approx([0.002, 5.0, 5.1713], abs=1e-9)
    assert world.pulses[1].rise_s - world.pulses[1].fall_s == pytest.approx(0.001, abs=1e-9)
    ((t0, t1),) = world.inferences
    assert (t0 - offset, t1 - offset) == pytest.approx((5.0012, 5.1712), abs=1e-9)
    # The world clock jumped with the board and never goes back.
    assert clock.now_s() >= offset + 5.1723
    assert bridge.late_edges == 0


def test_between_records_world_time_advances_at_the_idle_rate() -> None:
    clock = BoardClock(idle_rate=0.5)
    clock.anchor(1.0)
    start = clock.now_s()
    time.sleep(0.2)
    advanced = clock.now_s() - start
    assert 0.09 <= advanced <= 0.15


def test_a_record_older_than_the_monitor_lag_is_counted_late() -> None:
    clock = BoardClock(idle_rate=1.0)
    world = SimWorld(clock=clock.now_s)
    bridge = PinBridge(world, clock, lag_s=0.05)
    bridge.feed(record("timestamp", 0, 1.0))
    time.sleep(0.1)  # the board "stalls": its next record is 0.1 s behind the estimate
    bridge.feed(record("timestamp", 1, 1.001))
    assert bridge.late_edges == 1
    assert bridge.max_behind_s >= 0.09


def test_release_continues_world_time_from_where_it_was() -> None:
    clock = BoardClock()
    clock.anchor(100.0)  # a board record far in the board's own time
    before = clock.now_s()
    clock.release()
    assert not clock.anchored
    assert clock.now_s() >= before
    assert clock.now_s() - before < 0.05
