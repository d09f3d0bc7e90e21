"""The GUI perf figures run their real code briefly (no speed is asserted here)."""

from __future__ import annotations

import math
from typing import Any

from tinybench_gui.gui.perf_figures import measure_live, review_figures


def test_live_figure_streams_writes_and_compares_with_stock_pyqtgraph(qapp: Any) -> None:
    fps, busy, per_frame, in_events = measure_live(1.0)
    assert fps.value > 0
    assert fps.baseline is not None
    assert fps.baseline > 0
    assert "0 dropped" in fps.note
    assert "file complete" in fps.note
    assert 0 < busy.value <= 1
    assert busy.baseline is not None
    assert busy.absolute_target
    assert per_frame.value == busy.value / fps.value * 1e3
    assert 0 < in_events.value <= 1


def test_review_figure_opens_an_hour_and_zooms(qapp: Any) -> None:
    first, zoom = review_figures(quick=True)
    assert math.isfinite(first.value)
    assert first.value > 0
    assert math.isfinite(zoom.value)
    assert zoom.value > 0
