"""Dataset trees in the official layout: ``<root>/<model>/y_labels.csv`` plus ``.bin`` files.

The CSV columns are those of both runners (``file, classes, class[, bytes_to_send,
stride]``); the AD files add the window width and stride in bytes (benchmark.md §4.2).
Every problem is reported with the file and line before a run starts.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tinybench_gui.benchmarks.catalog import Benchmark


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
        return (self.folder / entry.file).read_bytes()

    def windows(self, entry: DatasetEntry) -> Iterator[bytes]:
        """The inputs one file yields: the file itself, or every AD window."""
        data = self.read(entry)
        if entry.window_bytes is None:
            yield data
            return
        stride = entry.stride_bytes or entry.window_bytes
        for start in range(0, len(data) - entry.window_bytes + 1, stride):
            yield data[start : start + entry.window_bytes]

    def first_input(self, entry: DatasetEntry) -> bytes:
        """The input perf and energy modes send: the first window (benchmark.md §2.1)."""
        return next(self.windows(entry))

    def manifest_sha256(self) -> str:
        """A hash over the label file and every file's name and size, for provenance."""
        digest = hashlib.sha256(self.label_file.read_bytes())
        for e in self.entries:
            digest.update(f"{e.file}:{(self.folder / e.file).stat().st_size}\n".encode())
        return digest.hexdigest()


def _int_field(value: str, what: str, where: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise DatasetError(f"{where}: {what} {value.strip()!r} is not a whole number") from None


def load_dataset(root: Path, benchmark: Benchmark, label_file: str = "y_labels.csv") -> Dataset:
    """Read and validate ``<root>/<model>/<label_file>`` and its ``.bin`` files."""
    folder = root / benchmark.model_id
    if not folder.is_dir() and (root / label_file).is_file():
        folder = root  # the user pointed at the model folder itself
    labels = folder / label_file
    if not labels.is_file():
        raise DatasetError(
            f"{labels} does not exist. Fix: point the dataset folder at the root that holds "
            f"{benchmark.model_id}/{label_file} (the EEMBC/MLCommons layout)."
        )
    entries: list[DatasetEntry] = []
    with labels.open(newline="") as f:
        for number, row in enumerate(csv.reader(f), start=1):
            where = f"{labels}:{number}"
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) < 3:
                raise DatasetError(
                    f"{where}: expected at least 3 columns (file, classes, class), got {len(row)}"
                )
            name = row[0].strip()
            classes = _int_field(row[1], "class count", where)
            label = _int_field(row[2], "class", where)
            if not 0 <= label < max(classes, 1):
                raise DatasetError(f"{where}: class {label} is out of range 0..{classes - 1}")
            window = stride = None
            if len(row) >= 5 and row[3].strip() and row[4].strip():
                window = _int_field(row[3], "bytes_to_send", where)
                stride = _int_field(row[4], "stride", where)
            entries.append(DatasetEntry(number, name, classes, label, window, stride))
    if not entries:
        raise DatasetError(f"{labels}: no entries")
    for e in entries:
        path = folder / e.file
        where = f"{labels}:{e.line}"
        if not path.is_file():
            raise DatasetError(f"{where}: {path} does not exist")
        size = path.stat().st_size
        expected = benchmark.file_bytes or benchmark.input_bytes
        if size != expected:
            raise DatasetError(
                f"{where}: {path} has {size} bytes, {benchmark.model_id} inputs have {expected}"
            )
    return Dataset(benchmark, folder, labels, tuple(entries))
