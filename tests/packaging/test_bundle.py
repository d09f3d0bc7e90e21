"""Build the PyInstaller bundle and start what it holds, as a user of the bundle would.

The bundle must be complete on its own: the commands run with a clean environment from a
working folder outside the repository. Marked ``packaging``: CI runs it as its own step.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.packaging.helpers import (
    REPO,
    SIM_RUN_ARGS,
    SIM_RUN_NOT_FOR_SUBMISSION,
    clean_env,
    explain,
    python,
    run,
)
from tinybench_gui import __version__

pytestmark = pytest.mark.packaging


@pytest.fixture(scope="module")
def bundle() -> Path:
    proc = run(
        ["bash", str(REPO / "packaging" / "build.sh")],
        cwd=REPO,
        env=clean_env(PYTHON=python()),
        timeout_s=900,
    )
    assert proc.returncode == 0, explain(proc)
    return REPO / "packaging" / "dist" / "tinybench"


def test_bundle_holds_both_programs_and_the_desktop_files(bundle: Path) -> None:
    for name in ("tinybench", "tinybench-gui", "install-desktop.sh"):
        assert (bundle / name).is_file()
        assert (bundle / name).stat().st_mode & 0o111
    for name in ("tinybench.desktop", "tinybench.png", "tinybench.svg"):
        assert (bundle / name).read_bytes() == (REPO / "resources" / _source(name)).read_bytes()
    internal = bundle / "_internal"
    plugins = internal / "PySide6" / "Qt" / "plugins" / "platforms"
    assert (plugins / "libqoffscreen.so").is_file()
    assert (plugins / "libqxcb.so").is_file()
    assert (internal / "tinybench_gui" / "_resources" / "boards.toml").is_file()
    assert (internal / "hdf5plugin" / "plugins" / "libh5bshuf.so").is_file()


def _source(name: str) -> str:
    return name if name.endswith(".desktop") else f"icons/{name}"


def test_bundled_cli_runs_on_the_simulated_bench(bundle: Path, tmp_path: Path) -> None:
    env = clean_env()
    proc = run([str(bundle / "tinybench"), "--version"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, explain(proc)
    assert proc.stdout.strip() == f"tinybench {__version__}"

    results = tmp_path / "results"
    cmd = [str(bundle / "tinybench"), *SIM_RUN_ARGS, "--results-dir", str(results)]
    proc = run(cmd, cwd=tmp_path, env=env, timeout_s=120)
    assert proc.returncode == SIM_RUN_NOT_FOR_SUBMISSION, explain(proc)
    # hdf5plugin's omitted filters are not reported as errors, and nothing else fails.
    assert "Cannot initialize filter" not in proc.stderr, explain(proc)
    (run_file,) = results.glob("*.h5")
    proc = run([str(bundle / "tinybench"), "info", str(run_file)], cwd=tmp_path, env=env)
    assert proc.returncode == 0, explain(proc)
    assert "complete" in proc.stdout
    # The run file names the bundled packages' versions (their metadata is in the bundle).
    assert "ai-edge-litert" in proc.stdout


def test_bundled_gui_opens_and_closes_offscreen(bundle: Path, tmp_path: Path) -> None:
    cmd = [str(bundle / "tinybench-gui"), "--sim", "--quit-after-show"]
    proc = run(cmd, cwd=tmp_path, env=clean_env(HOME=str(tmp_path)), timeout_s=120)
    assert proc.returncode == 0, explain(proc)
    assert "Traceback" not in proc.stderr, explain(proc)


def test_bundled_gui_opens_and_closes_on_xcb_under_xvfb(bundle: Path, tmp_path: Path) -> None:
    # scripts/dev installs xvfb and the xcb libraries (platform.md §2); the bundle brings Qt's.
    xvfb_run = shutil.which("xvfb-run")
    assert xvfb_run is not None, "xvfb-run is missing: run scripts/dev test to install it"
    env = clean_env(HOME=str(tmp_path), QT_QPA_PLATFORM="xcb")
    cmd = [xvfb_run, "-a", str(bundle / "tinybench-gui"), "--sim", "--quit-after-show"]
    proc = run(cmd, cwd=tmp_path, env=env, timeout_s=120)
    assert proc.returncode == 0, explain(proc)
    assert "Could not load the Qt platform plugin" not in proc.stderr, explain(proc)
