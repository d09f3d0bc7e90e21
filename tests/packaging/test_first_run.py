"""The first-run tour: steps, docks brought forward, remembered once dismissed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow

from tinybench_gui.gui.first_run import (
    SETTINGS_TOUR_SEEN,
    TOUR_STEPS,
    maybe_show_tour,
    start_first_run,
    tour_seen,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "mlperf_tiny"


class _Window(QMainWindow):
    """The parts of the main window the tour uses: docks by title and a menu bar."""

    def __init__(self) -> None:
        super().__init__()
        self.setCentralWidget(QLabel("live trace"))
        self.docks: dict[str, QDockWidget] = {}
        for title in ("Bench", "Run", "Markers", "Results"):
            dock = QDockWidget(title, self)
            dock.setWidget(QLabel(title))
            self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
            self.docks[title] = dock
        self.menuBar().addMenu("&Help")


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot) -> _Window:
    w = _Window()
    qtbot.addWidget(w)
    w.show()
    return w


def test_the_tour_covers_a_run_in_order() -> None:
    titles = [step.title for step in TOUR_STEPS]
    assert titles == ["Bench", "Run", "Live trace", "Markers", "Results", "Export"]


def test_walking_through_shows_each_step_and_its_dock(qtbot, window, settings) -> None:
    for dock in window.docks.values():
        dock.hide()
    tour = maybe_show_tour(window, settings)
    assert tour is not None
    qtbot.addWidget(tour)
    assert tour.isVisible()
    assert not tour.back_button.isEnabled()
    seen = []
    for index, step in enumerate(TOUR_STEPS):
        assert tour.heading.text() == step.title
        assert tour.counter.text() == f"{index + 1} of {len(TOUR_STEPS)}"
        if step.dock is not None:
            assert window.docks[step.dock].isVisible()
        seen.append(step.title)
        qtbot.mouseClick(tour.next_button, Qt.MouseButton.LeftButton)
    assert len(seen) == len(TOUR_STEPS)
    assert not tour.isVisible()
    assert tour_seen(settings)
    assert maybe_show_tour(window, settings) is None  # shown once


def test_back_returns_to_the_previous_step(qtbot, window, settings) -> None:
    tour = maybe_show_tour(window, settings)
    qtbot.addWidget(tour)
    qtbot.mouseClick(tour.next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tour.next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tour.back_button, Qt.MouseButton.LeftButton)
    assert tour.heading.text() == TOUR_STEPS[1].title


def test_skipping_dismisses_for_good(qtbot, window, settings) -> None:
    tour = maybe_show_tour(window, settings)
    qtbot.addWidget(tour)
    assert not tour_seen(settings)
    qtbot.mouseClick(tour.skip_button, Qt.MouseButton.LeftButton)
    assert not tour.isVisible()
    assert settings.value(SETTINGS_TOUR_SEEN) in (True, "true")
    assert maybe_show_tour(window, settings) is None


def test_start_first_run_waits_for_the_first_frame_then_shows_the_tour(
    qtbot, window, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TINYBENCH_MODEL_PATH", str(SHARED))  # models present: no model dialog
    start_first_run(window, settings)
    assert window._first_run_dialogs == []  # nothing before the window has been drawn
    window.update()
    qtbot.waitUntil(lambda: bool(window._first_run_dialogs), timeout=5000)
    (tour,) = window._first_run_dialogs
    assert tour.windowTitle() == "Tour of a run"
    tour.close()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    texts = [a.text() for a in help_menu.actions()]
    assert "Tour of a run" in texts
    assert "Reference models…" in texts
    # The menu brings the tour back after it was dismissed.
    next(a for a in help_menu.actions() if a.text() == "Tour of a run").trigger()
    assert window._first_run_dialogs[-1].isVisible()
    window._first_run_dialogs[-1].close()


def test_with_no_models_the_setup_is_offered_after_the_tour(
    qtbot, window, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tinybench_gui.gui.model_setup import ModelSetupDialog
    from tinybench_gui.models.known import KNOWN_MODELS

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TINYBENCH_MODEL_PATH", "")
    start_first_run(window, settings)
    window.update()
    qtbot.waitUntil(lambda: len(window._first_run_dialogs) == 2, timeout=10_000)
    tour, setup = window._first_run_dialogs
    assert tour.windowTitle() == "Tour of a run"
    assert isinstance(setup, ModelSetupDialog)
    assert setup.isVisible()
    assert {ref.key for ref in setup.missing} == set(KNOWN_MODELS)
    for dialog in (tour, setup):
        dialog.close()
