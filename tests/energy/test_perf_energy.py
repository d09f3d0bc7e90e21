"""The energy perf figures run the same code briefly (no timing is asserted)."""

from __future__ import annotations

from tinybench_gui.perf.energy import ingest, ppk2_parse_rate
from tinybench_gui.perf.figures import FigureRow


def test_ingest_paths_run_and_count() -> None:
    rate, dropped, reader_lost = ingest(0.5, paced_rate_hz=None)
    assert rate > 0
    assert dropped == 0  # flat out waits for the consumer: nothing can be dropped
    assert reader_lost >= 0
    assert ppk2_parse_rate(0.2) > 0


def test_figure_rows_compare_against_their_targets() -> None:
    row = FigureRow("x", value=0.0005, unit="%", target=0.1, higher_is_better=False)
    assert row.met is True
    row = FigureRow("y", value=1e6, unit="S/s", baseline=2e6, target=1.0)
    assert row.ratio == 0.5
    assert row.met is False
