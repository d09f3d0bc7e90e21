"""``install-desktop.sh`` (shipped in the bundle) adds and removes the menu entry."""

from __future__ import annotations

import configparser
import shutil
from pathlib import Path

from tests.packaging.helpers import REPO, clean_env, explain, run


def _unpacked_bundle(tmp_path: Path) -> Path:
    # The files build.sh copies beside the programs, plus a stand-in program.
    bundle = tmp_path / "opt" / "tiny bench"  # a space: the Exec line must quote the path
    bundle.mkdir(parents=True)
    shutil.copy(REPO / "packaging" / "install-desktop.sh", bundle)
    shutil.copy(REPO / "resources" / "tinybench.desktop", bundle)
    shutil.copy(REPO / "resources" / "icons" / "tinybench.png", bundle)
    shutil.copy(REPO / "resources" / "icons" / "tinybench.svg", bundle)
    (bundle / "tinybench-gui").write_text("#!/bin/sh\n")
    (bundle / "tinybench-gui").chmod(0o755)
    return bundle


def test_install_points_the_menu_entry_at_this_bundle(tmp_path: Path) -> None:
    bundle = _unpacked_bundle(tmp_path)
    data = tmp_path / "data"
    env = clean_env(XDG_DATA_HOME=str(data), HOME=str(tmp_path))
    proc = run(["bash", str(bundle / "install-desktop.sh")], cwd=tmp_path, env=env)
    assert proc.returncode == 0, explain(proc)

    entry_file = data / "applications" / "tinybench.desktop"
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(entry_file.read_text(encoding="utf-8"))
    entry = parser["Desktop Entry"]
    assert entry["Exec"] == f'"{bundle}/tinybench-gui" %F'
    assert entry["TryExec"] == f"{bundle}/tinybench-gui"
    assert entry["Icon"] == "tinybench"
    png = data / "icons" / "hicolor" / "256x256" / "apps" / "tinybench.png"
    assert png.read_bytes() == (REPO / "resources" / "icons" / "tinybench.png").read_bytes()
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / "tinybench.svg").is_file()

    proc = run(["bash", str(bundle / "install-desktop.sh"), "--uninstall"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, explain(proc)
    assert not entry_file.exists()
    assert not png.exists()
