"""Soak: more than 20,000 live-view frames while samples stream, without a crash or growth.

PySide6 6.12.0 on CPython 3.11 aborted within 2,000 ``setData`` calls (platform.md
§2a); short smoke tests never make enough calls to see it. This one does, and
watches the process's resident memory between the first and the last frames.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import pytest

from tinybench_gui.gui.sources import LiveSource
from tinybench_gui.gui.timeline import Timeline
from tinybench_gui.gui.views.trace_view import TraceView
from tinybench_gui.runner.state import RunState

FRAMES = 20_500


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_twenty_thousand_live_frames(qtbot: Any, fed: Any) -> None:
    world, acq, _feed = fed
    timeline = Timeline()
    timeline.clear(time.time())
    timeline.phase(time.time(), RunState.MEASURING)
    source = LiveSource(timeline, acq)
    source.running = True
    view = TraceView(source)
    view.timer.stop()  # frames are driven here, as fast as they draw
    view.resize(600, 300)
    qtbot.addWidget(view)
    view.show()
    view.span_s = 0.2
    qtbot.waitUntil(lambda: acq.ring.end_index > 30_000, timeout=10_000)
    rss_at: dict[int, int] = {}
    t0 = world.clock()
    for k in range(0, 400):
        world.inference(t0 + 0.1 + k * 0.05, t0 + 0.12 + k * 0.05)
    for i in range(FRAMES):
        view.draw_frame()
        if i % 50 == 0:
            timeline.annotate(time.time(), "dut", "rx", f"m-ready {i}")
            qtbot.wait(0)  # let Qt paint and deliver events
        if i in (2_000, FRAMES - 1):
            rss_at[i] = _rss_bytes()
    assert view.frames >= FRAMES
    x, _y = view.envelope.getData()
    assert x is not None
    assert len(x) > 0
    growth = rss_at[FRAMES - 1] - rss_at[2_000]
    assert growth < 40 * 1024**2, f"resident memory grew by {growth / 1e6:.1f} MB"
