"""Report the moment a program's first window has been drawn (for ``tinybench perf``).

The probe creates the ``QApplication`` before the program does (the program reuses it
through ``QApplication.instance()``) and watches every paint event. After the first
paint of a visible top-level window has finished, it prints ``MARKER`` on stdout and
closes the windows, so the program ends the way a user closing it would. The parent
process times the marker line; nothing here reads a clock.

It is active only when ``TINYBENCH_FIRST_FRAME_PROBE=1``; the bundle's launcher and
the perf figure set it, users never do.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

PROBE_ENV = "TINYBENCH_FIRST_FRAME_PROBE"
MARKER = "tinybench-first-frame"


class _FirstFrame(QObject):
    """Event filter: after the first paint of a shown top-level window, report and close."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._seen = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            not self._seen
            and event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and watched.window().isVisible()
        ):
            self._seen = True
            # The paint in progress ends before the zero timer fires: the frame is drawn.
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        sys.stdout.write(MARKER + "\n")
        sys.stdout.flush()
        for widget in self._app.topLevelWidgets():
            widget.close()
        self._app.quit()


def install(argv: list[str] | None = None) -> QApplication:
    """Create (or reuse) the application and watch it for its first drawn frame."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv[:1])
    probe = _FirstFrame(app)
    app.installEventFilter(probe)
    return app


def install_if_requested(argv: list[str] | None = None) -> None:
    """``install`` when ``TINYBENCH_FIRST_FRAME_PROBE=1``; otherwise nothing (no Qt work)."""
    if os.environ.get(PROBE_ENV) == "1":
        install(argv)
