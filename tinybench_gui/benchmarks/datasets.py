"""Dataset trees in the official layout: ``<root>/<model>/y_labels.csv`` plus ``.bin`` files.

The CSV columns are those of both runners (``file, classes, class[, bytes_to_send,
stride]``); the AD files add the window width and stride in bytes (benchmark.md §4.2),
and ``y_labels_alt.csv`` is the AD alternative set. Every problem is reported with
the file and line before a run starts: a run never stops half-way on a bad file.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tinybench_gui.benchmarks.catalog import Benchmark

LABEL_FILES = ("y_labels.csv", "y_labels_alt.csv")


class DatasetError(ValueError):
    """The dataset tree is incomplete or malformed; the message names file and line."""


@dataclass(frozen=True, slots=True)
class DatasetEntry:
    """One line of ``y_labels.csv``."""

    line: int
    file: str
    classes: int
    label: int
    window_bytes: int | None = None
    stride_bytes: int | None = None

    def window_count(self, file_bytes: int) -> int:
        """How many inputs a file of ``file_bytes`` yields (1 without windows)."""
        if self.window_bytes is None:
            return 1
        stride = self.stride_bytes or self.window_bytes
        return (file_bytes - self.window_bytes) // stride + 1


@dataclass(frozen=True, slots=True)
class Dataset:
    """A validated dataset for one benchmark."""

    benchmark: Benchmark
    folder: Path
    label_file: Path
    entries: tuple[DatasetEntry, ...]

    def __len__(self) -> int:
        return len(self.entries)

    def read(self, entry: DatasetEntry) -> bytes:
        """The whole ``.bin`` file of ``entry``."""
        path = self.folder / entry.file
        try:
            return path.read_bytes()
        except OSError as exc:
            where = f"{self.label_file}:{entry.line}"
            raise DatasetError(f"{where}: cannot read {path}: {exc}") from exc

    def windows(self, entry: DatasetEntry) -> Iterator[bytes]:
        """The inputs one file yields: the file itself, or every AD window."""
        yield from split_windows(self.read(entry), entry)

    def first_input(self, entry: DatasetEntry) -> bytes:
        """The input perf and energy modes send: the first window (benchmark.md §2.1)."""
        return next(self.windows(entry))

    def inferences(self) -> int:
        """Inferences an accuracy run makes over the whole set."""
        size = self.benchmark.dataset_file_bytes
        return sum(e.window_count(size) for e in self.entries)

    def manifest_sha256(self) -> str:
        """A hash over the label file and every file's name and size, for provenance."""
        digest = hashlib.sha256(self.label_file.read_bytes())
        for e in self.entries:
            digest.update(f"{e.file}:{(self.folder / e.file).stat().st_size}\n".encode())
        return digest.hexdigest()

    def content_sha256(self) -> str:
        """A hash over the label file and every file's bytes: identifies the data exactly."""
        digest = hashlib.sha256(self.label_file.read_bytes())
        for e in self.entries:
            digest.update(f"{e.file}\n".encode())
            digest.update(hashlib.sha256(self.read(e)).digest())
        return digest.hexdigest()


def split_windows(data: bytes, entry: DatasetEntry) -> Iterator[bytes]:
    """Cut ``data`` into the entry's windows, as the runner's download step does."""
    if entry.window_bytes is None:
        yield data
        return
    stride = entry.stride_bytes or entry.window_bytes
    for start in range(0, len(data) - entry.window_bytes + 1, stride):
        yield data[start : start + entry.window_bytes]


def _int_field(value: str, what: str, where: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise DatasetError(f"{where}: {what} {value.strip()!r} is not a whole number") from None


def _parse_row(row: list[str], number: int, where: str, benchmark: Benchmark) -> DatasetEntry:
    if len(row) < 3:
        raise DatasetError(
            f"{where}: expected at least 3 columns (file, classes, class), got {len(row)}: "
            f"{','.join(row)!r} (is the file truncated?)"
        )
    name = row[0].strip()
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise DatasetError(f"{where}: {name!r} is not a file name in the model folder")
    classes = _int_field(row[1], "class count", where)
    label = _int_field(row[2], "class", where)
    expected_classes = len(benchmark.label_names)
    if classes != expected_classes:
        raise DatasetError(
            f"{where}: {classes} classes, but {benchmark.model_id} has {expected_classes} "
            f"({', '.join(benchmark.label_names)}). Fix: is this another benchmark's label file?"
        )
    if not 0 <= label < classes:
        raise DatasetError(f"{where}: class {label} is out of range 0..{classes - 1}")
    window = stride = None
    if benchmark.window_bytes is not None:
        if len(row) < 5 or not row[3].strip() or not row[4].strip():
            raise DatasetError(
                f"{where}: {benchmark.model_id} needs 5 columns (file, classes, class, "
                f"bytes_to_send, stride), e.g. {name},2,0,{benchmark.window_bytes},"
                f"{benchmark.stride_bytes}"
            )
        window = _int_field(row[3], "bytes_to_send", where)
        stride = _int_field(row[4], "stride", where)
        if window != benchmark.input_bytes:
            raise DatasetError(
                f"{where}: bytes_to_send {window}, but one {benchmark.model_id} input is "
                f"{benchmark.input_bytes} bytes"
            )
        if stride <= 0:
            raise DatasetError(f"{where}: stride {stride} must be > 0")
    return DatasetEntry(number, name, classes, label, window, stride)


def load_dataset(root: Path, benchmark: Benchmark, label_file: str = "y_labels.csv") -> Dataset:
    """Read and validate ``<root>/<model>/<label_file>`` and its ``.bin`` files."""
    folder = root / benchmark.dataset_folder
    if not folder.is_dir() and (root / label_file).is_file():
        folder = root  # the user pointed at the model folder itself
    labels = folder / label_file
    if not labels.is_file():
        raise DatasetError(
            f"{labels} does not exist. Fix: point the dataset folder at the root that holds "
            f"{benchmark.dataset_folder}/{label_file} (the EEMBC/MLCommons layout), or make "
            f"one with `tinybench dataset synth --benchmark {benchmark.model_id} --out DIR`."
        )
    entries: list[DatasetEntry] = []
    seen: dict[str, int] = {}
    try:
        with labels.open(newline="", encoding="utf-8") as f:
            for number, row in enumerate(csv.reader(f, strict=True), start=1):
                where = f"{labels}:{number}"
                if not row or all(not c.strip() for c in row):
                    continue
                entry = _parse_row(row, number, where, benchmark)
                if entry.file in seen:
                    raise DatasetError(
                        f"{where}: {entry.file} is listed twice (first on line {seen[entry.file]})"
                    )
                seen[entry.file] = number
                entries.append(entry)
    except csv.Error as exc:
        raise DatasetError(f"{labels}: the CSV does not parse ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{labels}: not a text file ({exc})") from exc
    if not entries:
        raise DatasetError(f"{labels}: no entries")
    expected = benchmark.dataset_file_bytes
    for e in entries:
        path = folder / e.file
        where = f"{labels}:{e.line}"
        if not path.is_file():
            raise DatasetError(f"{where}: {path} does not exist")
        size = path.stat().st_size
        if size != expected:
            raise DatasetError(
                f"{where}: {path} has {size} bytes, {benchmark.model_id} inputs have {expected}"
            )
    return Dataset(benchmark, folder, labels, tuple(entries))
