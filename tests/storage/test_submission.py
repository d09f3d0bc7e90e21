"""Submission export and the built-in lint with the checker's rules."""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from tinybench_gui.storage.png import encode_png, plot_band
from tinybench_gui.storage.reader import load_run
from tinybench_gui.storage.records import AccuracyRecord, OfficialResult, Samples, TimedWindow
from tinybench_gui.storage.submission import (
    SYSTEM_KEYS,
    SubmissionError,
    export_submission,
    lint_tree,
)
from tinybench_gui.storage.writer import RunWriter


def _decode_png(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, size = 8, b"", (0, 0)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    w, h = size
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + 3 * w)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(h, w, 3)


def test_png_round_trip() -> None:
    img = np.random.default_rng(0).integers(0, 255, (7, 5, 3), dtype=np.uint8)
    np.testing.assert_array_equal(_decode_png(encode_png(img)), img)
    band = _decode_png(plot_band(np.zeros(50), np.ones(50), np.full(50, 0.5)))
    assert band.shape == (20 + 300 + 20, 72 + 50 + 12, 3)
    assert (band == [31, 119, 180]).all(axis=2).sum() > 50 * 100  # the band is drawn


def read_text(img: np.ndarray, x: int, y: int, count: int) -> str:
    """Read ``count`` characters written with glyphs.draw_text at (x, y)."""
    from tinybench_gui.storage.glyphs import ADVANCE, GLYPH_H, GLYPH_W, GLYPHS

    ink = (img != 255).any(axis=2)
    out = ""
    for k in range(count):
        cell = ink[y : y + GLYPH_H, x + k * ADVANCE : x + k * ADVANCE + GLYPH_W]
        matches = [ch for ch, glyph in GLYPHS.items() if np.array_equal(cell, glyph)]
        assert len(matches) == 1, f"no single glyph at character {k}"
        out += matches[0]
    return out


