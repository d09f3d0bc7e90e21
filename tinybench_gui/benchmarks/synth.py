"""Synthetic datasets in the official layout, labelled by the float reference model.

The official ``.bin`` inputs are not public, so ``tinybench dataset synth`` writes a
tree that every mode can run on: ``<out>/<model>/y_labels.csv`` plus ``.bin`` files
of the right size and type, with statistics of the real kind of data:

- KWS: MFCC-like int8 frames (a low first coefficient, smaller higher ones, smooth
  in time); IC/VWW: smooth natural-image-like colour fields with blobs.
  Each file is pushed, by a seeded random hill climb on the float model's output,
  towards a target class (round robin, so the set is class-balanced) until the
  float model gives it a randomly drawn confidence; the label written is the
  float model's argmax, whatever the climb reached. So labels are the float
  model's answers and the int8 model (the DUT) disagrees on some of them, as a
  quantized model does on real data.
- AD: 200 frames x 128 log-mel bins. A machine's stationary spectrum is a fixed
  point of the float autoencoder (iterated from a smooth start), so the
  autoencoder reconstructs it as it does the normal ToyCar sounds; frames add
  time-correlated noise and a slow gain drift. Anomalies add what the autoencoder
  never saw: narrow-band tones or broadband knocks of random strength, so their
  mean reconstruction error is higher but overlaps the normal files' (the float
  model's AUC is reported, below 1 by design).

``synth.json`` next to the label file records the seed, the models' hashes and
every file's float-model answer.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tinybench_gui.benchmarks.catalog import Benchmark
from tinybench_gui.benchmarks.processing import to_float_input
from tinybench_gui.benchmarks.scoring import binary_roc_auc
from tinybench_gui.models.lookup import find_model
from tinybench_gui.models.reference import ReferenceModel

SynthProgress = Callable[[int, int], None]  # (files written, files total)
_AD_FRAMES, _AD_BINS, _AD_WINDOW_FRAMES = 200, 128, 5


@dataclass(frozen=True, slots=True)
class SynthReport:
    """What ``synthesize`` wrote."""

    folder: Path
    label_file: Path
    files: int
    label_counts: tuple[int, ...]
    targets_reached: int  # classifier files whose float label is the class aimed at
    float_auc: float | None = None  # AD: the float model's AUC on the set


def default_count(benchmark: Benchmark) -> int:
    """The official set's size."""
    return benchmark.official_files or 100


class _FloatModel:
    def __init__(self, benchmark: Benchmark) -> None:
        self.benchmark = benchmark
        self.float_model = ReferenceModel(find_model(benchmark.float_model))
        int8 = ReferenceModel(find_model(benchmark.int8_model))
        self.int8_input = int8.input

    def probabilities(self, raw: bytes) -> npt.NDArray[np.float64]:
        x = to_float_input(self.benchmark, raw, self.int8_input)
        p = self.float_model.run(x).astype(np.float64)
        return p / max(float(p.sum()), 1e-30)


def _smooth_time(rng: np.random.Generator, shape: tuple[int, int], rho: float) -> Any:
    """AR(1) noise along axis 0 with unit variance."""
    e = rng.normal(0.0, 1.0, shape)
    out = np.empty(shape)
    out[0] = e[0]
    scale = math.sqrt(1 - rho * rho)
    for t in range(1, shape[0]):
        out[t] = rho * out[t - 1] + scale * e[t]
    return out


def _kws_base(rng: np.random.Generator, benchmark: Benchmark, scale: float, zp: int) -> Any:
    frames, coefs = benchmark.input_shape
    # Real MFCCs: a large negative c0 (log energy), higher coefficients shrinking.
    mean = np.zeros(coefs)
    mean[0] = rng.uniform(-45.0, -15.0)
    std = 14.0 / (1.0 + 0.35 * np.arange(coefs))
    real = mean + std * _smooth_time(rng, (frames, coefs), 0.75)
    return np.clip(np.round(real / scale + zp), -128, 127)


def _image_base(rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
    h, w, c = shape
    grid = rng.uniform(0, 255, (4, 4, c))
    ys = np.linspace(0, 3, h)
    xs = np.linspace(0, 3, w)
    y0 = np.clip(np.floor(ys).astype(int), 0, 2)
    x0 = np.clip(np.floor(xs).astype(int), 0, 2)
    fy = (ys - y0)[:, None, None]
    fx = (xs - x0)[None, :, None]
    img = (
        grid[y0][:, x0] * (1 - fy) * (1 - fx)
        + grid[y0 + 1][:, x0] * fy * (1 - fx)
        + grid[y0][:, x0 + 1] * (1 - fy) * fx
        + grid[y0 + 1][:, x0 + 1] * fy * fx
    )
    img = img + rng.normal(0, 6.0, img.shape)
    return np.clip(np.round(img), 0, 255)


def _perturb_kws(rng: np.random.Generator, x: Any) -> Any:
    frames, coefs = x.shape
    t0 = int(rng.integers(0, frames))
    c0 = int(rng.integers(0, coefs))
    t1 = min(frames, t0 + int(rng.integers(2, 16)))
    c1 = min(coefs, c0 + int(rng.integers(1, 5)))
    y = x.copy()
    y[t0:t1, c0:c1] += rng.normal(0, 10.0)
    return np.clip(np.round(y), -128, 127)


def _perturb_image(rng: np.random.Generator, x: Any) -> Any:
    h, w, c = x.shape
    cy, cx = rng.uniform(0, h), rng.uniform(0, w)
    sigma = rng.uniform(1.5, max(2.0, h / 4))
    yy, xx = np.mgrid[0:h, 0:w]
    blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * sigma * sigma))
    amplitude = rng.normal(0, 45.0, c)
    return np.clip(np.round(x + blob[:, :, None] * amplitude), 0, 255)


