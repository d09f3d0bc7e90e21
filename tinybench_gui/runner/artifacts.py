"""The run's text artifacts, as the MLCommons runner writes them into its session folder.

``log.txt`` (every line, human-readable), ``results.txt`` (the result blocks and
summary lines the submission checker reads) and ``results.json`` (one dict per
loop iteration, in the MLCommons runner's schema). They are written even when a
run fails, with what it had and why it stopped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tinybench_gui.devices.transport import TranscriptEntry
from tinybench_gui.runner.results import RunSummary
from tinybench_gui.runner.state import RunState


def format_log_line(entry: TranscriptEntry, started_s: float) -> str:
    """``<sssss.mmm> <source>: <line>`` (EEMBC style); sent commands get ``<``."""
    t = max(0.0, entry.host_time_s - started_s)
    mark = "<" if entry.direction == "tx" else ":"
    text = entry.text + "%" if entry.direction == "tx" else entry.text
    return f"{t:09.3f} {entry.source}{mark} {text}"


def mlc_record(
    file: str,
    mode_letter: str,
    infer: dict[str, Any],
    *,
    classes: str | None = None,
    label: str | None = None,
    bytes_to_send: str | None = None,
    stride: str | None = None,
    total_length: int | None = None,
    power: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One ``results.json`` entry in the MLCommons runner's schema (one loop iteration)."""
    record: dict[str, Any] = {
        "file": file,
        "classes": classes,
        "class": label,
        "bytes_to_send": bytes_to_send,
        "stride": stride,
        "total_length": total_length,
        "infer": infer,
    }
    if power is not None:
        record["power"] = power
    record["mode"] = mode_letter
    return record


def write_artifacts(
    results_dir: Path,
    *,
    transcript: list[TranscriptEntry],
    started_s: float,
    summary: RunSummary,
    records: list[dict[str, Any]],
    state: RunState,
    reason: str | None,
) -> list[Path]:
    """Write log.txt, results.txt and results.json; return their paths."""
    results_dir.mkdir(parents=True, exist_ok=True)
    log = results_dir / "log.txt"
    with log.open("w", encoding="utf-8") as f:
        for entry in transcript:
            f.write(format_log_line(entry, started_s) + "\n")
        f.write(f"run {state.value}" + (f": {reason}" if reason else "") + "\n")
    results = results_dir / "results.txt"
    with results.open("w", encoding="utf-8") as f:
        for line in summary.report_lines:
            f.write(line + "\n")
        if state != RunState.DONE:
            f.write(f"ERROR: run {state.value}" + (f": {reason}" if reason else "") + "\n")
    records_path = results_dir / "results.json"
    records_path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    return [log, results, records_path]
