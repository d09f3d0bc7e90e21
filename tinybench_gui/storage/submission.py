"""MLCommons submission files from a run, and a lint with the checker's file rules.

Layout (benchmark.md §7)::

    <DIR>/results/<system>/<ad|ic|ic2|kws|vww|sww>/<accuracy|performance|energy>/
        log.txt  results.txt  results.json  [energy_inf_NNN.png]
    <DIR>/systems/<system>.json

A run recorded by tinybench carries the runner's own log.txt, results.txt and
results.json as artifacts; they are written verbatim. For runs without them
(imports) the files are rebuilt from the run's tables in the same formats.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinybench_gui.storage.png import plot_band
from tinybench_gui.storage.reader import Run

#: Model id -> benchmark folder name in a submission.
BENCHMARK_DIRS = {
    "kws01": "kws",
    "vww01": "vww",
    "ic01": "ic",
    "ic02": "ic2",
    "ad01": "ad",
    "sww01": "sww",
}
MODES = ("accuracy", "performance", "energy")

#: Exactly the keys the checker reads from systems/<name>.json (no system_type).
SYSTEM_KEYS = (
    "Status",
    "Board Name",
    "Processor(s) Name",
    "Processor(s) Frequencies",
    "Processor memory type and capacity",
    "Accelerator",
    "Accelerator(s) Frequencies",
    "Accelerator memory type and capacity",
    "Hardware Notes",
    "Inference Framework",
    "Software Libraries",
    "Software Notes",
)
SYSTEM_STATUSES = ("available", "preview", "rdi")

_MAX_FILE_BYTES = 500 * 1024**2
_TOP1 = re.compile(r".* Top[- ]1%?\s?[:=] ([\d\.]+).*")
_AUC = re.compile(r".* AUC\s?[:=] ([\d\.]+).*")
_THROUGHPUT = re.compile(r".* Median throughput is\s+([\d\.]+) inf\./sec\..*")
_ENERGY = re.compile(r"Median energy cost is ([\d\.]+) uJ/inf")
_SWW_POWER = re.compile(r"Power\s+: ([\d\.]+) mW")


class SubmissionError(Exception):
    """The run cannot be exported as submission files; the message says why."""


@dataclass
class LintReport:
    """Problems the checker rejects, and warnings it only prints."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- export


