"""The unit every energy monitor delivers: a block of consecutive samples.

The sample index is the run's time base (host arrival time is never used as
time): ``first_sample_index`` counts samples since the monitor's ``start`` at
``sample_rate_hz``, so sample ``k`` starts at ``k / sample_rate_hz`` seconds.
Samples an instrument lost leave a gap in the index; the block after a gap says
how many were lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
DigitalArray = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class MonitorEvent:
    """Something the instrument reported at a sample index (not a sample).

    ``kind`` is ``"timestamp"`` for a timestamp-pin event the instrument itself
    detected (LPM01A ``event N ris``), ``"info"``, ``"error"`` or ``"metadata"``.
    """

    sample_index: int
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class SampleBlock:
    """Consecutive samples from one energy monitor.

    Attributes
    ----------
    first_sample_index:
        Index of ``current_a[0]`` in the monitor's sample count since ``start``.
    sample_rate_hz:
        Samples per second.
    current_a:
        Current in A, float32. For an instrument that reports energy per sample
        (LPM01A ``output energy``) this is derived from ``energy_j`` and the
        supply set-point.
    voltage_v:
        Measured rail voltage in V (float32), or ``None`` when the instrument
        only has a set-point (see ``EnergyMonitor.capabilities``).
    digital:
        Logic inputs as a uint8 bitmap per sample (bit n = input n), or ``None``.
    energy_j:
        Energy per sample period in J as the instrument integrated it, or ``None``.
    events:
        Instrument events inside or just before this block.
    dropped_before:
        Samples lost between the previous block and this one.
    """

    first_sample_index: int
    sample_rate_hz: float
    current_a: FloatArray
    voltage_v: FloatArray | None = None
    digital: DigitalArray | None = None
    energy_j: npt.NDArray[np.float64] | None = None
    events: tuple[MonitorEvent, ...] = field(default=())
    dropped_before: int = 0

    def __len__(self) -> int:
        return int(self.current_a.shape[0])

    @property
    def end_sample_index(self) -> int:
        """Index one past the last sample."""
        return self.first_sample_index + len(self)