def test_the_plot_is_labelled_with_its_range_span_and_title() -> None:
    from tinybench_gui.storage.glyphs import text_width

    lo = np.full(400, 1.9)
    hi = np.full(400, 7.9)
    png = plot_band(lo, hi, None, unit="mA", span_s=12.5, title="window 3: 41.27 uJ/inf")
    img = _decode_png(png)
    left, top, height = 72, 20, 300
    pad = 0.05 * 6.0
    top_label = f"{7.9 + pad:.4g} mA"
    bottom_label = f"{1.9 - pad:.4g} mA"
    assert read_text(img, left - 4 - text_width(top_label), top, len(top_label)) == top_label
    y_bottom = top + height - 7
    assert (
        read_text(img, left - 4 - text_width(bottom_label), y_bottom, len(bottom_label))
        == bottom_label
    )
    below = top + height + 4
    assert read_text(img, left, below, 3) == "0 s"
    assert read_text(img, left + 400 - text_width("12.5 s"), below, 6) == "12.5 s"
    assert read_text(img, left, (top - 7) // 2, 22) == "window 3: 41.27 uJ/inf"


def _run(path: Path, model: str, mode: str, **extra: object) -> Path:
    w = RunWriter.create(path, {"plan": {"mode": mode}, "model": model, "dut_name": "NUCLEO"})
    if mode == "energy":
        n = 20_000
        w.append_samples(Samples(0, 1000.0, {"current_a": np.ones(n, np.float32) * 1e-3}))
        for k in range(5):
            w.add_window(TimedWindow(k, 100, 2.0, k * 4000, k * 4000 + 2000, 1e-3, 5e-4))
        w.set_results([OfficialResult("median_energy_per_inference", 10.0, "uJ/inf.", True)])
    elif mode == "performance":
        for k in range(5):
            w.add_window(TimedWindow(k, 250, 10.5))
        w.set_results([OfficialResult("median_throughput", 23.8, "inf./sec.", True)])
    else:
        w.add_accuracy_result(AccuracyRecord("tst_000000_Stop_7.bin", 7, 7, [0.0] * 7 + [1.0]))
        w.set_results([OfficialResult("top1", 91.5, "%", True)])
    for name, content in extra.items():
        w.add_artifact(name.replace("_", "."), str(content))
    w.close("complete")
    return path


def test_export_then_lint_a_complete_benchmark(tmp_path: Path) -> None:
    root = tmp_path / "closed" / "tinybench"
    for mode in ("performance", "accuracy", "energy"):
        with load_run(_run(tmp_path / f"{mode}.h5", "kws01", mode)) as run:
            export_submission(run, root, "nucleo_l4r5zi")
    folder = root / "results" / "nucleo_l4r5zi" / "kws"
    assert sorted(p.name for p in (folder / "energy").iterdir()) == [
        "energy_inf_000.png",
        "energy_inf_001.png",
        "energy_inf_002.png",
        "energy_inf_003.png",
        "energy_inf_004.png",
        "log.txt",
        "results.json",
        "results.txt",
    ]
    assert "Median energy cost is 10.0000 uJ/inf." in (folder / "energy/results.txt").read_text()
    assert (
        "ulp-mlperf: Median throughput is     23.800 inf./sec."
        in (folder / "performance/results.txt").read_text()
    )
    assert "ulp-mlperf: Top 1% = 91.5" in (folder / "accuracy/results.txt").read_text()
    acc = json.loads((folder / "accuracy/results.json").read_text())
    assert acc[0]["file"] == "tst_000000_Stop_7.bin"
    system = json.loads((root / "systems" / "nucleo_l4r5zi.json").read_text())
    assert tuple(system) == SYSTEM_KEYS
    assert "system_type" not in system
    report = lint_tree(root)
    assert report.problems == []


def test_runner_artifacts_are_written_verbatim(tmp_path: Path) -> None:
    text = "0101.000000 ulp-mlperf: Median throughput is     42.000 inf./sec.\n"
    path = _run(tmp_path / "p.h5", "ic01", "performance", results_txt=text)
    with load_run(path) as run:
        export_submission(run, tmp_path / "sub", "board")
    assert (tmp_path / "sub/results/board/ic/performance/results.txt").read_text() == text


def test_export_refuses_overwrite_and_unfinished_runs(tmp_path: Path) -> None:
    path = _run(tmp_path / "p.h5", "vww01", "performance")
    with load_run(path) as run:
        export_submission(run, tmp_path / "sub", "board")
        with pytest.raises(SubmissionError, match="already holds results"):
            export_submission(run, tmp_path / "sub", "board")
    w = RunWriter.create(tmp_path / "c.h5", {"plan": {"mode": "performance"}, "model": "vww01"})
    w.close("cancelled", "stopped")
    with load_run(tmp_path / "c.h5") as run, pytest.raises(SubmissionError, match="complete"):
        export_submission(run, tmp_path / "sub2", "board")


def test_system_json_keeps_only_the_checkers_keys(tmp_path: Path) -> None:
    values = tmp_path / "values.json"
    values.write_text(json.dumps({"Board Name": "B", "system_type": "edge", "Extra": 1}))
    with load_run(_run(tmp_path / "p.h5", "ad01", "performance")) as run:
        export_submission(run, tmp_path / "sub", "board", values)
    data = json.loads((tmp_path / "sub/systems/board.json").read_text())
    assert data["Board Name"] == "B"
    assert set(data) == set(SYSTEM_KEYS)


def test_lint_finds_what_the_checker_rejects(tmp_path: Path) -> None:
    root = tmp_path / "sub"
    kws = root / "results" / "sys" / "kws"
    (kws / "performance").mkdir(parents=True)
    (kws / "performance" / "log.txt").write_text("x\n")
    (kws / "performance" / "results.txt").write_text("Median throughput is 3 inf./sec.\n")
    (kws / "energy").mkdir()
    (kws / "energy" / "results.txt").write_text("nothing\n")
    os.symlink(kws / "performance" / "log.txt", kws / "energy" / "log.txt")
    (root / "results" / "sys" / "ic2" / "accuracy").mkdir(parents=True)
    (root / "systems").mkdir()
    (root / "systems" / "sys.json").write_text(json.dumps({"Status": "soon", "system_type": "x"}))
    problems = "\n".join(lint_tree(root).problems)
    assert "the accuracy results are required" in problems
    assert "no 'Median throughput is' line" in problems  # no prefix before it: re.match fails
    assert "energy_inf_000.png is missing" in problems
    assert "symlinks are rejected" in problems
    assert "empty folders are rejected" in problems
    assert "submitting ic2 requires ic" in problems
    assert "system_type must be absent or null" in problems
    assert "Status must be one of" in problems
    assert "'Board Name' is missing" in problems
    assert "no energy score line" in problems
