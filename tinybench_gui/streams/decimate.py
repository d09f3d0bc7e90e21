"""A min/mean/max summary of the current, a few bins per millisecond, kept for a whole run.

The ring buffer holds seconds at full rate; a window's plot (``energy_inf_NNN.png``)
and the 1 kHz "virtual" energy samples of results.json need the whole window, so
this consumer keeps one (min, mean, max, energy) row per bin of ``bin_samples``.
"""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt

from tinybench_gui.streams.blocks import SampleBlock


class TraceSummary:
    """Per-bin min, mean and max current and energy; bins aligned to the sample index."""

    def __init__(
        self, sample_rate_hz: float, *, bin_s: float = 1e-3, supply_voltage_v: float
    ) -> None:
        self.bin_samples = max(1, round(sample_rate_hz * bin_s))
        self.sample_rate_hz = sample_rate_hz
        self.supply_voltage_v = supply_voltage_v
        self._rows: list[npt.NDArray[np.float64]] = []  # (first_bin, min, mean, max, energy)
        self._carry_index: int | None = None
        self._carry: list[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]] = []
        self._lock = threading.Lock()

    def __call__(self, block: SampleBlock) -> None:
        """Consumer: add a block (the reader thread)."""
        if len(block) == 0:
            return
        current = block.current_a.astype(np.float64)
        if block.energy_j is not None:
            energy = block.energy_j.astype(np.float64)
        else:
            volts = (
                block.voltage_v.astype(np.float64)
                if block.voltage_v is not None
                else self.supply_voltage_v
            )
            energy = current * volts / block.sample_rate_hz
        start = block.first_sample_index
        if self._carry_index is not None and start != self._carry_index + sum(
            len(c[0]) for c in self._carry
        ):
            self._carry, self._carry_index = [], None  # a gap: drop the partial bin
        if self._carry_index is None:
            skip = (-start) % self.bin_samples
            current, energy, start = current[skip:], energy[skip:], start + skip
            self._carry_index = start
        else:
            pend_c = np.concatenate([c[0] for c in self._carry] + [current])
            pend_e = np.concatenate([c[1] for c in self._carry] + [energy])
            current, energy, start = pend_c, pend_e, self._carry_index
        whole = (len(current) // self.bin_samples) * self.bin_samples
        if whole:
            c = current[:whole].reshape(-1, self.bin_samples)
            e = energy[:whole].reshape(-1, self.bin_samples)
            bins = start // self.bin_samples + np.arange(c.shape[0])
            rows = np.column_stack(
                [bins, np.nanmin(c, 1), np.nanmean(c, 1), np.nanmax(c, 1), np.nansum(e, 1)]
            )
            with self._lock:
                self._rows.append(rows)
        self._carry = [(current[whole:], energy[whole:])]
        self._carry_index = start + whole

    def window(self, start_index: int, stop_index: int) -> npt.NDArray[np.float64]:
        """Rows (bin, min, mean, max, energy) whose bins lie in ``[start_index, stop_index)``."""
        with self._lock:
            if not self._rows:
                return np.empty((0, 5))
            if len(self._rows) > 1:
                self._rows = [np.concatenate(self._rows)]
            rows = self._rows[0]
        lo, hi = start_index // self.bin_samples, stop_index // self.bin_samples
        return rows[(rows[:, 0] >= lo) & (rows[:, 0] < hi)]
