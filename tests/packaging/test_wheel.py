"""``pip install`` of the built wheel into a fresh virtual environment, then both commands.

Dependencies come from the package index as a user gets them (pip's cache makes a repeat
fast). Marked ``packaging``: CI runs it as its own step (scripts/dev test).
"""

from __future__ import annotations

import sys
import zipfile
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
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = run(
        [python(), "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        cwd=out,
        env=clean_env(),
    )
    assert proc.returncode == 0, explain(proc)
    (built,) = out.glob("tinybench-*.whl")
    return built


@pytest.fixture(scope="module")
def venv_bin(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("venv")
    proc = run([python(), "-m", "venv", str(root / "venv")], cwd=root, env=clean_env())
    assert proc.returncode == 0, explain(proc)
    bin_dir = root / "venv" / ("Scripts" if sys.platform == "win32" else "bin")
    proc = run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)],
        cwd=root,
        env=clean_env(PIP_DISABLE_PIP_VERSION_CHECK="1"),
        timeout_s=900,
    )
    assert proc.returncode == 0, explain(proc)
    return bin_dir


def test_wheel_carries_the_package_and_its_resources(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "tinybench_gui/__init__.py",
        "tinybench_gui/resources.py",
        "tinybench_gui/_resources/boards.toml",
        "tinybench_gui/_resources/tinybench.desktop",
        "tinybench_gui/_resources/icons/tinybench.svg",
        "tinybench_gui/_resources/icons/tinybench.png",
    ):
        assert required in names
    assert not any(n.startswith(("tests/", "packaging/")) for n in names)
    assert f"-{__version__}-" in wheel.name


def test_installed_cli_runs_on_the_simulated_bench(venv_bin: Path, tmp_path: Path) -> None:
    env = clean_env()  # keeps TINYBENCH_MODEL_PATH (tests/conftest.py points it at ../shared)
    assert "TINYBENCH_MODEL_PATH" in env
    proc = run([str(venv_bin / "tinybench"), "--version"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, explain(proc)
    assert proc.stdout.strip() == f"tinybench {__version__}"

    results = tmp_path / "results"
    cmd = [str(venv_bin / "tinybench"), *SIM_RUN_ARGS, "--results-dir", str(results)]
    proc = run(cmd, cwd=tmp_path, env=env)
    assert proc.returncode == SIM_RUN_NOT_FOR_SUBMISSION, explain(proc)
    assert {p.name for p in results.iterdir()} >= {"log.txt", "results.txt", "results.json"}
    (run_file,) = results.glob("*.h5")
    proc = run([str(venv_bin / "tinybench"), "info", str(run_file)], cwd=tmp_path, env=env)
    assert proc.returncode == 0, explain(proc)
    assert "complete" in proc.stdout


def test_installed_package_reads_resources_from_the_wheel(venv_bin: Path, tmp_path: Path) -> None:
    code = (
        "from tinybench_gui.devices.catalog import catalog_path;"
        "from tinybench_gui.resources import find_resource;"
        "print(catalog_path()); print(find_resource('icons/tinybench.png'))"
    )
    proc = run([str(venv_bin / "python"), "-c", code], cwd=tmp_path, env=clean_env())
    assert proc.returncode == 0, explain(proc)
    catalog, icon = (Path(line) for line in proc.stdout.split())
    assert "site-packages" in catalog.parts
    assert catalog.parts[-3:] == ("tinybench_gui", "_resources", "boards.toml")
    assert icon.parts[-4:] == ("tinybench_gui", "_resources", "icons", "tinybench.png")


def test_installed_gui_opens_and_closes_offscreen(venv_bin: Path, tmp_path: Path) -> None:
    cmd = [str(venv_bin / "tinybench-gui"), "--sim", "--quit-after-show"]
    proc = run(cmd, cwd=tmp_path, env=clean_env(HOME=str(tmp_path)), timeout_s=120)
    assert proc.returncode == 0, explain(proc)
    assert "Traceback" not in proc.stderr, explain(proc)
