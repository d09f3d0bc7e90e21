"""SampleRing: a numpy ring buffer of samples, one writer, many readers by cursor.

The writer (an energy monitor's reader thread) never waits for a reader. Each
reader keeps its own cursor (an absolute sample index) and copies what it needs;
if it fell more than ``capacity`` samples behind, the samples it missed are
reported as ``lost`` instead of being handed out half-overwritten. This is a
sequence-lock: the writer publishes the range it is about to overwrite before
touching the arrays and publishes the new end after, and a reader validates its
copy against both.

Samples an instrument dropped are stored as NaN current (and the previous
digital level), so the ring index stays the sample index: time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinybench_gui.streams.blocks import DigitalArray, FloatArray, SampleBlock


@dataclass(frozen=True, slots=True)
class RingView:
    """A copy of consecutive samples read from a ring."""

    first_sample_index: int
    current_a: FloatArray
    voltage_v: FloatArray | None
    digital: DigitalArray

    def __len__(self) -> int:
        return int(self.current_a.shape[0])


@dataclass(frozen=True, slots=True)
class RingRead:
    """The result of ``read_since``: the samples, the next cursor, how many were lost."""

    view: RingView
    cursor: int
    lost: int


class SampleRing:
    """Fixed-capacity ring of current, optional voltage and digital samples.

    Parameters
    ----------
    capacity:
        Number of samples held (the oldest are overwritten).
    with_voltage:
        Keep a voltage channel (instruments that measure the rail).
    """

    def __init__(self, capacity: int, *, with_voltage: bool = False) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1 sample")
        self.capacity = capacity
        self._current = np.full(capacity, np.nan, dtype=np.float32)
        self._voltage = np.full(capacity, np.nan, dtype=np.float32) if with_voltage else None
        self._digital = np.zeros(capacity, dtype=np.uint8)
        self._start_index: int | None = None
        # Published by the writer; plain int attributes are read atomically.
        self._end_index = 0
        self._claimed_index = 0
        self._last_digital = 0
        self.sample_rate_hz = 0.0

    # -- writer --------------------------------------------------------------------------
    @property
    def start_index(self) -> int:
        """Index of the first sample ever written (0 before the first block)."""
        return 0 if self._start_index is None else self._start_index

    @property
    def end_index(self) -> int:
        """Index one past the newest sample."""
        return self._end_index

    def append(self, block: SampleBlock) -> None:
        """Write a block (writer thread only). A gap before it is stored as NaN."""
        if self._start_index is None:
            self._start_index = block.first_sample_index
            self._end_index = self._claimed_index = block.first_sample_index
        self.sample_rate_hz = block.sample_rate_hz
        gap = block.first_sample_index - self._end_index
        if gap < 0:
            raise ValueError(
                f"block starts at sample {block.first_sample_index}, before the ring's end "
                f"{self._end_index}: blocks must arrive in order"
            )
        n = len(block) + gap
        current = block.current_a
        digital = block.digital
        voltage = block.voltage_v
        if gap:
            current = np.concatenate([np.full(gap, np.nan, np.float32), current])
            fill = np.full(gap, self._last_digital, np.uint8)
            digital = np.concatenate([fill, digital]) if digital is not None else None
            if voltage is not None:
                voltage = np.concatenate([np.full(gap, np.nan, np.float32), voltage])
        if digital is None:
            digital = np.full(n, self._last_digital, np.uint8)
        if n > self.capacity:
            current, digital = current[-self.capacity :], digital[-self.capacity :]
            voltage = voltage[-self.capacity :] if voltage is not None else None
        first = self._end_index + n - len(current)
        self._claimed_index = self._end_index + n
        self._put(first, current, self._current)
        self._put(first, digital, self._digital)
        if self._voltage is not None:
            self._put(
                first,
                voltage if voltage is not None else np.full(len(current), np.nan, np.float32),
                self._voltage,
            )
        if len(digital):
            self._last_digital = int(digital[-1])
        self._end_index = self._claimed_index

    def _put(self, first: int, values: np.ndarray, target: np.ndarray) -> None:
        pos = first % self.capacity
        head = min(len(values), self.capacity - pos)
        target[pos : pos + head] = values[:head]
        if head < len(values):
            target[: len(values) - head] = values[head:]

    # -- readers ---------------------------------------------------------------------------
    def _take(self, source: np.ndarray, start: int, stop: int) -> np.ndarray:
        pos = start % self.capacity
        n = stop - start
        head = min(n, self.capacity - pos)
        if head == n:
            return source[pos : pos + n].copy()
        return np.concatenate([source[pos:], source[: n - head]])

    def read(self, start: int, stop: int) -> RingRead:
        """Copy samples ``[start, stop)``; samples already overwritten are counted as lost.

        The returned cursor is where the next read should start: it is past the
        lost samples even when the writer overran beyond ``stop``.
        """
        stop = min(stop, self._end_index)
        first_valid = max(self.start_index, self._claimed_index - self.capacity)
        lost = max(0, first_valid - start)
        start += lost
        if stop <= start:
            return RingRead(self._empty(start), max(start, stop), lost)
        current = self._take(self._current, start, stop)
        digital = self._take(self._digital, start, stop)
        voltage = self._take(self._voltage, start, stop) if self._voltage is not None else None
        # The writer may have overwritten the start of our copy while we copied.
        overrun = self._claimed_index - self.capacity - start
        if overrun > 0:
            lost += overrun
            start += overrun
            if start >= stop:
                return RingRead(self._empty(start), start, lost)
            current, digital = current[overrun:], digital[overrun:]
            voltage = voltage[overrun:] if voltage is not None else None
        return RingRead(RingView(start, current, voltage, digital), stop, lost)

    @staticmethod
    def _empty(index: int) -> RingView:
        return RingView(index, np.empty(0, np.float32), None, np.empty(0, np.uint8))

    def read_since(self, cursor: int, max_samples: int | None = None) -> RingRead:
        """Everything from ``cursor`` to the newest sample (at most ``max_samples``)."""
        stop = self._end_index
        if max_samples is not None:
            stop = min(stop, max(cursor, self.start_index) + max_samples)
        return self.read(cursor, stop)

    def latest(self, n: int) -> RingView:
        """The newest ``n`` samples (fewer if the ring holds fewer)."""
        end = self._end_index
        return self.read(max(self.start_index, end - n), end).view
