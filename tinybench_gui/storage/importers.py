"""Bring old runs into the run-file layout: MLCommons sessions and EEMBC energy traces.

MLCommons runner session folder (``sessions/YYYYMMDD_HHMMSS/``, benchmark.md §2.1):
``results.json`` (one dict per loop iteration, with ``power.samples`` in J per
1 kHz sample and ``power.timestamps`` as ``[event, sample_index]`` in energy mode),
``results.txt``, ``log.txt`` and ``energy_inf_NNN.png``. The files are kept
verbatim as artifacts; windows, accuracy rows, edges, samples and results are
rebuilt from them.

EEMBC EnergyRunner (benchmark.md §2.2): ``<name>-energy.bin`` plus
``<name>-timestamps.json`` (timestamp pulses in seconds) and the session
``log.txt`` (``<sssss.mmm> <source>: <msg>`` lines). The ``.bin`` encoding is not
in the ground truth we have: it is read as little-endian float32 values of
energy in J per sample at 1 kHz by default, and ``dtype``, ``sample_rate_hz`` and
``quantity`` override that. Windows are the timestamp pairs 2-3, 4-5, … as the
EnergyRunner reports them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from tinybench_gui.storage import layout
from tinybench_gui.storage.records import (
    AccuracyRecord,
    OfficialResult,
    Samples,
    TimedWindow,
    TranscriptLine,
)
from tinybench_gui.storage.writer import RunWriter


class RunImportError(Exception):
    """The source folder cannot be imported; the message says why."""


_MODEL = re.compile(r"m-model-\[([^\]]+)\]")
_TOP1 = re.compile(r".* Top[- ]1%?\s?[:=] ([\d\.]+).*")
_AUC = re.compile(r".* AUC\s?[:=] ([\d\.]+).*")
_THROUGHPUT = re.compile(r".* Median throughput is\s+([\d\.]+) inf\./sec\..*")
_ENERGY = re.compile(r"Median energy cost is ([\d\.]+) uJ/inf")
_EEMBC_LOG = re.compile(r"^\s*(\d+\.\d+)\s+(\w+):\s?(.*)$")
_INFER = re.compile(r"infer (\d+)")
_MODE_LETTERS = {"p": "performance", "a": "accuracy", "e": "energy"}


def detect_kind(source: Path) -> str:
    """``mlcommons`` or ``eembc`` from the files in ``source``."""
    if (source / "results.json").is_file():
        return "mlcommons"
    if list(source.glob("*-energy.bin")):
        return "eembc"
    raise RunImportError(
        f"{source} holds neither results.json (MLCommons session) nor *-energy.bin "
        "(EEMBC EnergyRunner trace)"
    )


def import_run(source: str | os.PathLike[str], out: str | os.PathLike[str], **options: Any) -> Path:
    """Import the session or trace folder ``source`` into a new run file ``out``."""
    src = Path(source)
    if not src.is_dir():
        raise RunImportError(f"{src} is not a folder")
    kind = options.pop("kind", None) or detect_kind(src)
    if kind == "mlcommons":
        return import_mlcommons_session(src, out)
    if kind == "eembc":
        return import_eembc_trace(src, out, **options)
    raise RunImportError(f"unknown import kind {kind!r}")


def _results_from_text(text: str) -> list[OfficialResult]:
    errors = [line.strip() for line in text.splitlines() if "ERROR" in line]
    reason = "; ".join(errors)
    out = []
    for line in text.splitlines():
        for name, pattern, units, search in (
            ("top1", _TOP1, "%", False),
            ("auc", _AUC, "", False),
            ("median_throughput", _THROUGHPUT, "inf./sec.", False),
            ("median_energy_per_inference", _ENERGY, "uJ/inf.", True),
        ):
            m = pattern.search(line) if search else pattern.match(line)
            if m:
                out.append(OfficialResult(name, float(m.group(1)), units, not errors, reason))
    return out


def _read_text(path: Path) -> str:
    return path.read_text("utf-8", "replace") if path.is_file() else ""


def _finish(path: Path, source: Path) -> Path:
    with h5py.File(path, "a", libver=layout.LIBVER) as f:
        f.attrs[layout.ATTR_IMPORTED_FROM] = str(source)
    return path


def _store_files(writer: RunWriter, source: Path, names: list[str]) -> None:
    for name in names:
        p = source / name
        if p.is_file():
            text = p.suffix in (".txt", ".json", ".async")
            writer.add_artifact(name, p.read_text("utf-8", "replace") if text else p.read_bytes())


def import_mlcommons_session(source: Path, out: str | os.PathLike[str]) -> Path:
    """Import an MLCommons runner ``sessions/<stamp>/`` folder."""
    try:
        records = json.loads((source / "results.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RunImportError(f"cannot read {source / 'results.json'}: {exc}") from None
    if not isinstance(records, list):
        raise RunImportError(f"{source / 'results.json'} is not a list of loop iterations")
    log = (
        (source / "log.txt").read_text("utf-8", "replace") if (source / "log.txt").is_file() else ""
    )
    results_txt = (
        (source / "results.txt").read_text("utf-8", "replace")
        if (source / "results.txt").is_file()
        else ""
    )
    letters = {str(r.get("mode", "")) for r in records if isinstance(r, Mapping)}
    mode = _MODE_LETTERS.get(next(iter(letters)) if len(letters) == 1 else "", "")
    model_match = _MODEL.search(log)
    provenance = {
        "mode": mode,
        "model": model_match.group(1) if model_match else "",
        "plan": {"mode": mode},
        "imported_from": str(source),
        "importer": "mlcommons-session",
    }
    writer = RunWriter.create(out, provenance)
    try:
        offset = 0
        for k, rec in enumerate(records):
            if not isinstance(rec, Mapping):
                continue
            infer = rec.get("infer") or {}
            iterations = int(infer.get("iterations") or 0)
            runtime_s = float(infer.get("elapsed_time") or 0) / 1e6
            if mode == "accuracy":
                res = [float(v) for v in infer.get("results") or []]
                predicted = int(np.argmax(res)) if res else -1
                true = int(rec["class"]) if str(rec.get("class", "")).isdigit() else -1
                writer.add_accuracy_result(
                    AccuracyRecord(str(rec.get("file", "")), true, predicted, res)
                )
                continue
            power = rec.get("power") or {}
            samples = np.asarray(power.get("samples") or [], np.float64)
            window = TimedWindow(k, iterations, runtime_s, note=str(rec.get("file", "")))
            if samples.size:
                writer.append_samples(Samples(offset, 1000.0, {"energy_j": samples}))
                stamps = [int(t[1]) for t in power.get("timestamps") or [] if len(t) > 1]
                if stamps:
                    writer.add_edges(np.asarray(stamps) + offset, 0, -1)
                if len(stamps) >= 2:  # the MLCommons runner takes the last two events
                    i0, i1 = stamps[-2], stamps[-1]
                    energy_j = float(samples[i0:i1].sum())
                    elapsed_s = (i1 - i0) / 1000.0
                    window = TimedWindow(
                        k,
                        iterations,
                        runtime_s or elapsed_s,
                        offset + i0,
                        offset + i1,
                        energy_j,
                        energy_j / elapsed_s if elapsed_s > 0 else float("nan"),
                        elapsed_s >= 10.0,
                        str(rec.get("file", "")),
                    )
                offset += samples.size
            writer.add_window(window)
        for line in log.splitlines():
            writer.add_transcript(TranscriptLine(float("nan"), "log", "rx", line))
        writer.set_results(_results_from_text(results_txt))
        pngs = sorted(p.name for p in source.glob("energy_inf_*.png"))
        _store_files(writer, source, ["log.txt", "results.txt", "results.json", *pngs])
    except BaseException as exc:
        writer.close("failed", f"import failed: {exc}")
        raise
    writer.close("complete", f"imported from {source}")
    return _finish(writer.path, source)


def import_eembc_trace(
    source: Path,
    out: str | os.PathLike[str],
    *,
    sample_rate_hz: float = 1000.0,
    dtype: str = "<f4",
    quantity: str = "energy_j",
) -> Path:
    """Import an EEMBC EnergyRunner energy trace folder."""
    bins = sorted(source.glob("*-energy.bin"))
    if not bins:
        raise RunImportError(f"{source} has no *-energy.bin trace")
    trace = bins[0]
    stem = trace.name[: -len("-energy.bin")]
    stamps_path = source / f"{stem}-timestamps.json"
    raw = np.fromfile(trace, dtype=np.dtype(dtype))
    if raw.size == 0:
        raise RunImportError(f"{trace} is empty")
    stamps: list[float] = []
    if stamps_path.is_file():
        try:
            stamps = [float(t) for t in json.loads(stamps_path.read_text(encoding="utf-8"))]
        except (json.JSONDecodeError, TypeError, ValueError) as exc:
            raise RunImportError(f"{stamps_path} is not a JSON list of seconds: {exc}") from None
    duration_s = raw.size / sample_rate_hz
    if stamps and max(stamps) > duration_s * 1.01:
        raise RunImportError(
            f"the last timestamp ({max(stamps):.3f} s) lies after the end of the trace "
            f"({duration_s:.3f} s at {sample_rate_hz:g} Hz): pass the right --sample-rate-hz"
        )
    log = _read_text(source / "log.txt")
    model_match = _MODEL.search(log)
    infer = _INFER.findall(log)
    iterations = int(infer[-1]) if infer else 0
    provenance = {
        "mode": "energy",
        "model": model_match.group(1) if model_match else "",
        "plan": {"mode": "energy"},
        "imported_from": str(source),
        "importer": "eembc-energyrunner",
        "trace_encoding": {"dtype": dtype, "sample_rate_hz": sample_rate_hz, "quantity": quantity},
    }
    writer = RunWriter.create(out, provenance)
    try:
        values = raw.astype(np.float64 if quantity == "energy_j" else np.float32)
        writer.append_samples(Samples(0, sample_rate_hz, {quantity: values}))
        idx = np.round(np.asarray(stamps) * sample_rate_hz).astype(np.int64)
        if idx.size:
            writer.add_edges(idx, 0, -1)
        energies = []
        for w, k in enumerate(range(1, len(idx) - 1, 2)):
            i0, i1 = int(idx[k]), int(idx[k + 1])
            elapsed_s = (i1 - i0) / sample_rate_hz
            energy_j = float(raw[i0:i1].sum()) if quantity == "energy_j" else float("nan")
            energies.append(energy_j / iterations if iterations else float("nan"))
            writer.add_window(
                TimedWindow(
                    w,
                    iterations,
                    elapsed_s,
                    i0,
                    i1,
                    energy_j,
                    energy_j / elapsed_s if elapsed_s > 0 else float("nan"),
                    elapsed_s >= 10.0,
                )
            )
        for line in log.splitlines():
            m = _EEMBC_LOG.match(line)
            if m:
                writer.add_transcript(
                    TranscriptLine(float(m.group(1)), m.group(2), "rx", m.group(3))
                )
        finite = [e for e in energies if np.isfinite(e)]
        if finite:
            writer.set_results(
                [
                    OfficialResult(
                        "median_energy_per_inference",
                        float(np.median(finite)) * 1e6,
                        "uJ/inf.",
                        len(finite) == 5,
                        "" if len(finite) == 5 else f"{len(finite)} windows, the rules need 5",
                    )
                ]
            )
        _store_files(writer, source, ["log.txt", stamps_path.name, "script.async"])
    except BaseException as exc:
        writer.close("failed", f"import failed: {exc}")
        raise
    writer.close("complete", f"imported from {source}")
    return _finish(writer.path, source)
