"""The accuracy run's progress journal, for resuming an interrupted run.

``accuracy_journal.jsonl`` in the results folder: a header line with the key (a
hash of the plan and of the dataset's bytes), then one line per completed file,
appended and fsync'd before the file counts as done. A crash can only cut the
last line short; that partial line is dropped on the next start, so a file is
either completely in the journal or scored again from its first window, never
twice. A journal with another key belongs to another plan or dataset: it is never
mixed with this run.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

JOURNAL_NAME = "accuracy_journal.jsonl"
_FORMAT = 1


class JournalMismatchError(ValueError):
    """The results folder holds the journal of a different plan or dataset."""


def journal_key(description: dict[str, Any]) -> str:
    """A stable hash of what makes two accuracy runs the same run."""
    text = json.dumps(description, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def journal_path(results_dir: Path) -> Path:
    """Where an accuracy run in ``results_dir`` keeps its journal."""
    return results_dir / JOURNAL_NAME


class AccuracyJournal:
    """Append-only record of completed files; ``done`` maps file index to its entry."""

    def __init__(self, path: Path, key: str, description: dict[str, Any]) -> None:
        self.path = path
        self.key = key
        self.description = description
        self.done: dict[int, dict[str, Any]] = {}
        self.resumed = False
        self._file: Any = None

    def open(self) -> AccuracyJournal:
        """Read what an earlier session completed, then open for appending."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            self._read_existing()
        else:
            header = {"journal": _FORMAT, "key": self.key, "plan": self.description}
            with self.path.open("w", encoding="utf-8") as f:
                f.write(json.dumps(header) + "\n")
                f.flush()
                os.fsync(f.fileno())
            _fsync_dir(self.path.parent)
        self._file = self.path.open("a", encoding="utf-8")
        return self

    def _read_existing(self) -> None:
        raw = self.path.read_bytes()
        complete = raw[: raw.rfind(b"\n") + 1]  # a crash can cut the last line short
        lines = complete.decode("utf-8", errors="replace").splitlines()
        try:
            header = json.loads(lines[0]) if lines else None
        except json.JSONDecodeError:
            header = None
        if not isinstance(header, dict) or header.get("journal") != _FORMAT:
            raise JournalMismatchError(
                f"{self.path} is not a tinybench accuracy journal. Fix: choose another "
                "results folder, or delete the file to start over."
            )
        if header.get("key") != self.key:
            raise JournalMismatchError(
                f"{self.path} belongs to another accuracy run (different plan or dataset: "
                f"{_difference(header.get('plan'), self.description)}). Fix: give a new "
                "--results-dir, or run with exactly the same plan and dataset to resume."
            )
        for line in lines[1:]:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # only the last line can be damaged, and it is cut off above
            self.done[int(entry["index"])] = entry
        if len(complete) != len(raw):
            with self.path.open("r+b") as f:
                f.truncate(len(complete))
                f.flush()
                os.fsync(f.fileno())
        self.resumed = True

    def append(self, entry: dict[str, Any]) -> None:
        """Record one completed file durably (flushed and fsync'd)."""
        if self._file is None:
            raise RuntimeError("journal is not open")
        self._file.write(json.dumps(entry, separators=(",", ":")) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self.done[int(entry["index"])] = entry

    def close(self) -> None:
        """Close the file; the journal stays for a later resume."""
        if self._file is not None:
            self._file.close()
            self._file = None


def _difference(old: Any, new: dict[str, Any]) -> str:
    if not isinstance(old, dict):
        return "unknown plan"
    changed = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    return "differs in " + ", ".join(changed) if changed else "same plan, other key"


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
