"""The official accuracy scoring, in numpy (benchmark.md §2.1, ``summarize_result``).

The MLCommons runner groups the results by file, normalises every classifier vector
to sum 1 (``s / sum(scores)``), averages a file's vectors, and then computes:

- ``Top 1% = 100 * correct / N`` from the argmax of each file's vector; for AD (one
  value per file) a "Top 1%" that is the best ``100 * (precision + recall) / 2``
  over 100 thresholds (printed, but not the official metric);
- ``AUC = roc_auc_score(y_true, y_pred[:, 1])`` for two classes,
  ``roc_auc_score(y_true, y_pred, multi_class='ovr')`` (macro average) for more, and
  ``roc_auc_score(y_true, score)`` for AD.

The ROC AUC below follows scikit-learn's computation step by step (stable sort,
tied scores collapsed into one ROC point, trapezoids), so ties count one half as
they do there. scikit-learn itself is not needed at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class ScoringError(ValueError):
    """The metric is not defined for these labels (scikit-learn would raise too)."""


def normalize(values: Sequence[float]) -> list[float]:
    """``[s / sum(values) for s in values]`` with Python floats, as the runner does.

    A vector of one value (AD) is kept as it is. A vector that sums to zero cannot
    be normalised; the official runner would stop with ZeroDivisionError, here it
    becomes all zeros (counted as class 0) and the caller notes it.
    """
    if len(values) == 1:
        return [float(values[0])]
    total = sum(float(v) for v in values)
    if total == 0:
        return [0.0] * len(values)
    return [float(v) / total for v in values]


def file_vector(window_results: Sequence[Sequence[float]]) -> FloatArray:
    """A file's prediction: the mean of its (normalised) per-inference vectors."""
    rows = [normalize(r) for r in window_results]
    mean: FloatArray = np.mean(np.asarray(rows, dtype=np.float64), axis=0)
    return mean


def top1_percent(y_pred: FloatArray, labels: IntArray) -> float:
    """``100 * correct / N`` with the argmax of each row (first maximum wins)."""
    if len(labels) == 0:
        raise ScoringError("no files to score")
    predicted = np.argmax(y_pred, axis=1)
    correct = int(np.sum(labels == predicted))
    return 100 * correct / len(y_pred)


def anomaly_top1_percent(scores: FloatArray, labels: IntArray) -> float:
    """The runner's AD "Top 1%": best ``100*(precision+recall)/2`` over 100 thresholds."""
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    low, high = np.amin(scores), np.amax(scores)
    best = 0.0
    for threshold in low + np.arange(0.0, 1.0, 0.01) * (high - low):
        predicted = scores > threshold
        tp = int(np.sum(predicted[labels == 1]))
        fp = int(np.sum(predicted[labels == 0]))
        fn = int(np.sum(~predicted[labels == 1]))
        precision = tp / (tp + fp + 1e-8)
        recall = tp / (tp + fn + 1e-8)
        best = max(best, 100 * (precision + recall) / 2)
    return best


def binary_roc_auc(y_true: npt.ArrayLike, y_score: npt.ArrayLike) -> float:
    """Area under the ROC curve of binary labels (the larger label is positive)."""
    y = np.asarray(y_true).reshape(-1)
    s = np.asarray(y_score, dtype=np.float64).reshape(-1)
    if y.shape != s.shape:
        raise ScoringError(f"{y.size} labels but {s.size} scores")
    classes = np.unique(y)
    if len(classes) != 2:
        raise ScoringError(
            "Only one class present in y_true. ROC AUC score is not defined in that case."
        )
    positive = (y == classes[1]).astype(np.float64)
    # The ROC points: sort by decreasing score (stable), one point per distinct score.
    order = np.argsort(s, kind="mergesort")[::-1]
    s, positive = s[order], positive[order]
    distinct = np.where(np.diff(s))[0]
    threshold_idx = np.r_[distinct, positive.size - 1]
    tps = np.cumsum(positive, dtype=np.float64)[threshold_idx]
    fps = 1 + threshold_idx - tps
    # Collinear points change nothing in the area; dropped as roc_curve does.
    if len(fps) > 2:
        keep = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])[0]
        fps, tps = fps[keep], tps[keep]
    tps = np.r_[0, tps]
    fps = np.r_[0, fps]
    fpr = fps / fps[-1]
    tpr = tps / tps[-1]
    # np.trapz's arithmetic (np.trapezoid does not exist in numpy 1.26).
    return float((np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0).sum())


