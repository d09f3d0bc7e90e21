"""Multi-resolution summaries of a channel, computed as the samples arrive.

Level 1 summarises ``PYRAMID_FIRST_FACTOR`` samples per entry, each further level
``PYRAMID_FACTOR`` entries of the level below (anchors.md §11: ×128 then ×16).
Analog entries are (min, max, mean, std); digital entries are the bitwise AND and
OR of the samples (bit n of AND is 1 when line n stayed high, of OR when it was
ever high). Only complete entries are written: the samples after the last complete
entry are read from the level below, so a crashed file browses the same way.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tinybench_gui.storage.layout import PYRAMID_FACTOR, PYRAMID_FIRST_FACTOR, PYRAMID_LEVELS

F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]


@dataclass(slots=True)
class AnalogEntries:
    """Summary entries kept in float64 while building (stored as float32)."""

    min: F64
    max: F64
    mean: F64
    ex2: F64  # mean of squares: combines exactly across levels

    @classmethod
    def empty(cls) -> AnalogEntries:
        z = np.zeros(0, np.float64)
        return cls(z, z.copy(), z.copy(), z.copy())

    def __len__(self) -> int:
        return int(self.min.shape[0])

    def concat(self, other: AnalogEntries) -> AnalogEntries:
        return AnalogEntries(
            np.concatenate([self.min, other.min]),
            np.concatenate([self.max, other.max]),
            np.concatenate([self.mean, other.mean]),
            np.concatenate([self.ex2, other.ex2]),
        )

    def split(self, n: int) -> tuple[AnalogEntries, AnalogEntries]:
        head = AnalogEntries(self.min[:n], self.max[:n], self.mean[:n], self.ex2[:n])
        tail = AnalogEntries(self.min[n:], self.max[n:], self.mean[n:], self.ex2[n:])
        return head, tail

    def stored(self) -> npt.NDArray[np.float32]:
        """Rows of (min, max, mean, std) as stored in the file."""
        var = np.maximum(self.ex2 - self.mean * self.mean, 0.0)
        return np.stack([self.min, self.max, self.mean, np.sqrt(var)], axis=1).astype(np.float32)


def summarise_samples(x: npt.NDArray[np.generic], factor: int) -> AnalogEntries:
    """Entries of ``factor`` samples each; ``len(x)`` must be a multiple of ``factor``."""
    v = x.reshape(-1, factor).astype(np.float64, copy=False)
    if np.isnan(v).any():
        # Gaps are stored as NaN; an all-NaN entry stays NaN and shows as a gap.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return AnalogEntries(
                np.nanmin(v, axis=1),
                np.nanmax(v, axis=1),
                np.nanmean(v, axis=1),
                np.nanmean(v * v, axis=1),
            )
    return AnalogEntries(v.min(axis=1), v.max(axis=1), v.mean(axis=1), (v * v).mean(axis=1))


def summarise_entries(e: AnalogEntries, factor: int) -> AnalogEntries:
    """Combine ``factor`` equal-count entries into one; ``len(e)`` a multiple of ``factor``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return AnalogEntries(
            np.nanmin(e.min.reshape(-1, factor), axis=1),
            np.nanmax(e.max.reshape(-1, factor), axis=1),
            np.nanmean(e.mean.reshape(-1, factor), axis=1),
            np.nanmean(e.ex2.reshape(-1, factor), axis=1),
        )


class AnalogPyramidBuilder:
    """Turns a stream of analog samples into complete entries for every level."""

    def __init__(self, levels: int = PYRAMID_LEVELS) -> None:
        self._levels = levels
        self._raw_tail: npt.NDArray[np.float64] = np.zeros(0, np.float64)
        self._tails = [AnalogEntries.empty() for _ in range(levels)]

    def add(self, x: npt.NDArray[np.generic]) -> list[npt.NDArray[np.float32]]:
        """Feed samples; returns the new stored rows per level (index 0 = level 1)."""
        buf = np.concatenate([self._raw_tail, x.astype(np.float64, copy=False)])
        n = (buf.shape[0] // PYRAMID_FIRST_FACTOR) * PYRAMID_FIRST_FACTOR
        self._raw_tail = buf[n:].copy()
        new = summarise_samples(buf[:n], PYRAMID_FIRST_FACTOR)
        out: list[npt.NDArray[np.float32]] = []
        for level in range(self._levels):
            out.append(new.stored())
            if level + 1 == self._levels:
                break
            pending = self._tails[level].concat(new)
            k = (len(pending) // PYRAMID_FACTOR) * PYRAMID_FACTOR
            head, self._tails[level] = pending.split(k)
            new = summarise_entries(head, PYRAMID_FACTOR)
        return out


class DigitalPyramidBuilder:
    """Bitwise AND/OR entries of a uint8 bitfield channel for every level."""

    def __init__(self, levels: int = PYRAMID_LEVELS) -> None:
        self._levels = levels
        self._raw_tail: U8 = np.zeros(0, np.uint8)
        self._tails: list[U8] = [np.zeros((0, 2), np.uint8) for _ in range(levels)]

    def add(self, x: npt.NDArray[np.generic]) -> list[U8]:
        """Feed samples; returns the new (and, or) rows per level."""
        buf = np.concatenate([self._raw_tail, x.astype(np.uint8, copy=False)])
        n = (buf.shape[0] // PYRAMID_FIRST_FACTOR) * PYRAMID_FIRST_FACTOR
        self._raw_tail = buf[n:].copy()
        v = buf[:n].reshape(-1, PYRAMID_FIRST_FACTOR)
        new = np.stack(
            [np.bitwise_and.reduce(v, axis=1), np.bitwise_or.reduce(v, axis=1)], axis=1
        ).astype(np.uint8)
        out: list[U8] = []
        for level in range(self._levels):
            out.append(new)
            if level + 1 == self._levels:
                break
            pending = np.concatenate([self._tails[level], new])
            k = (pending.shape[0] // PYRAMID_FACTOR) * PYRAMID_FACTOR
            head, self._tails[level] = pending[:k], pending[k:]
            g = head.reshape(-1, PYRAMID_FACTOR, 2)
            all_high = np.bitwise_and.reduce(g[:, :, 0], axis=1)
            any_high = np.bitwise_or.reduce(g[:, :, 1], axis=1)
            new = np.stack([all_high, any_high], axis=1).astype(np.uint8)
        return out
