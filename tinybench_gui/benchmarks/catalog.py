"""One definition per MLPerf Tiny benchmark (benchmark.md §1.3, §2.1, §3, §4).

Everything a mode needs to know about a benchmark lives here: the model id the DUT
reports, the reference models, the input format, the on-DUT pre-processing, the
result format, the metric and target, the class names, the baud rates per mode and
the official runner's default iteration counts (``tests_*.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final, Literal

from tinybench_gui.models.known import ModelRef, model_ref

InputKind = Literal["int8", "uint8", "float32"]
Preprocess = Literal["as_int8", "minus_128", "quantize"]
ResultFormat = Literal["digits3", "fixed3", "mse"]
Metric = Literal["top1", "auc"]
Mode = Literal["performance", "accuracy", "energy"]


@dataclass(frozen=True, slots=True)
class InferSettings:
    """``infer N W`` as the official test scripts send it for one mode."""

    iterations: int
    warmups: int


@dataclass(frozen=True, slots=True)
class Benchmark:
    """An MLPerf Tiny closed-division benchmark."""

    model_id: str  # what the DUT reports in m-model-[...] and the dataset folder name
    submission_dir: str  # results/<system>/<dir>/ in a submission
    title: str
    int8_model: ModelRef
    float_model: ModelRef
    input_shape: tuple[int, ...]
    input_kind: InputKind  # dtype of the .bin file's values
    preprocess: Preprocess  # what the reference firmware does to the bytes
    result_format: ResultFormat
    metric: Metric
    target: float  # closed-division quality target (percent for top1, AUC for auc)
    class_names: tuple[str, ...]
    max_db_input_size: int  # MAX_DB_INPUT_SIZE of the reference port
    baud_rates: dict[Mode, int] = field(default_factory=dict)
    infer: dict[Mode, InferSettings] = field(default_factory=dict)
    # AD only: bytes of one window and the stride between windows in a file.
    # Files in the official y_labels.csv (benchmark.md §4.2), for a note when a set differs.
    official_files: int = 0
    # The dataset folder when it is not the model id (ic02 reads ic01's, tests_*.yaml).
    dataset_model: str | None = None
    window_bytes: int | None = None
    stride_bytes: int | None = None
    file_bytes: int | None = None

    @property
    def input_bytes(self) -> int:
        """Bytes sent to the DUT for one inference (one window for AD)."""
        itemsize = 4 if self.input_kind == "float32" else 1
        n = 1
        for d in self.input_shape:
            n *= d
        return n * itemsize

    @property
    def num_classes(self) -> int:
        """Length of the classifier's output vector (0 for AD)."""
        return len(self.class_names)

    @property
    def label_names(self) -> tuple[str, ...]:
        """Names of the ``class`` column's values in ``y_labels.csv``."""
        return self.class_names or AD_LABELS

    @property
    def windows_per_file(self) -> int:
        """Inferences per dataset file in accuracy mode (196 for AD, 1 otherwise)."""
        if self.window_bytes is None or self.stride_bytes is None or self.file_bytes is None:
            return 1
        return (self.file_bytes - self.window_bytes) // self.stride_bytes + 1

    @property
    def dataset_folder(self) -> str:
        """``<root>/<this>/y_labels.csv`` holds the benchmark's dataset."""
        return self.dataset_model or self.model_id

    @property
    def dataset_file_bytes(self) -> int:
        """Size of one dataset ``.bin`` file."""
        return self.file_bytes or self.input_bytes


# y_labels.csv of ad01: class 0 is a normal machine sound, 1 an anomaly.
AD_LABELS: Final = ("normal", "anomaly")
_BAUD_115200: Final[dict[Mode, int]] = {"performance": 115200, "accuracy": 115200, "energy": 9600}
_KWS_CLASSES: Final = (
    "Down", "Go", "Left", "No", "Off", "On", "Right", "Stop", "Up", "Yes", "Silence", "Unknown",
)  # fmt: skip
_CIFAR_CLASSES: Final = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip

