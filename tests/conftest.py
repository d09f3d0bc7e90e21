"""Shared test configuration: Qt offscreen, the official models from ../shared."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_SHARED_MODELS = Path(__file__).resolve().parents[1].parent / "shared" / "mlperf_tiny"
if "TINYBENCH_MODEL_PATH" not in os.environ and _SHARED_MODELS.is_dir():
    os.environ["TINYBENCH_MODEL_PATH"] = str(_SHARED_MODELS)
