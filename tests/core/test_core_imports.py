"""The core runs without Qt: importing every core module never loads PySide6 or pyqtgraph."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import tinybench_gui


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(tinybench_gui.__path__, "tinybench_gui."):
        if info.name.startswith("tinybench_gui.gui") or info.name == "tinybench_gui.__main__":
            continue
        names.append(info.name)
    return names


def test_every_core_module_imports_without_qt() -> None:
    modules = core_modules()
    assert len(modules) > 30
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = [m for m in ('PySide6', 'pyqtgraph', 'shiboken6') if m in sys.modules]\n"
        "print('QT:', loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("QT: []"), out.stdout + out.stderr
