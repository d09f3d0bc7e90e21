"""The cold-start probe and the bundle-size helpers behind ``tinybench perf startup``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.packaging.helpers import REPO
from tinybench_gui.perf.figures import FIGURE_MODULES
from tinybench_gui.perf.startup import (
    BUNDLE_ENV,
    FIGURES,
    PROBE_ENV,
    StartupProbeError,
    find_bundle,
    folder_size_bytes,
    time_to_first_frame_s,
)

_BARE = (
    "from tinybench_gui.gui.startup_probe import install\n"
    "from PySide6.QtWidgets import QWidget\n"
    "app = install(); w = QWidget(); w.show(); app.exec()\n"
)


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO), **extra}


def test_probe_reports_the_first_frame_and_the_program_ends() -> None:
    elapsed_s = time_to_first_frame_s([sys.executable, "-c", _BARE], _env(**{PROBE_ENV: "1"}))
    assert 0 < elapsed_s < 60


def test_probe_is_off_unless_asked() -> None:
    # Without the variable the window just stays open: a hang, reported with the command.
    code = (
        "import os; os.environ.pop('TINYBENCH_FIRST_FRAME_PROBE', None)\n"
        "from tinybench_gui.gui.startup_probe import install_if_requested\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication, QWidget\n"
        "install_if_requested(); app = QApplication([]); w = QWidget(); w.show()\n"
        "QTimer.singleShot(1500, app.quit); app.exec()\n"
    )
    with pytest.raises(StartupProbeError, match="without drawing a window"):
        time_to_first_frame_s([sys.executable, "-c", code], _env(), timeout_s=30)


def test_a_crashing_program_is_reported_with_its_errors() -> None:
    cmd = [sys.executable, "-c", "raise SystemExit('no display here')"]
    with pytest.raises(StartupProbeError, match="no display here"):
        time_to_first_frame_s(cmd, _env(**{PROBE_ENV: "1"}))


def test_folder_size_counts_files_once(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "lib.so").write_bytes(b"x" * 1000)
    (tmp_path / "b.txt").write_bytes(b"y" * 24)
    (tmp_path / "link.so").symlink_to(tmp_path / "a" / "lib.so")
    assert folder_size_bytes(tmp_path) == 1024


def test_bundle_is_found_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BUNDLE_ENV, str(tmp_path))
    assert find_bundle() == tmp_path


def test_figure_is_registered() -> None:
    assert "tinybench_gui.perf.startup" in FIGURE_MODULES
    assert "startup" in FIGURES