def _to_bytes(benchmark: Benchmark, x: Any) -> bytes:
    if benchmark.input_kind == "int8":
        return bytes(np.asarray(x, dtype=np.int64).astype(np.int8).tobytes())
    return bytes(np.asarray(x, dtype=np.int64).astype(np.uint8).tobytes())


def _climb(
    model: _FloatModel,
    x: Any,
    target: int,
    *,
    confidence: float,
    rng: np.random.Generator,
    perturb: Callable[[np.random.Generator, Any], Any],
    budget: int,
) -> tuple[Any, npt.NDArray[np.float64]]:
    """Random hill climb of log p[target] - log max(other p) until ``confidence``."""

    def objective(p: npt.NDArray[np.float64]) -> float:
        others = np.delete(p, target)
        return math.log(p[target] + 1e-12) - math.log(float(others.max()) + 1e-12)

    p = model.probabilities(_to_bytes(model.benchmark, x))
    best = objective(p)
    for _ in range(budget):
        if int(np.argmax(p)) == target and p[target] >= confidence:
            break
        candidate = perturb(rng, x)
        pc = model.probabilities(_to_bytes(model.benchmark, candidate))
        value = objective(pc)
        if value > best:
            x, p, best = candidate, pc, value
    return x, p


def _classifier_name(benchmark: Benchmark, index: int, label: int) -> str:
    if benchmark.model_id == "kws01":
        return f"tst_{index:06d}_{benchmark.class_names[label]}_{label}.bin"
    if benchmark.model_id == "vww01":
        return f"{index:012d}.bin"
    return f"synth_{benchmark.class_names[label]}_s_{index:06d}.bin"


def _synth_classifier(
    benchmark: Benchmark,
    folder: Path,
    count: int,
    rng: np.random.Generator,
    progress: SynthProgress | None,
) -> tuple[list[tuple[str, int]], list[dict[str, Any]], int]:
    model = _FloatModel(benchmark)
    rows: list[tuple[str, int]] = []
    details: list[dict[str, Any]] = []
    reached = 0
    budget = 400 if benchmark.model_id == "kws01" else 250
    for index in range(count):
        target = index % benchmark.num_classes
        confidence = float(rng.uniform(0.35, 0.95))
        if benchmark.model_id == "kws01":
            x = _kws_base(rng, benchmark, model.int8_input.scale, model.int8_input.zero_point)
            x, p = _climb(
                model,
                x,
                target,
                confidence=confidence,
                rng=rng,
                perturb=_perturb_kws,
                budget=budget,
            )
        else:
            x = _image_base(rng, benchmark.input_shape)
            x, p = _climb(
                model,
                x,
                target,
                confidence=confidence,
                rng=rng,
                perturb=_perturb_image,
                budget=budget,
            )
        label = int(np.argmax(p))
        reached += int(label == target)
        name = _classifier_name(benchmark, index, label)
        (folder / name).write_bytes(_to_bytes(benchmark, x))
        rows.append((name, label))
        details.append(
            {"file": name, "target": target, "label": label, "float": np.round(p, 6).tolist()}
        )
        if progress is not None:
            progress(index + 1, count)
    return rows, details, reached


