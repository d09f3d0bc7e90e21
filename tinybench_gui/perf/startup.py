"""Bundle size and cold start to a drawn window (issue: packaging).

Cold start is timed from process creation to the end of the first paint of the first
window, reported by ``tinybench_gui.gui.startup_probe`` on stdout. The baseline, measured
in the same run and interleaved with the subjects, is a bare Python process that opens a
``QApplication`` and one empty ``QWidget`` of the same size. Every process is new, but the
page cache is warm (dropping it needs root): a first start after boot is slower.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tinybench_gui.perf.figures import FigureFunction, FigureRow

PROBE_ENV = "TINYBENCH_FIRST_FRAME_PROBE"  # the names in gui/startup_probe.py, which imports Qt
MARKER = "tinybench-first-frame"
BUNDLE_ENV = "TINYBENCH_BUNDLE"
# 2 s on the reference machine, where the bare window takes about 0.3 s (platform.md §2).
START_TARGET_S = 2.0  # the issue: start under 2 s
REPO = Path(__file__).resolve().parents[2]

_BARE_QT = """
from tinybench_gui.gui.startup_probe import install
from PySide6.QtWidgets import QWidget
app = install()
window = QWidget()
window.resize(1200, 800)
window.show()
app.exec()
"""
_GUI = """
from tinybench_gui.gui.startup_probe import install
install(["tinybench-gui"])
from tinybench_gui.gui.app import main
raise SystemExit(main(["--sim"]))
"""


class StartupProbeError(RuntimeError):
    """A measured program ended or hung without drawing a window."""


def time_to_first_frame_s(cmd: list[str], env: dict[str, str], timeout_s: float = 60.0) -> float:
    """Seconds from starting ``cmd`` until it reports its first drawn frame."""
    with tempfile.TemporaryFile("w+") as errors:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors, env=env, text=True)
        assert proc.stdout is not None
        elapsed_s = None
        try:
            for line in proc.stdout:
                if line.strip() == MARKER:
                    elapsed_s = time.perf_counter() - t0
                    break
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        finally:
            proc.stdout.close()
        if elapsed_s is None:
            errors.seek(0)
            raise StartupProbeError(
                f"{' '.join(cmd)} exited {proc.returncode} without drawing a window:\n"
                + errors.read()[-2000:]
            )
    return elapsed_s


def find_bundle() -> Path | None:
    """``$TINYBENCH_BUNDLE``, the bundle running this code, or ``packaging/dist/tinybench``."""
    override = os.environ.get(BUNDLE_ENV)
    if override:
        return Path(override)
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    built = REPO / "packaging" / "dist" / "tinybench"
    return built if (built / "tinybench-gui").is_file() else None


def build_bundle() -> Path | None:
    """Build the bundle from a source checkout (None when this is not one)."""
    script = REPO / "packaging" / "build.sh"
    if not script.is_file():
        return None
    env = {**os.environ, "PYTHON": sys.executable}
    subprocess.run(["bash", str(script)], cwd=REPO, env=env, check=True, capture_output=True)
    return REPO / "packaging" / "dist" / "tinybench"


def folder_size_bytes(folder: Path) -> int:
    """Bytes of the regular files below ``folder`` (links not followed)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _largest_parts(bundle: Path, count: int = 4) -> str:
    internal = bundle / "_internal"
    parts = [
        (folder_size_bytes(p) if p.is_dir() else p.stat().st_size, p.name)
        for p in internal.iterdir()
    ]
    parts.sort(reverse=True)
    return ", ".join(f"{name} {size / 1e6:.0f} MB" for size, name in parts[:count])


def startup_figures(quick: bool) -> list[FigureRow]:
    """Bundle size, and first-frame times of the GUI from Python and from the bundle."""
    if getattr(sys, "frozen", False):
        print("startup: run `tinybench perf startup` from a Python install (needs `python -c`)")
        return []
    bundle = find_bundle()
    built_now = False
    if bundle is None or not quick:
        bundle = build_bundle() or bundle  # measure what the code builds today
        built_now = bundle is not None
    repeats = 2 if quick else 5
    with tempfile.TemporaryDirectory() as config_home:
        # Fresh settings: the user's are never touched, and every start is a first start.
        env = {
            **os.environ,
            PROBE_ENV: "1",
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_CONFIG_HOME": config_home,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        }
        subjects = {
            "bare": [sys.executable, "-c", _BARE_QT],
            "python": [sys.executable, "-c", _GUI],
        }
        if bundle is not None:
            subjects["bundle"] = [str(bundle / "tinybench-gui"), "--sim"]
        times_s: dict[str, list[float]] = {name: [] for name in subjects}
        for _ in range(repeats):
            for name, cmd in subjects.items():
                times_s[name].append(time_to_first_frame_s(cmd, env))
    bare_s = statistics.median(times_s["bare"])
    note = (
        f"baseline: bare QApplication + QWidget first frame; median of {repeats}, offscreen; "
        f"target: under {START_TARGET_S:g} s; the ratio to a bare Qt window"
        " shows the machine's share"
    )
    rows = [
        FigureRow(
            f"GUI cold start to first frame ({name})",
            statistics.median(times_s[name]),
            "s",
            baseline=bare_s,
            target=START_TARGET_S,
            higher_is_better=False,
            absolute_target=True,
            note=note,
        )
        for name in ("python", "bundle")
        if name in times_s
    ]
    if bundle is None:
        print("startup: no bundle (build it with packaging/build.sh, or set TINYBENCH_BUNDLE)")
        return rows
    rows.append(
        FigureRow(
            "bundle size",
            folder_size_bytes(bundle) / 1e6,
            "MB",
            note=("built now" if built_now else f"as found in {bundle}")
            + f"; largest: {_largest_parts(bundle)}",
        )
    )
    return rows


FIGURES: dict[str, tuple[FigureFunction, str]] = {
    "startup": (startup_figures, "bundle size and GUI cold start to a drawn window"),
}
