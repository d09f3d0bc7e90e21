"""The acquisition path behind one energy monitor: ring, edges, energy, drop counts.

A monitor's reader thread calls ``Acquisition.push(block)`` for every block it
parsed. ``push`` appends to the ring (for live views and storage), marks the
timestamp / inference edges with the running energy, counts dropped and
saturated samples, and hands the block to extra consumers (the run file). Other
threads read the ring by cursor and take snapshots of the edges; nothing here
blocks the reader thread on them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tinybench_gui.streams.blocks import MonitorEvent, SampleBlock
from tinybench_gui.streams.energy import EnergyTracker, MarkedEdge
from tinybench_gui.streams.ring_buffer import SampleRing

BlockConsumer = Callable[[SampleBlock], None]


@dataclass(frozen=True, slots=True)
class AcquisitionCounts:
    """Sample accounting of one acquisition."""

    received_samples: int
    dropped_samples: int
    estimated_samples: int
    saturated_samples: int
    end_index: int

    @property
    def drop_fraction(self) -> float:
        """Dropped samples over all samples the instrument should have sent."""
        total = self.received_samples + self.dropped_samples
        return self.dropped_samples / total if total else 0.0


class Acquisition:
    """Consumer of one monitor's blocks.

    Parameters
    ----------
    ring:
        Where the samples go for readers.
    supply_voltage_v:
        Set-point used when blocks carry no measured voltage.
    lines:
        Digital lines whose edges are marked (timestamp pin, inference pin).
    saturation_current_a:
        Current at which the instrument's range saturates (counted, not clipped).
    """

    def __init__(
        self,
        ring: SampleRing,
        *,
        supply_voltage_v: float,
        lines: Sequence[int] = (0,),
        saturation_current_a: float = float("inf"),
    ) -> None:
        self.ring = ring
        self.tracker = EnergyTracker(supply_voltage_v=supply_voltage_v, lines=lines)
        self.saturation_current_a = saturation_current_a
        self._edges: list[MarkedEdge] = []
        self._events: list[MonitorEvent] = []
        self._consumers: list[BlockConsumer] = []
        self._received = 0
        self._dropped = 0
        self._saturated = 0
        self._progress = threading.Condition()

    def add_consumer(self, consumer: BlockConsumer) -> None:
        """Also hand every block to ``consumer`` (on the reader thread; keep it fast)."""
        self._consumers.append(consumer)

    def push(self, block: SampleBlock) -> None:
        """Take one block (the monitor's reader thread)."""
        marked = self.tracker.feed(block)
        self.ring.append(block)
        self._received += len(block)
        self._dropped += block.dropped_before
        if np.isfinite(self.saturation_current_a) and len(block):
            self._saturated += int(np.count_nonzero(block.current_a >= self.saturation_current_a))
        self._edges.extend(marked)
        self._events.extend(block.events)
        for consumer in self._consumers:
            consumer(block)
        with self._progress:
            self._progress.notify_all()

    def note_dropped(self, samples: int) -> None:
        """Count samples lost without a later block to carry them (stream ended in a gap)."""
        self._dropped += samples

    # -- readers (any thread) ------------------------------------------------------------
    def edges(self, since: int = 0) -> list[MarkedEdge]:
        """Marked edges from position ``since`` of the edge log."""
        return self._edges[since:]

    def events(self) -> list[MonitorEvent]:
        """Instrument events so far."""
        return list(self._events)

    def counts(self) -> AcquisitionCounts:
        """A snapshot of the sample accounting."""
        return AcquisitionCounts(
            self._received,
            self._dropped,
            self.tracker.estimated_samples,
            self._saturated,
            self.ring.end_index,
        )

    def wait_for(self, end_index: int, timeout_s: float) -> bool:
        """Block until samples up to ``end_index`` arrived or ``timeout_s`` passed."""
        with self._progress:
            return self._progress.wait_for(lambda: self.ring.end_index >= end_index, timeout_s)
