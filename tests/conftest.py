"""Shared test configuration: Qt offscreen, the official models from ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_SHARED_MODELS = Path(__file__).resolve().parents[1].parent / "shared" / "mlperf_tiny"
if "TINYBENCH_MODEL_PATH" not in os.environ and _SHARED_MODELS.is_dir():
    os.environ["TINYBENCH_MODEL_PATH"] = str(_SHARED_MODELS)


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test keeps its flash history in its own folder, never the user's."""
    monkeypatch.setenv("TINYBENCH_STATE_DIR", str(tmp_path / "state"))
