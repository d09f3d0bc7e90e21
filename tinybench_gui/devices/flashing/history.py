"""A log of what was flashed where, so a run file can carry the firmware's sha256.

One JSON object per line in ``$TINYBENCH_STATE_DIR/flash-history.jsonl`` (default
``$XDG_STATE_HOME/tinybench``, else ``~/.local/state/tinybench``). The runner asks
``last_flash(device_key)`` for the board it is about to measure.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

HISTORY_FILE = "flash-history.jsonl"


@dataclass(frozen=True, slots=True)
class FlashRecord:
    """One successful flash."""

    time_utc: str
    board_id: str
    device_key: str | None
    route: str
    firmware: str
    sha256: str
    image_format: str
    payload_bytes: int
    verified: bool | None
    model: str | None = None  # what the board said after flashing (m-model-[...])
    build_mode: str | None = None


def history_path() -> Path:
    """The history file (its folder may not exist yet)."""
    override = os.environ.get("TINYBENCH_STATE_DIR")
    if override:
        return Path(override) / HISTORY_FILE
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "tinybench" / HISTORY_FILE


def record_flash(record: FlashRecord, path: Path | None = None) -> Path:
    """Append ``record``; return the file."""
    file = path or history_path()
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("a", encoding="utf-8") as out:
        out.write(json.dumps(asdict(record)) + "\n")
    return file


def read_history(path: Path | None = None) -> list[FlashRecord]:
    """Every readable record, oldest first (a damaged line is skipped, not fatal)."""
    file = path or history_path()
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    records = []
    for line in lines:
        try:
            records.append(FlashRecord(**json.loads(line)))
        except (ValueError, TypeError):
            continue
    return records


def last_flash(
    device_key: str | None = None, *, board_id: str | None = None, path: Path | None = None
) -> FlashRecord | None:
    """The newest record for this device (or, failing a key, this board type)."""
    for record in reversed(read_history(path)):
        if device_key is not None and record.device_key == device_key:
            return record
        if device_key is None and board_id is not None and record.board_id == board_id:
            return record
    return None
