"""Entry point of ``tinybench-gui``."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Open the workstation window; returns the exit code."""
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    from tinybench_gui import __version__

    args = list(sys.argv if argv is None else ["tinybench-gui", *argv])
    app = QApplication.instance() or QApplication(args)
    window = QMainWindow()
    window.setWindowTitle(f"tinybench {__version__}")
    window.setCentralWidget(QLabel("tinybench workstation"))
    window.resize(1200, 800)
    window.show()
    if "--quit-after-show" in args:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, app.quit)
    return int(app.exec())


if __name__ == "__main__":
    raise SystemExit(main())