class _AdGenerator:
    def __init__(self, benchmark: Benchmark) -> None:
        self.model = ReferenceModel(find_model(benchmark.float_model))

    def reconstruct(self, window: Any) -> Any:
        return self.model.run(np.asarray(window, dtype=np.float32).reshape(-1)).astype(np.float64)

    def profile(self, rng: np.random.Generator) -> Any:
        """A stationary spectrum the autoencoder reconstructs well (a fixed point)."""
        mel = np.arange(_AD_BINS)
        basis = np.array([np.cos(np.pi * k * mel / (_AD_BINS - 1)) for k in range(4)])
        for _ in range(20):
            p = -20.0 - 25.0 * mel / (_AD_BINS - 1) + rng.normal(0, 4.0, 4) @ basis
            for _ in range(40):
                p = self.reconstruct(np.tile(p, _AD_WINDOW_FRAMES)).reshape(5, -1).mean(axis=0)
            tiled = np.tile(p, _AD_WINDOW_FRAMES)
            error = float(np.mean((self.reconstruct(tiled) - tiled) ** 2))
            if error < 2.0 and p.max() < 10.0 and p.min() > -80.0:
                return p
        raise RuntimeError("the autoencoder has no usable fixed point near the start profiles")

    def normal(self, rng: np.random.Generator) -> Any:
        p = self.profile(rng)
        noise = _smooth_time(rng, (_AD_FRAMES, _AD_BINS), 0.6) * rng.uniform(2.9, 3.1)
        drift = np.cumsum(rng.normal(0, 0.2, _AD_FRAMES))[:, None]
        return p[None, :] + noise + drift - drift.mean()

    @staticmethod
    def anomaly(rng: np.random.Generator, frames: Any) -> Any:
        out = frames.copy()
        strength = rng.uniform(4.0, 12.0)
        if rng.integers(2) == 0:  # a whine: narrow-band tones over the whole clip
            for _ in range(int(rng.integers(1, 3))):
                b = int(rng.integers(0, _AD_BINS - 6))
                out[:, b : b + int(rng.integers(2, 6))] += strength
        else:  # knocks: short broadband bursts
            for _ in range(int(rng.integers(4, 12))):
                t = int(rng.integers(0, _AD_FRAMES - 5))
                out[t : t + int(rng.integers(1, 5))] += strength * rng.uniform(0.5, 1.0)
        return out

    def score(self, frames: Any) -> float:
        """Mean window MSE, as the accuracy run computes it."""
        errors = []
        for s in range(_AD_FRAMES - _AD_WINDOW_FRAMES + 1):
            window = frames[s : s + _AD_WINDOW_FRAMES].reshape(-1)
            window32 = window.astype(np.float32).astype(np.float64)
            errors.append(float(np.mean((self.reconstruct(window32) - window32) ** 2)))
        return float(np.mean(errors))


def _synth_ad(
    benchmark: Benchmark,
    folder: Path,
    count: int,
    rng: np.random.Generator,
    progress: SynthProgress | None,
) -> tuple[list[tuple[str, int]], list[dict[str, Any]], float | None]:
    gen = _AdGenerator(benchmark)
    rows: list[tuple[str, int]] = []
    details: list[dict[str, Any]] = []
    scores: list[float] = []
    for index in range(count):
        label = index % 2  # the official set is 140 normal / 108 anomaly; alt 36/36
        frames = gen.normal(rng)
        if label:
            frames = gen.anomaly(rng, frames)
        kind = "anomaly" if label else "normal"
        name = f"{kind}_id_01_{index:08d}_hist_librosa.bin"
        (folder / name).write_bytes(frames.astype("<f4").tobytes())
        score = gen.score(frames)
        scores.append(score)
        rows.append((name, label))
        details.append({"file": name, "label": label, "float_score": round(score, 6)})
        if progress is not None:
            progress(index + 1, count)
    labels = [r[1] for r in rows]
    auc = binary_roc_auc(labels, scores) if len(set(labels)) == 2 else None
    return rows, details, auc


def synthesize(
    benchmark: Benchmark,
    out_root: Path,
    *,
    count: int | None = None,
    seed: int = 0,
    progress: SynthProgress | None = None,
) -> SynthReport:
    """Write ``<out_root>/<model>/y_labels.csv`` and ``count`` inputs; deterministic per seed."""
    n = default_count(benchmark) if count is None else count
    if n < 1:
        raise ValueError("count must be at least 1")
    folder = out_root / benchmark.dataset_folder
    folder.mkdir(parents=True, exist_ok=True)
    labels = folder / "y_labels.csv"
    rng = np.random.default_rng([seed, sum(benchmark.model_id.encode())])
    auc: float | None = None
    if benchmark.metric == "auc":
        rows, details, auc = _synth_ad(benchmark, folder, n, rng, progress)
        lines = [
            f"{name},2,{label},{benchmark.window_bytes},{benchmark.stride_bytes}"
            for name, label in rows
        ]
        reached = n
    else:
        rows, details, reached = _synth_classifier(benchmark, folder, n, rng, progress)
        lines = [f"{name},{benchmark.num_classes},{label}" for name, label in rows]
    labels.write_text("\n".join(lines) + "\n", encoding="ascii")
    counts = [0] * len(benchmark.label_names)
    for _, label in rows:
        counts[label] += 1
    (folder / "synth.json").write_text(
        json.dumps(
            {
                "generator": "tinybench dataset synth",
                "benchmark": benchmark.model_id,
                "seed": seed,
                "count": n,
                "float_model_sha256": benchmark.float_model.sha256,
                "int8_model_sha256": benchmark.int8_model.sha256,
                "label_counts": counts,
                "float_auc": auc,
                "files": details,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    return SynthReport(folder, labels, n, tuple(counts), reached, auc)
