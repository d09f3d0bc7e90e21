"""Edges on the digital lines an energy monitor samples (the DUT's timestamp pin).

An edge at ``sample_index`` k means sample k is the first one at the new level.
The detector keeps the last level of each line between blocks, so an edge that
falls exactly on a block boundary is found once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tinybench_gui.streams.blocks import DigitalArray


@dataclass(frozen=True, slots=True)
class Edge:
    """A level change of digital line ``line`` (bit number) at ``sample_index``."""

    line: int
    sample_index: int
    rising: bool


class EdgeDetector:
    """Find edges on selected bits of a uint8 digital stream, block after block."""

    def __init__(self, lines: Sequence[int], *, idle_levels: Sequence[int] | None = None) -> None:
        self.lines = tuple(lines)
        levels = idle_levels if idle_levels is not None else [None] * len(self.lines)
        # None: take the first sample's level as the idle level (no edge at start).
        self._last: dict[int, int | None] = dict(zip(self.lines, levels, strict=True))

    def feed(self, first_sample_index: int, digital: DigitalArray) -> list[Edge]:
        """Edges within ``digital`` (sample ``first_sample_index`` onwards), in index order."""
        if digital.shape[0] == 0:
            return []
        found: list[Edge] = []
        for line in self.lines:
            bits = (digital >> np.uint8(line)) & np.uint8(1)
            previous = self._last[line]
            if previous is None:
                previous = int(bits[0])
            changes = np.flatnonzero(np.diff(bits, prepend=np.uint8(previous)))
            found.extend(Edge(line, first_sample_index + int(k), bool(bits[k])) for k in changes)
            self._last[line] = int(bits[-1])
        found.sort(key=lambda e: (e.sample_index, e.line))
        return found
