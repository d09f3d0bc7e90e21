"""The benchmarks and boards the reference firmware is built for.

Model files are found under ``TINYBENCH_MODEL_PATH`` (the MLPerf Tiny tree: ``<root>/kws01/...``);
the models are never copied into the repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BOARDS = ("mps2-an386", "host", "nucleo-l4r5zi")


@dataclass(frozen=True)
class FirmwareBenchmark:
    """One benchmark: its model file and the reference port's I/O conventions."""

    model_id: str  # what m-model-[...] reports
    model_file: str  # relative to the model root
    kind: str  # kws | ic | vww | ad (pre/post-processing of the reference port)
    max_db_input_size: int  # MAX_DB_INPUT_SIZE of the reference port
    reference_arena_bytes: int  # kTensorArenaSize of the reference port (benchmark.md §5)


BENCHMARKS: dict[str, FirmwareBenchmark] = {
    b.model_id: b
    for b in (
        FirmwareBenchmark("kws01", "kws01/kws_ref_model.tflite", "kws", 49 * 10 * 1, 200 * 1024),
        FirmwareBenchmark("vww01", "vww01/vww_96_int8.tflite", "vww", 96 * 96 * 3, 200 * 1024),
        FirmwareBenchmark(
            "ic01", "ic01/pretrainedResnet_quant.tflite", "ic", 32 * 32 * 3, 100 * 1024
        ),
        FirmwareBenchmark(
            "ic02", "ic02/pretrainedResnet_large_int8.tflite", "ic", 32 * 32 * 3, 100 * 1024
        ),
        FirmwareBenchmark("ad01", "ad01/ad01_int8.tflite", "ad", 5 * 128 * 4 * 2, 10 * 1024),
    )
}


class ModelNotFoundError(FileNotFoundError):
    """The benchmark's .tflite is not under the model root."""


def model_root() -> Path:
    """The MLPerf Tiny model tree (``TINYBENCH_MODEL_PATH``)."""
    return Path(os.environ.get("TINYBENCH_MODEL_PATH", "mlperf_tiny"))


def model_path(benchmark: FirmwareBenchmark, root: Path | None = None) -> Path:
    """Where ``benchmark``'s model is; raises :class:`ModelNotFoundError` with the fix."""
    path = (root or model_root()) / benchmark.model_file
    if not path.is_file():
        raise ModelNotFoundError(
            f"model for {benchmark.model_id} not found at {path}; set TINYBENCH_MODEL_PATH to the "
            "MLPerf Tiny model folder (the one holding kws01/, vww01/, ic01/, ic02/, ad01/)"
        )
    return path
