"""The first-run tour: six short steps through a run, shown once, dismissable at any step.

Each step names the part of the window it is about and brings that dock to the front when
the main window has it (``window.docks``, by title), so the tour points at the real thing
instead of describing a picture. Closing the tour, skipping it or finishing it marks it as
seen in QSettings; Help → "Tour of a run" shows it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

SETTINGS_TOUR_SEEN = "first_run/tour_seen"


@dataclass(frozen=True, slots=True)
class TourStep:
    """One page of the tour; ``dock`` is the title of the dock it points at (if any)."""

    title: str
    text: str
    dock: str | None = None


TOUR_STEPS: tuple[TourStep, ...] = (
    TourStep(
        "Bench",
        "The Bench panel lists the DUT, the interface board and the energy monitor. With no "
        "hardware attached you are on the simulated bench: its devices speak the same bytes "
        "as the real ones, so everything here works as it will in the lab.",
        "Bench",
    ),
    TourStep(
        "Run",
        "Pick the mode (performance, accuracy or energy) and press Start. The run follows the "
        "MLPerf Tiny rules: warm-up, then five timed windows of at least ten seconds each.",
        "Run",
    ),
    TourStep(
        "Live trace",
        "While a run goes, the centre shows the current drawn by the DUT, with each "
        "inference's timestamp edge drawn on it. Drag to pan, use the wheel to zoom; the "
        "view keeps up at full sample rate.",
    ),
    TourStep(
        "Markers",
        "Place two markers to read the time, mean current and energy between them, or jump "
        "to the next spike. Markers are saved with the run.",
        "Markers",
    ),
    TourStep(
        "Results",
        "When a run ends, its median throughput, energy per inference or accuracy appears "
        "here, with every rule the run did not meet (a short run is not a valid result).",
        "Results",
    ),
    TourStep(
        "Export",
        "Every run is already saved as a crash-safe HDF5 file beside log.txt, results.txt "
        "and results.json. Open old runs from File, or export CSV and a submission folder "
        "with `tinybench export`.",
    ),
)


class TourDialog(QDialog):
    """A small non-modal dialog stepping through ``TOUR_STEPS`` beside the main window."""

    def __init__(self, window: QWidget, settings: QSettings | None = None) -> None:
        super().__init__(window)
        self.window_ = window
        self.settings = settings
        self.index = 0
        self.setWindowTitle("Tour of a run")
        self.setModal(False)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setMinimumHeight(90)
        self.counter = QLabel()
        self.skip_button = QPushButton("Skip tour")
        self.back_button = QPushButton("Back")
        self.next_button = QPushButton("Next")
        self.next_button.setDefault(True)
        self.skip_button.clicked.connect(self.close)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        buttons = QHBoxLayout()
        buttons.addWidget(self.counter)
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.body)
        layout.addLayout(buttons)
        self.resize(440, 200)
        self.finished.connect(self._remember)
        self._show_step()

    @property
    def step(self) -> TourStep:
        """The step shown now."""
        return TOUR_STEPS[self.index]

    def next(self) -> None:
        """Go to the next step; on the last one, finish the tour."""
        if self.index == len(TOUR_STEPS) - 1:
            self.accept()
            return
        self.index += 1
        self._show_step()

    def back(self) -> None:
        """Go to the previous step."""
        if self.index > 0:
            self.index -= 1
            self._show_step()

    def _show_step(self) -> None:
        step = self.step
        self.heading.setText(step.title)
        self.body.setText(step.text)
        self.counter.setText(f"{self.index + 1} of {len(TOUR_STEPS)}")
        self.back_button.setEnabled(self.index > 0)
        last = self.index == len(TOUR_STEPS) - 1
        self.next_button.setText("Done" if last else "Next")
        dock = dock_for(self.window_, step.dock)
        if dock is not None:
            dock.show()
            dock.raise_()

    def _remember(self, _result: int) -> None:
        if self.settings is not None:
            self.settings.setValue(SETTINGS_TOUR_SEEN, True)


def dock_for(window: QWidget, title: str | None) -> Any:
    """The main window's dock called ``title`` (``window.docks``), or None."""
    docks = getattr(window, "docks", None)
    if title is None or not isinstance(docks, dict):
        return None
    return docks.get(title)


def tour_seen(settings: QSettings) -> bool:
    """Whether the tour was shown and dismissed before."""
    value = settings.value(SETTINGS_TOUR_SEEN)
    return value is True or str(value).lower() in {"true", "1"}


def show_tour(window: QWidget, settings: QSettings | None = None) -> TourDialog:
    """Show the tour now (the Help menu's action)."""
    dialog = TourDialog(window, settings)
    dialog.show()
    return dialog


def maybe_show_tour(window: QWidget, settings: QSettings) -> TourDialog | None:
    """Show the tour if it has not been seen; returns the dialog, or None."""
    if tour_seen(settings):
        return None
    return show_tour(window, settings)


def start_first_run(
    window: Any, settings: QSettings | None = None, *, offer_models: bool = True
) -> None:
    """The one call the application makes after showing the main window.

    Adds Help → "Tour of a run" and "Reference models…", then, once the window has been
    drawn, shows the tour (first start only) and offers the model setup (models missing).
    """
    from tinybench_gui.gui.model_setup import check_then_offer

    settings = (
        settings or getattr(window, "settings", None) or QSettings("tinybench", "workstation")
    )
    window._first_run_dialogs = []  # keeps the non-modal dialogs alive

    def keep(dialog: QDialog | None) -> None:
        if dialog is None:
            return
        if getattr(getattr(window, "session", None), "startup_problem", None):
            # The simulated bench needs a reference model; it starts with the next start.
            dialog.after_ready_hint = "Restart tinybench to open the simulated bench with them."
        window._first_run_dialogs.append(dialog)

    help_menu = _help_menu(window)
    if help_menu is not None:
        help_menu.addSeparator()
        help_menu.addAction("Tour of a run", lambda: keep(show_tour(window, settings)))
        help_menu.addAction(
            "Reference models…", lambda: check_then_offer(window, settings, keep, force=True)
        )

    def after_first_frame() -> None:
        keep(maybe_show_tour(window, settings))
        if offer_models:  # False: the bench starter offers it (gui/bench_startup.py)
            check_then_offer(window, settings, keep)

    _after_first_paint(window, after_first_frame)


class _FirstPaint(QObject):
    """Calls ``callback`` once, after the first paint of anything in ``window``."""

    def __init__(self, window: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(window)
        self._window = window
        self._callback: Callable[[], None] | None = callback

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            self._callback is not None
            and event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and watched.window() is self._window
        ):
            callback, self._callback = self._callback, None
            QApplication.instance().removeEventFilter(self)
            QTimer.singleShot(0, callback)  # after the paint in progress has finished
        return False


def _after_first_paint(window: QWidget, callback: Callable[[], None]) -> None:
    # The dialogs and the model check must not delay the window's first frame.
    QApplication.instance().installEventFilter(_FirstPaint(window, callback))


def _help_menu(window: Any) -> Any:
    menu_bar = getattr(window, "menuBar", None)
    if menu_bar is None:
        return None
    bar = menu_bar()
    for action in bar.actions():
        if action.menu() is not None and action.text().replace("&", "") == "Help":
            return action.menu()
    return bar.addMenu("&Help")