def ovr_roc_auc(y_true: npt.ArrayLike, y_score: npt.ArrayLike) -> float:
    """Macro one-vs-rest ROC AUC, as ``roc_auc_score(multi_class='ovr')``."""
    y = np.asarray(y_true).reshape(-1)
    scores = np.asarray(y_score, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[0] != y.size:
        raise ScoringError(f"scores of shape {scores.shape} for {y.size} labels")
    if not np.allclose(1, scores.sum(axis=1)):
        raise ScoringError(
            "Target scores need to be probabilities for multiclass roc_auc, i.e. they "
            "should sum up to 1.0 over classes"
        )
    classes = np.unique(y)
    if len(classes) != scores.shape[1]:
        raise ScoringError(
            f"Number of classes in y_true ({len(classes)}) not equal to the number of "
            f"columns in 'y_score' ({scores.shape[1]}): every class needs at least one file"
        )
    areas = [binary_roc_auc(y == c, scores[:, i]) for i, c in enumerate(classes)]
    return float(np.mean(areas))


def classifier_auc(y_pred: FloatArray, labels: IntArray) -> float:
    """The runner's AUC for classifiers: column 1 for two classes, one-vs-rest otherwise."""
    if y_pred.shape[1] == 2:
        return binary_roc_auc(labels, y_pred[:, 1])
    return ovr_roc_auc(labels, y_pred)


def confusion_matrix(labels: IntArray, predicted: IntArray, num_classes: int) -> IntArray:
    """``m[true, predicted]`` counts."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


@dataclass(frozen=True, slots=True)
class AccuracyScore:
    """Everything the accuracy report needs."""

    metric: str  # "top1" or "auc": the benchmark's official metric
    files: int
    top1_percent: float | None
    auc: float | None
    auc_error: str | None = None
    predicted: tuple[int, ...] = ()
    confusion: tuple[tuple[int, ...], ...] = ()
    per_class_percent: tuple[float | None, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def value(self) -> float | None:
        """The official metric's value."""
        return self.top1_percent if self.metric == "top1" else self.auc


def score_files(
    metric: str,
    labels: Sequence[int],
    file_results: Sequence[Sequence[Sequence[float]]],
    num_classes: int,
) -> AccuracyScore:
    """Score per-file results (each file: one or more inference vectors)."""
    y_true = np.asarray(labels, dtype=np.int64)
    notes: list[str] = []
    for index, results in enumerate(file_results):
        if any(len(r) > 1 and sum(r) == 0 for r in results):
            notes.append(
                f"file #{index + 1}: a result vector sums to 0 and cannot be normalised "
                "(the official runner would stop here)"
            )
    y_pred = np.vstack([file_vector(r) for r in file_results])
    auc: float | None = None
    auc_error: str | None = None
    if y_pred.shape[1] == 1:
        scores = y_pred[:, 0]
        try:
            auc = binary_roc_auc(y_true, scores)
        except ScoringError as exc:
            auc_error = str(exc)
        return AccuracyScore(
            metric=metric,
            files=len(y_true),
            top1_percent=anomaly_top1_percent(scores, y_true),
            auc=auc,
            auc_error=auc_error,
            notes=tuple(notes),
        )
    try:
        auc = classifier_auc(y_pred, y_true)
    except ScoringError as exc:
        auc_error = str(exc)
    predicted = np.argmax(y_pred, axis=1).astype(np.int64)
    n = max(num_classes, y_pred.shape[1])
    matrix = confusion_matrix(y_true, predicted, n)
    per_class: list[float | None] = []
    for c in range(n):
        total = int(matrix[c].sum())
        per_class.append(100 * int(matrix[c, c]) / total if total else None)
    return AccuracyScore(
        metric=metric,
        files=len(y_true),
        top1_percent=top1_percent(y_pred, y_true),
        auc=auc,
        auc_error=auc_error,
        predicted=tuple(int(p) for p in predicted),
        confusion=tuple(tuple(int(v) for v in row) for row in matrix),
        per_class_percent=tuple(per_class),
        notes=tuple(notes),
    )
