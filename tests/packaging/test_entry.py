"""The bundle's launcher picks the program by the executable's name."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest

from tests.packaging.helpers import REPO


def _entry() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bundle_entry", REPO / "packaging" / "entry.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("executable", "program"),
    [
        ("/opt/tinybench/tinybench-gui", "gui"),
        ("/opt/tinybench/tinybench", "cli"),
        (r"C:\Program Files\tinybench\tinybench-gui.exe", "gui"),
        (r"C:\Program Files\tinybench\TINYBENCH.EXE", "cli"),
        ("/Applications/tinybench.app/Contents/MacOS/tinybench-gui", "gui"),
        ("/tmp/renamed-copy", "cli"),
    ],
)
def test_program_name(executable: str, program: str) -> None:
    assert _entry().program_name(executable.replace("\\", "/")) == program
