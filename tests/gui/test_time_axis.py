"""The trace's own time axis: tick choice (against its rules) and what it paints."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QColor, QImage

from tinybench_gui.gui.views.time_axis import LABEL_GAP_PX, TimeAxis, ticks


def char_px(text: str) -> float:
    return 7.0 * len(text)


@settings(max_examples=300, deadline=None)
@example(lo=-8193.0, span=1e-6, width=1151.0)
@example(lo=4096.0, span=1e-6, width=575.0)
@given(
    lo=st.floats(-1e4, 1e5, allow_nan=False),
    span=st.floats(1e-6, 1e5),
    width=st.floats(100, 3000),
)
def test_ticks_are_1_2_5_steps_whose_labels_fit_and_name_their_value(
    lo: float, span: float, width: float
) -> None:
    hi = lo + span
    got = ticks(lo, hi, width, char_px)
    exponent = math.floor(math.log10(got.step) + 1e-9)
    mantissa = got.step / 10.0**exponent
    assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-6
    scale = width / span
    widest = max(char_px(label) for label in got.labels) if got.labels else 0.0
    assert got.step * scale >= widest + LABEL_GAP_PX - 1e-6
    # The next smaller step of the 1-2-5 series would crowd its labels, measured as wide
    # as one can get (a sign, the largest magnitude, that step's decimals).
    smaller = {1: 0.5, 2: 0.5, 5: 0.4}[round(mantissa)] * got.step
    decimals = max(0, -math.floor(math.log10(smaller) + 1e-9))
    widest_smaller = char_px(f"{-max(abs(lo), abs(hi)):.{decimals}f}")
    assert smaller * scale < widest_smaller + LABEL_GAP_PX + 1e-6  # float ties
    values = np.array([float(label) for label in got.labels])
    assert np.all(np.diff(values) > 0)
    # Multiples of the step, to what float64 can hold at that magnitude (a 1 us view
    # 2 h into a run: 8193 s in 1e-7 s steps).
    steps = values / got.step
    assert np.all(np.abs(steps - np.round(steps)) <= 1e-6 + np.abs(steps) * 1e-14)
    assert np.all((values >= lo - got.step * 1e-6) & (values <= hi + got.step * 1e-6))
    # Labels hold the tick's value to its float64 rounding (a few ulp at that magnitude).
    ulp = float(np.spacing(max(abs(lo), abs(hi))))
    assert np.allclose(got.major_px, (values - lo) * scale, rtol=0, atol=1e-6 + 8 * ulp * scale)
    assert not any(label.startswith("-0") and float(label) == 0 for label in got.labels)
    assert all(0 - 1e-6 <= x <= width + 1e-6 for x in got.minor_px)


def test_a_second_over_1300_px_is_labelled_every_50_ms() -> None:
    got = ticks(4.07, 5.07, 1300.0, char_px)
    assert got.step == pytest.approx(0.05)
    assert got.labels[:3] == ["4.10", "4.15", "4.20"]
    for a, b in zip(got.major_px, got.major_px[1:], strict=False):
        assert sum(a < x < b for x in got.minor_px) == 4  # fifths


def test_nothing_for_an_empty_range() -> None:
    assert ticks(1.0, 1.0, 500.0, char_px).labels == []
    assert ticks(0.0, 1.0, 0.0, char_px).labels == []


def test_the_axis_paints_a_label_under_each_major_tick(qtbot: Any) -> None:
    widget = pg.PlotWidget(axisItems={"bottom": TimeAxis()})
    widget.setBackground("w")
    qtbot.addWidget(widget)
    widget.resize(800, 200)
    widget.show()
    widget.setXRange(10.0, 12.0, padding=0)
    qtbot.wait(50)
    image: QImage = widget.grab().toImage()
    axis: TimeAxis = widget.getPlotItem().getAxis("bottom")
    box = axis.mapRectToScene(axis.boundingRect())
    got = ticks(10.0, 12.0, axis.mapRectFromParent(axis.geometry()).width(), char_px)
    assert len(got.labels) >= 4
    origin = axis.mapToScene(axis.mapRectFromParent(axis.geometry()).topLeft())
    white = QColor("white").rgb()
    y0, y1 = int(box.top()) + 4, int(box.bottom()) - 2
    for x in got.major_px[1:-1]:
        column = int(origin.x() + x)
        inked = sum(
            image.pixel(column + dx, y) != white for dx in range(-6, 7) for y in range(y0, y1)
        )
        assert inked > 10, f"no label under the tick at {x:.0f} px"
