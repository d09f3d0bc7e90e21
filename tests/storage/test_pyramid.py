"""The pyramid built block by block equals the summaries computed from all samples."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tinybench_gui.storage import layout
from tinybench_gui.storage.pyramid import AnalogPyramidBuilder, DigitalPyramidBuilder

N = layout.samples_per_entry(3) * 3 + 1000  # three level-3 entries and a partial tail


def _feed(builder: AnalogPyramidBuilder | DigitalPyramidBuilder, x: np.ndarray, cuts: list[int]):
    levels: list[list[np.ndarray]] = [[] for _ in range(layout.PYRAMID_LEVELS)]
    bounds = [0, *sorted(cuts), x.shape[0]]
    for a, b in itertools.pairwise(bounds):
        for k, rows in enumerate(builder.add(x[a:b])):
            levels[k].append(rows)
    return [np.concatenate(rows) for rows in levels]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, N), max_size=12), st.integers(0, 2**31 - 1))
def test_analog_levels_do_not_depend_on_block_boundaries(cuts: list[int], seed: int) -> None:
    x = np.random.default_rng(seed).normal(1e-3, 1e-4, N).astype(np.float32)
    levels = _feed(AnalogPyramidBuilder(), x, cuts)
    for k in (1, 2, 3):
        spe = layout.samples_per_entry(k)
        v = x[: (N // spe) * spe].astype(np.float64).reshape(-1, spe)
        rows = levels[k - 1]
        assert rows.shape == (N // spe, 4)
        np.testing.assert_array_equal(rows[:, 0], v.min(axis=1).astype(np.float32))
        np.testing.assert_array_equal(rows[:, 1], v.max(axis=1).astype(np.float32))
        np.testing.assert_allclose(rows[:, 2], v.mean(axis=1), rtol=1e-6)
        np.testing.assert_allclose(rows[:, 3], v.std(axis=1), rtol=1e-3)
    assert levels[3].shape == (0, 4)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, N), max_size=12), st.integers(0, 2**31 - 1))
def test_digital_levels_are_and_or_of_the_samples(cuts: list[int], seed: int) -> None:
    x = np.random.default_rng(seed).integers(0, 4, N).astype(np.uint8)
    x[: layout.samples_per_entry(2)] = 1  # line 0 stays high for a whole level-2 entry
    levels = _feed(DigitalPyramidBuilder(), x, cuts)
    for k in (1, 2, 3):
        spe = layout.samples_per_entry(k)
        v = x[: (N // spe) * spe].reshape(-1, spe)
        np.testing.assert_array_equal(levels[k - 1][:, 0], np.bitwise_and.reduce(v, axis=1))
        np.testing.assert_array_equal(levels[k - 1][:, 1], np.bitwise_or.reduce(v, axis=1))
    assert levels[1][0, 0] == 1
