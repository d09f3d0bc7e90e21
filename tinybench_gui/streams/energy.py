"""Energy integration on the sample time base, and what the timestamp edges bound.

``EnergyTracker`` runs on the acquisition path: for every sample it adds
``I·V/fs`` (or the instrument's own energy per sample) to a running total, and
for every edge it records that total *at the edge's sample index*. The energy
between any two edges is then the difference of two numbers, exact to the sample,
without keeping the samples: a 10 s window at 1 MS/s needs no 10 M-sample buffer.
Cumulative sums are float64 over each block and carried between blocks.

Dropped samples (an instrument's gap, a garbled sample) are counted; their
energy is estimated by holding the last good sample's power, and the run's
validity check (drops <= 0.1 %) decides whether that estimate is acceptable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tinybench_gui.streams.blocks import SampleBlock
from tinybench_gui.streams.edges import Edge, EdgeDetector

# The LPM01A reports timestamp-pin events itself (it has no sampled logic line):
# they are recorded on this pseudo line, the Arduino D7 pin they come from.
EVENT_LINE = 7


@dataclass(frozen=True, slots=True)
class MarkedEdge:
    """An edge with the running totals at its sample index.

    ``energy_j`` and ``charge_c`` are the totals of all samples before
    ``sample_index``; ``peak_current_a`` is the highest current since the previous
    edge of the same line (NaN if no sample lay between them).
    """

    line: int
    sample_index: int
    rising: bool
    energy_j: float
    charge_c: float
    peak_current_a: float
    from_event: bool = False


class EnergyTracker:
    """Running energy and charge totals, marked at every edge of the watched lines.

    Parameters
    ----------
    supply_voltage_v:
        Voltage used when a block carries no measured voltage (a set-point).
    lines:
        Digital lines (bit numbers) whose edges are marked.
    """

    def __init__(self, *, supply_voltage_v: float, lines: Sequence[int]) -> None:
        self.supply_voltage_v = supply_voltage_v
        self._detector = EdgeDetector(lines)
        self.energy_j = 0.0
        self.charge_c = 0.0
        self.next_index: int | None = None
        self._last_power_w = 0.0
        self._last_current_a = 0.0
        self._peak: dict[int, float] = {line: float("nan") for line in (*lines, EVENT_LINE)}
        self.estimated_samples = 0

    def feed(self, block: SampleBlock) -> list[MarkedEdge]:
        """Add a block; return its edges (digital edges and timestamp events) marked."""
        n = len(block)
        dt_s = 1.0 / block.sample_rate_hz
        if self.next_index is not None:
            gap = block.first_sample_index - self.next_index
            if gap > 0:
                self.energy_j += gap * self._last_power_w * dt_s
                self.charge_c += gap * self._last_current_a * dt_s
                self.estimated_samples += gap
        current = block.current_a.astype(np.float64)
        bad = ~np.isfinite(current)
        if bad.any():
            current = _hold_last(current, bad, self._last_current_a)
            self.estimated_samples += int(bad.sum())
        if block.energy_j is not None:
            energy = block.energy_j.astype(np.float64)
            bad_e = ~np.isfinite(energy)
            if bad_e.any():
                energy = _hold_last(energy, bad_e, self._last_power_w * dt_s)
        else:
            if block.voltage_v is not None:
                voltage = block.voltage_v.astype(np.float64)
                voltage = np.where(np.isfinite(voltage), voltage, self.supply_voltage_v)
            else:
                voltage = np.full(n, self.supply_voltage_v)
            energy = current * voltage * dt_s
        cum_energy = np.concatenate([[0.0], np.cumsum(energy)])
        cum_charge = np.concatenate([[0.0], np.cumsum(current * dt_s)])

        edges: list[tuple[Edge, bool]] = []
        if block.digital is not None:
            edges = [
                (e, False) for e in self._detector.feed(block.first_sample_index, block.digital)
            ]
        for event in block.events:
            if event.kind == "timestamp":
                edges.append((Edge(EVENT_LINE, event.sample_index, False), True))
        edges.sort(key=lambda item: (item[0].sample_index, item[0].line))

        marked: list[MarkedEdge] = []
        last_offset: dict[int, int] = {}
        for edge, from_event in edges:
            offset = min(max(edge.sample_index - block.first_sample_index, 0), n)
            start = last_offset.get(edge.line, 0)
            peak = self._peak[edge.line]
            if offset > start:
                peak = float(np.nanmax([peak, current[start:offset].max()]))
            marked.append(
                MarkedEdge(
                    edge.line,
                    edge.sample_index,
                    edge.rising,
                    self.energy_j + float(cum_energy[offset]),
                    self.charge_c + float(cum_charge[offset]),
                    peak,
                    from_event,
                )
            )
            self._peak[edge.line] = float("nan")
            last_offset[edge.line] = offset
        if n:
            for line in self._peak:
                start = last_offset.get(line, 0)
                if start < n:
                    self._peak[line] = float(np.nanmax([self._peak[line], current[start:].max()]))
            self.energy_j += float(cum_energy[-1])
            self.charge_c += float(cum_charge[-1])
            self._last_power_w = float(energy[-1]) / dt_s
            self._last_current_a = float(current[-1])
        self.next_index = block.end_sample_index
        return marked


def _hold_last(values: np.ndarray, bad: np.ndarray, initial: float) -> np.ndarray:
    """Replace ``values[bad]`` by the last good value before them (``initial`` at the start)."""
    idx = np.where(bad, -1, np.arange(values.shape[0]))
    np.maximum.accumulate(idx, out=idx)
    filled = np.where(idx >= 0, values[np.maximum(idx, 0)], initial)
    return np.asarray(filled, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Pulse:
    """A low pulse on the timestamp pin: a falling edge and the rising edge after it."""

    fall: MarkedEdge
    rise: MarkedEdge | None

    def width_samples(self) -> int | None:
        """Samples the pin stayed low, or None without a rising edge."""
        return None if self.rise is None else self.rise.sample_index - self.fall.sample_index


def pulses(edges: Sequence[MarkedEdge], line: int) -> list[Pulse]:
    """The low pulses of ``line``: each falling edge with the next rising edge (if any)."""
    found: list[Pulse] = []
    for edge in edges:
        if edge.line != line:
            continue
        if not edge.rising:
            found.append(Pulse(edge, None))
        elif found and found[-1].rise is None:
            found[-1] = Pulse(found[-1].fall, edge)
    return found


def energy_between(start: MarkedEdge, stop: MarkedEdge) -> float:
    """Energy in J of the samples in ``[start.sample_index, stop.sample_index)``."""
    return stop.energy_j - start.energy_j


@dataclass(frozen=True, slots=True)
class InferenceFigure:
    """One inference bounded by the inference pin (high while it runs)."""

    start_index: int
    stop_index: int
    energy_j: float
    duration_s: float
    mean_current_a: float
    peak_current_a: float


def inference_figures(
    edges: Sequence[MarkedEdge], line: int, sample_rate_hz: float, start: int, stop: int
) -> list[InferenceFigure]:
    """Each high period of ``line`` that starts and ends within ``[start, stop]``."""
    figures: list[InferenceFigure] = []
    opened: MarkedEdge | None = None
    for edge in edges:
        if edge.line != line or not start <= edge.sample_index <= stop:
            continue
        if edge.rising:
            opened = edge
        elif opened is not None:
            duration_s = (edge.sample_index - opened.sample_index) / sample_rate_hz
            charge = edge.charge_c - opened.charge_c
            figures.append(
                InferenceFigure(
                    opened.sample_index,
                    edge.sample_index,
                    edge.energy_j - opened.energy_j,
                    duration_s,
                    charge / duration_s if duration_s > 0 else float("nan"),
                    edge.peak_current_a,
                )
            )
            opened = None
    return figures