_IC01: Final = Benchmark(
    model_id="ic01",
    submission_dir="ic",
    title="Image classification (ResNet-8)",
    int8_model=model_ref("ic01-int8"),
    float_model=model_ref("ic01-float"),
    input_shape=(32, 32, 3),
    input_kind="uint8",
    preprocess="minus_128",
    result_format="fixed3",
    metric="top1",
    target=85.0,
    class_names=_CIFAR_CLASSES,
    max_db_input_size=32 * 32 * 3,
    baud_rates=_BAUD_115200,
    infer={
        "performance": InferSettings(20, 5),
        "energy": InferSettings(20, 0),
        "accuracy": InferSettings(1, 0),
    },
    official_files=200,
)

BENCHMARKS: Final[dict[str, Benchmark]] = {
    b.model_id: b
    for b in (
        Benchmark(
            model_id="kws01",
            submission_dir="kws",
            title="Keyword spotting (DS-CNN)",
            int8_model=model_ref("kws01-int8"),
            float_model=model_ref("kws01-float"),
            input_shape=(49, 10),
            input_kind="int8",
            preprocess="as_int8",
            result_format="digits3",
            metric="top1",
            target=90.0,
            class_names=_KWS_CLASSES,
            max_db_input_size=490,
            baud_rates=_BAUD_115200,
            infer={
                "performance": InferSettings(70, 10),
                "energy": InferSettings(70, 10),
                "accuracy": InferSettings(1, 0),
            },
            official_files=1000,
        ),
        Benchmark(
            model_id="vww01",
            submission_dir="vww",
            title="Visual wake words (MobileNet)",
            int8_model=model_ref("vww01-int8"),
            float_model=model_ref("vww01-float"),
            input_shape=(96, 96, 3),
            input_kind="uint8",
            preprocess="minus_128",
            result_format="fixed3",
            metric="top1",
            target=80.0,
            class_names=("non-person", "person"),
            max_db_input_size=96 * 96 * 3,
            baud_rates=_BAUD_115200,
            infer={
                "performance": InferSettings(20, 5),
                "energy": InferSettings(20, 5),
                "accuracy": InferSettings(1, 0),
            },
            official_files=1000,
        ),
        _IC01,
        # The large ResNet: the same inputs, dataset folder and scripts as ic01 (benchmark.md §4).
        replace(
            _IC01,
            model_id="ic02",
            submission_dir="ic2",
            title="Image classification 2 (large ResNet)",
            int8_model=model_ref("ic02-int8"),
            float_model=model_ref("ic02-float"),
            target=91.0,
            dataset_model="ic01",
        ),
        Benchmark(
            model_id="ad01",
            submission_dir="ad",
            title="Anomaly detection (FC autoencoder)",
            int8_model=model_ref("ad01-int8"),
            float_model=model_ref("ad01-float"),
            input_shape=(640,),
            input_kind="float32",
            preprocess="quantize",
            result_format="mse",
            metric="auc",
            target=0.85,
            class_names=(),
            max_db_input_size=5 * 128 * 4 * 2,
            # The AD reference runs at 921600 outside energy mode (mlcommons/tiny PR #68).
            baud_rates={"performance": 921600, "accuracy": 921600, "energy": 9600},
            infer={
                "performance": InferSettings(1500, 10),
                "energy": InferSettings(1500, 0),
                "accuracy": InferSettings(1, 0),
            },
            official_files=248,
            window_bytes=2560,
            stride_bytes=512,
            file_bytes=102400,
        ),
    )
}


class UnknownBenchmarkError(KeyError):
    """A model id that is not one of the MLPerf Tiny benchmarks."""

    def __str__(self) -> str:
        return str(self.args[0])


def get_benchmark(model_id: str) -> Benchmark:
    """The benchmark whose DUT reports ``m-model-[model_id]``."""
    try:
        return BENCHMARKS[model_id]
    except KeyError:
        raise UnknownBenchmarkError(
            f"unknown benchmark {model_id!r}; tinybench knows {', '.join(BENCHMARKS)}"
        ) from None