def export_submission(
    run: Run,
    root: str | os.PathLike[str],
    system: str,
    system_json: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Write this run's files into the submission tree at ``root``; returns the paths.

    Never overwrites: a mode folder that already holds results is an error, and an
    existing ``systems/<system>.json`` is kept.
    """
    if not system or "/" in system or system.startswith("."):
        raise SubmissionError(f"system name {system!r} must be a plain folder name")
    model = run.model
    if model not in BENCHMARK_DIRS:
        raise SubmissionError(
            f"{run.path}: benchmark {model or '(unknown)'} has no submission folder; "
            f"known: {', '.join(BENCHMARK_DIRS)}"
        )
    mode = run.mode
    if mode not in MODES:
        raise SubmissionError(f"{run.path}: mode {mode or '(unknown)'} is not one of {MODES}")
    if run.status.state.value != "complete":
        raise SubmissionError(
            f"{run.path} did not complete ({run.status.describe()}); only complete runs "
            "can be submitted"
        )
    base = Path(root)
    folder = base / "results" / system / BENCHMARK_DIRS[model] / mode
    if folder.exists() and any(folder.iterdir()):
        raise SubmissionError(f"{folder} already holds results; move it away first")
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}
    for name in ("log.txt", "results.txt", "results.json"):
        if name in run.artifacts:
            files[name] = run.artifact(name)
    files.setdefault("log.txt", _log_txt(run).encode())
    files.setdefault("results.txt", _results_txt(run, model).encode())
    files.setdefault("results.json", json.dumps(_results_json(run), indent=1).encode())
    if mode == "energy":
        png_names = [a for a in run.artifacts if re.fullmatch(r"energy_inf_\d{3}\.png", a)]
        pngs = {a: run.artifact(a) for a in png_names}
        files.update(pngs or _energy_pngs(run))
    written = []
    for name, content in files.items():
        path = folder / name
        path.write_bytes(content)
        written.append(path)
    systems = base / "systems"
    systems.mkdir(parents=True, exist_ok=True)
    sys_path = systems / f"{system}.json"
    if not sys_path.exists():
        values = _load_json(system_json) if system_json is not None else {}
        sys_path.write_text(json.dumps(system_description(values, run), indent=2) + "\n")
        written.append(sys_path)
    return written


def system_description(values: Mapping[str, Any], run: Run | None = None) -> dict[str, Any]:
    """The checker's keys, filled from ``values`` (other keys dropped) or the run."""
    prov = run.provenance if run is not None else {}
    defaults = {
        "Status": "available",
        "Board Name": str(prov.get("dut_name", "")),
        "Inference Framework": str(prov.get("inference_framework", "")),
        "Software Notes": f"measured with tinybench {run.tinybench_version}" if run else "",
    }
    out: dict[str, Any] = {}
    for key in SYSTEM_KEYS:
        out[key] = values.get(key, defaults.get(key, ""))
    status = str(out["Status"]).lower()
    if status not in SYSTEM_STATUSES:
        raise SubmissionError(f"Status must be one of {SYSTEM_STATUSES}, not {out['Status']!r}")
    return out


def _load_json(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SubmissionError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise SubmissionError(f"{path} must hold a JSON object")
    return data


def _stamp(run: Run) -> str:
    created = run.status.created_utc
    try:
        t = time.strptime(created[:19], "%Y-%m-%dT%H:%M:%S")
        return time.strftime("%m%d.%H%M%S", t)
    except ValueError:
        return "0000.000000"


def _log_txt(run: Run) -> str:
    rows = run.table("transcript")
    t0 = float(rows["host_time_s"][0]) if len(rows) else 0.0
    lines = []
    for r in rows:
        tx = r["direction"] == "tx"
        text = f"{r['line']}%" if tx else str(r["line"])
        t = float(r["host_time_s"]) - t0
        lines.append(f"{t:09.3f} {r['source']}{'<' if tx else ':'} {text}")
    lines.append(f"run {run.status.state.value}")
    return "\n".join(lines) + "\n"


def _results_txt(run: Run, model: str) -> str:
    stamp = _stamp(run)
    lines = []
    for r in run.results:
        if not math.isfinite(r.value):
            continue
        if r.name in ("top1", "top1_percent"):
            lines.append(f"{stamp} ulp-mlperf: Top 1% = {r.value:.1f}")
        elif r.name == "auc":
            lines.append(f"{stamp} ulp-mlperf: AUC = {r.value:.3f}")
        elif r.name == "median_throughput":
            lines.append(f"{stamp} ulp-mlperf: Median throughput is {r.value:10.3f} inf./sec.")
        elif r.name == "median_energy_per_inference":
            lines.append(f"Median energy cost is {r.value:5.4f} uJ/inf.")
        elif r.name == "average_power" and model == "sww01":
            lines.append(f"Power : {r.value:.4f} mW.")
        if not r.valid and r.reason:
            lines.append(f"ERROR: Not valid for submission. {r.reason}")
    return "\n".join(lines) + ("\n" if lines else "")


def _results_json(run: Run) -> list[dict[str, Any]]:
    letter = {"performance": "p", "accuracy": "a", "energy": "e"}.get(run.mode, "")
    out: list[dict[str, Any]] = []
    if run.mode == "accuracy":
        for r in run.table("accuracy"):
            out.append(
                {
                    "file": r["file"],
                    "class": str(int(r["true_class"])),
                    "infer": {"results": [float(v) for v in r["results"]]},
                    "mode": letter,
                }
            )
        return out
    for w in run.table("windows"):
        runtime = float(w["runtime_s"])
        entry: dict[str, Any] = {
            "infer": {
                "elapsed_time": round(runtime * 1e6),
                "iterations": int(w["iterations"]),
                "throughput": int(w["iterations"]) / runtime if runtime > 0 else None,
            },
            "mode": letter,
        }
        if run.mode == "energy" and math.isfinite(float(w["energy_j"])):
            entry["power"] = {"energy_j": float(w["energy_j"]), "power_w": float(w["power_w"])}
        out.append(entry)
    return out


def _energy_pngs(run: Run) -> dict[str, bytes]:
    windows = run.table("windows")
    channel = "current_a" if "current_a" in run.channels else next(iter(run.channels), None)
    if channel is None:
        raise SubmissionError(f"{run.path}: an energy run needs samples to plot")
    rate = run.channels[channel].sample_rate_hz
    spans = [
        (int(w["start_sample"]) / rate, int(w["stop_sample"]) / rate)
        for w in windows
        if int(w["start_sample"]) >= 0 and int(w["stop_sample"]) > int(w["start_sample"])
    ]
    if not spans:
        ch = run.channels[channel]
        spans = [(ch.t0_s, ch.t0_s + ch.duration_s)]
    pngs = {}
    for k, (t0, t1) in enumerate(spans):
        stats = run.view(t0, t1, 800, [channel]).channels[channel]
        scale, unit = (1e3, "mA") if channel == "current_a" else (1.0, "")
        pngs[f"energy_inf_{k:03d}.png"] = plot_band(
            stats.min * scale,
            stats.max * scale,
            stats.mean * scale,
            unit=unit,
            span_s=t1 - t0,
            title=f"window {k + 1}",
        )
    return pngs


# --------------------------------------------------------------------------- lint


def _required(mode: str, eembc: bool) -> tuple[str, ...]:
    if eembc:
        return ("log.txt", "results.txt", "script.async")
    if mode == "energy":
        return ("log.txt", "results.txt", "energy_inf_000.png")
    return ("log.txt", "results.txt")


def lint_tree(root: str | os.PathLike[str]) -> LintReport:
    """Check a submission tree with the checker's file rules (benchmark.md §7)."""
    base = Path(root)
    report = LintReport()
    results = base / "results"
    if not results.is_dir():
        report.problems.append(f"{results} is missing")
        return report
    _walk_files(base, report)
    for sys_dir in sorted(p for p in results.iterdir() if p.is_dir()):
        _lint_system_json(base / "systems" / f"{sys_dir.name}.json", report)
        benches = {p.name: p for p in sys_dir.iterdir() if p.is_dir()}
        for bench, bdir in sorted(benches.items()):
            if bench not in BENCHMARK_DIRS.values():
                report.problems.append(f"{bdir}: unknown benchmark folder {bench!r}")
                continue
            eembc = (bdir / "EEMBC_RUNNER").exists()
            modes = {p.name for p in bdir.iterdir() if p.is_dir()}
            needed = {"accuracy", "performance"} if bench != "sww" else set()
            for missing in sorted(needed - modes):
                report.problems.append(f"{bdir}: the {missing} results are required")
            if bench == "sww" and not modes & {"energy", "performance"}:
                report.problems.append(f"{bdir}: sww needs a performance or energy folder")
            for mode in sorted(modes):
                _lint_mode(bdir / mode, bench, mode, eembc, report)
        if "ic2" in benches and "ic" not in benches:
            report.problems.append(f"{sys_dir}: submitting ic2 requires ic")
    return report


def _walk_files(base: Path, report: LintReport) -> None:
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        d = Path(dirpath)
        for name in list(dirnames):
            p = d / name
            if p.is_symlink():
                report.problems.append(f"{p}: symlinks are rejected")
                dirnames.remove(name)
            elif name == "__pycache__":
                report.problems.append(f"{p}: __pycache__ folders are rejected")
        if not dirnames and not filenames and d != base:
            report.problems.append(f"{d}: empty folders are rejected")
        for name in filenames:
            p = d / name
            if p.is_symlink():
                report.problems.append(f"{p}: symlinks are rejected")
            elif p.stat().st_size > _MAX_FILE_BYTES:
                report.problems.append(f"{p}: files over 500 MB are rejected")
            if name.startswith(".") and name != ".gitkeep":
                report.warnings.append(f"{p}: dotfile")
            if " " in name:
                report.warnings.append(f"{p}: space in the file name")


def _lint_mode(folder: Path, bench: str, mode: str, eembc: bool, report: LintReport) -> None:
    if mode not in MODES:
        report.problems.append(f"{folder}: unknown mode folder {mode!r}")
        return
    for name in _required(mode, eembc):
        if not (folder / name).is_file():
            report.problems.append(f"{folder}: {name} is missing")
    if not eembc and not (folder / "results.json").is_file():
        report.warnings.append(f"{folder}: results.json is missing (optional for the checker)")
    results = folder / "results.txt"
    if not results.is_file():
        return
    lines = results.read_text(encoding="utf-8", errors="replace").splitlines()
    text = "\n".join(lines)
    if mode == "accuracy":
        pattern = _AUC if bench == "ad" else _TOP1
        if bench != "sww" and not any(pattern.match(line) for line in lines):
            what = "AUC" if bench == "ad" else "Top-1"
            report.problems.append(f"{results}: no {what} line the checker can read")
    elif mode == "performance" and bench != "sww":
        if not any(_THROUGHPUT.match(line) for line in lines):
            report.problems.append(f"{results}: no 'Median throughput is' line")
    elif mode == "energy":
        pattern = _SWW_POWER if bench == "sww" else _ENERGY
        if not pattern.search(text):
            report.problems.append(f"{results}: no energy score line the checker can read")


def _lint_system_json(path: Path, report: LintReport) -> None:
    if not path.is_file():
        report.problems.append(f"{path} is missing")
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        report.problems.append(f"{path}: not valid JSON ({exc})")
        return
    if not isinstance(data, dict):
        report.problems.append(f"{path}: must hold a JSON object")
        return
    if data.get("system_type") is not None:
        report.problems.append(f"{path}: system_type must be absent or null")
    for key in SYSTEM_KEYS:
        if key not in data:
            report.problems.append(f"{path}: key {key!r} is missing")
    status = str(data.get("Status", "")).lower()
    if status not in SYSTEM_STATUSES:
        report.problems.append(f"{path}: Status must be one of {', '.join(SYSTEM_STATUSES)}")
