"""The live trace on a ring filled by a reader-like thread; keyboard, follow and markers."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tinybench_gui.gui.sources import LiveSource
from tinybench_gui.gui.timeline import Timeline
from tinybench_gui.gui.views.trace_view import TraceView
from tinybench_gui.runner.state import RunState


@pytest.fixture
def live(qtbot: Any, fed: Any) -> tuple[TraceView, LiveSource, Any, Any]:
    world, acq, _feed = fed
    t = world.clock()
    for k in range(40):
        world.inference(t + 0.3 + k * 0.02, t + 0.31 + k * 0.02)
    timeline = Timeline()
    timeline.clear(time.time())
    timeline.phase(time.time(), RunState.MEASURING)
    source = LiveSource(timeline, acq)
    source.running = True
    view = TraceView(source)
    view.resize(1000, 600)
    qtbot.addWidget(view)
    view.show()
    view.span_s = 1.0
    qtbot.waitUntil(lambda: acq.ring.end_index > 120_000, timeout=10_000)
    return view, source, acq, world


def test_frames_draw_two_points_per_column_with_peaks(qtbot: Any, live: Any) -> None:
    view, _source, _acq, _world = live
    qtbot.waitUntil(lambda: view.frames > 5, timeout=5000)
    view.draw_frame()
    x, y = view.envelope.getData()
    n_px = int(view.current.vb.width())
    assert 0 < x.shape[0] <= 2 * (n_px + 2)
    _mx, my = view.mean.getData()
    lo, hi = y[0::2], y[1::2]
    ok = np.isfinite(my)
    assert np.all(lo[ok] <= my[ok] + 1e-9)
    assert np.all(my[ok] <= hi[ok] + 1e-9)
    assert np.nanmax(y) > 0.007  # the inference layers' peaks are there
    _lane_x, lane_y = view.lanes[1].getData()  # the inference pin toggles
    assert set(np.unique(lane_y)) >= {1.0, 1.7}


def test_follow_keeps_the_newest_samples_and_pause_holds(qtbot: Any, live: Any) -> None:
    view, source, _acq, _world = live
    view.draw_frame()
    _, end = source.extent()
    t0, t1 = view.view_range()
    assert t1 == pytest.approx(end, abs=0.1)
    assert t1 - t0 == pytest.approx(1.0, rel=0.05)
    qtbot.keyClick(view, Qt.Key.Key_F)  # pause
    held = view.view_range()
    qtbot.wait(300)
    assert view.view_range() == held
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    a, b = view.view_range()
    assert b - a == pytest.approx((held[1] - held[0]) / 2, rel=1e-3)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.view_range()[0] > a
    qtbot.keyClick(view, Qt.Key.Key_F)
    assert view.follow


def test_dual_marker_stats_match_numpy(qtbot: Any, live: Any, bridge: Any) -> None:
    from tinybench_gui.gui.panels.markers_panel import MarkersPanel

    view, source, acq, _world = live
    view.draw_frame()
    panel = MarkersPanel(bridge)
    qtbot.addWidget(panel)
    panel.set_view(view)
    t_end = source.extent()[1]
    panel.place_dual(t_end - 0.8, t_end - 0.3)
    qtbot.waitUntil(lambda: panel.last is not None, timeout=5000)
    s = panel.last
    fs = acq.ring.sample_rate_hz
    offset = source._offset_s
    i0 = int(np.floor((t_end - 0.8 - offset) * fs))
    i1 = int(np.ceil((t_end - 0.3 - offset) * fs))
    x = acq.ring.read(i0, i1).view.current_a.astype(np.float64)
    assert s.samples == x.shape[0]
    assert s.mean_a == pytest.approx(x.mean(), rel=1e-9)
    assert s.max_a == pytest.approx(x.max())
    assert s.min_a == pytest.approx(x.min())
    assert s.std_a == pytest.approx(x.std(), rel=1e-6)
    assert s.charge_c == pytest.approx(x.sum() / fs, rel=1e-9)
    assert s.min_a <= s.mean_a <= s.max_a
    assert "all samples" in panel.scope.text()
    panel.close_worker()


def test_jump_to_next_inference_places_markers_on_it(qtbot: Any, live: Any, bridge: Any) -> None:
    from tinybench_gui.gui.panels.markers_panel import MarkersPanel

    view, source, _acq, world = live
    qtbot.waitUntil(lambda: len(source.marks().inferences) >= 10, timeout=5000)
    panel = MarkersPanel(bridge)
    qtbot.addWidget(panel)
    panel.set_view(view)
    # Not the first: under load the feed may sample before all inferences were scheduled.
    first = source.marks().inferences[3]
    view.show_range(first[0] - 0.012, first[0] - 0.005)
    panel.jump("inference", +1)
    assert view.marker_span() == pytest.approx((first[0], first[1]))
    assert not view.follow
    # The pin is high for the inference minus the firmware's gap, to the sample (100 kS/s).
    assert first[1] - first[0] == pytest.approx(0.01 - world.inference_pin_gap_s, abs=2e-5)
    panel.close_worker()


def test_timed_windows_are_shaded_across_the_current_plot(qtbot: Any, live: Any) -> None:
    view, source, _acq, _world = live
    view.draw_frame()
    assert not view.window_bars.isVisible()  # still measuring: no window closed yet
    source.timeline.phase(time.time(), RunState.SCORING)
    (t0, t1, index) = source.timeline.windows[0]
    view.draw_frame()
    assert index == 1
    assert view.window_bars.isVisible()
    opts = view.window_bars.opts
    assert list(opts["x0"]) == [t0]
    assert list(opts["x1"]) == [t1]
    _, (y0, y1) = view.current.viewRange()
    assert list(opts["y0"]) == [y0]
    assert list(opts["y1"]) == [y1]
    view.show_range(t1 + 10.0, t1 + 11.0)  # a span after the window
    view.draw_frame()
    assert not view.window_bars.isVisible()


def test_markers_join_the_plot_only_while_shown(qtbot: Any, live: Any) -> None:
    view, _source, _acq, _world = live
    items = (view.marker_a, view.marker_b, view.marker_region)
    assert view.markers_shown() == 0
    assert all(i.scene() is None for i in items)
    view.set_markers(0.2)
    assert view.markers_shown() == 1
    assert view.marker_span() is None
    assert view.marker_a.scene() is not None
    assert view.marker_b.scene() is None
    view.set_markers(0.2, 0.5)
    assert view.markers_shown() == 2
    assert view.marker_span() == pytest.approx((0.2, 0.5))
    assert view.marker_region.getRegion() == pytest.approx((0.2, 0.5))
    view.hide_markers()
    assert view.markers_shown() == 0
    assert all(i.scene() is None for i in items)


def test_single_marker_and_jumps_to_windows_and_outliers(
    qtbot: Any, live: Any, bridge: Any
) -> None:
    from tinybench_gui.gui.panels.markers_panel import MarkersPanel

    view, source, _acq, world = live
    # Twelve more inferences ahead of the feed; the sixth draws a 40 mA spike, so its
    # energy is an outlier.
    t = world.clock() + 0.2
    starts = [t + k * 0.02 for k in range(12)]
    for a in starts:
        world.inference(a, a + 0.01)
    world.inject_spikes([starts[5] + 0.002], 0.004, 0.04)
    qtbot.waitUntil(lambda: len(source.marks().inferences) >= 40 + 12, timeout=10_000)
    source.timeline.phase(time.time(), RunState.SCORING)  # closes the measuring window
    panel = MarkersPanel(bridge)
    qtbot.addWidget(panel)
    panel.set_view(view)
    view.draw_frame()
    panel.place_single()
    t0, t1 = view.view_range()
    assert view.markers_shown() == 1
    assert view.marker_a.value() == pytest.approx((t0 + t1) / 2)

    view.show_range(-10.0, -9.0)  # before everything
    panel.jump("window", +1)
    (w0, w1, _) = source.timeline.windows[0]
    assert view.marker_span() == pytest.approx((w0, w1))

    outliers = panel.targets("outlier")
    energies = [e for _, _, e in source.marks().inferences]
    assert len(outliers) == 1
    view.show_range(-10.0, -9.0)
    panel.jump("outlier", +1)
    a, b = view.marker_span()
    assert (a, b) == pytest.approx(outliers[0])
    top = max(source.marks().inferences, key=lambda x: x[2])
    assert (a, b) == pytest.approx(top[:2])
    assert top[2] > 2 * float(np.median(energies))
    panel.close_worker()
