"""The official scoring against hand-computed cases and a brute-force AUC."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinybench_gui.benchmarks.scoring import (
    ScoringError,
    anomaly_top1_percent,
    binary_roc_auc,
    normalize,
    ovr_roc_auc,
    score_files,
    top1_percent,
)


def pairwise_auc(labels: list[int], scores: list[float]) -> float:
    """AUC as the probability that a positive outranks a negative, ties counting 1/2."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    neg = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def test_binary_auc_textbook_case() -> None:
    # scikit-learn's documented example: 0.75.
    assert binary_roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75, abs=1e-15)


def test_binary_auc_ties_count_one_half() -> None:
    assert binary_roc_auc([0, 0, 1, 1], [0.2, 0.5, 0.5, 0.9]) == pytest.approx(0.875, abs=1e-15)
    assert binary_roc_auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == pytest.approx(0.5, abs=1e-15)
    assert binary_roc_auc([1, 1, 0, 0], [0.1, 0.1, 0.9, 0.9]) == pytest.approx(0.0, abs=1e-15)


def test_binary_auc_needs_both_classes() -> None:
    with pytest.raises(ScoringError, match="Only one class"):
        binary_roc_auc([1, 1, 1], [0.1, 0.2, 0.3])


def test_ovr_auc_hand_computed_with_a_tie() -> None:
    scores = [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.5, 0.2, 0.3]]
    # class 0: 0.7 beats 0.2, 0.1, 0.5 -> 1; class 1: 0.5 beats 0.2, 0.3, 0.2 -> 1;
    # class 2: positives 0.6, 0.3 against negatives 0.1, 0.3 -> (2 + 1 + 0.5) / 4.
    assert ovr_roc_auc([0, 1, 2, 2], scores) == pytest.approx((1 + 1 + 0.875) / 3, abs=1e-15)


def test_ovr_auc_rejects_missing_class_and_unnormalised_rows() -> None:
    with pytest.raises(ScoringError, match="Number of classes"):
        ovr_roc_auc([0, 1, 1], [[0.5, 0.3, 0.2]] * 3)
    with pytest.raises(ScoringError, match="probabilities"):
        ovr_roc_auc([0, 1, 2], [[0.5, 0.3, 0.3]] * 3)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.integers(0, 6)), min_size=2, max_size=40).filter(
        lambda rows: len({y for y, _ in rows}) == 2
    )
)
def test_binary_auc_equals_pairwise_definition(rows: list[tuple[int, int]]) -> None:
    labels = [y for y, _ in rows]
    scores = [s / 7 for _, s in rows]  # few distinct values: many ties
    assert binary_roc_auc(labels, scores) == pytest.approx(pairwise_auc(labels, scores), abs=1e-12)


def test_normalize_and_top1() -> None:
    assert normalize([1, 1, 2]) == [0.25, 0.25, 0.5]
    assert normalize([3.5]) == [3.5]  # AD values stay as they are
    y_pred = np.array([[0.5, 0.5], [0.2, 0.8], [0.9, 0.1], [0.4, 0.6]])
    # Row 0 is a tie: the first maximum (class 0) wins, as np.argmax does.
    assert top1_percent(y_pred, np.array([0, 1, 1, 1])) == 75.0


def test_anomaly_top1_is_the_runners_best_threshold() -> None:
    value = anomaly_top1_percent(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0, 0, 1, 1]))
    assert value == pytest.approx(100.0, abs=1e-5)
    mixed = anomaly_top1_percent(np.array([1.0, 4.0, 3.0, 2.0]), np.array([0, 0, 1, 1]))
    # Best threshold between 1 and 2: tp 2, fp 1, fn 0 -> (2/3 + 1) / 2.
    assert mixed == pytest.approx(100 * (2 / 3 + 1) / 2, abs=1e-5)


def test_score_files_classifier_and_confusion() -> None:
    files = [[[2.0, 1.0, 1.0]], [[0.0, 3.0, 1.0]], [[1.0, 1.0, 2.0]], [[3.0, 0.0, 1.0]]]
    score = score_files("top1", [0, 1, 2, 2], files, 3)
    assert score.top1_percent == 75.0
    assert score.predicted == (0, 1, 2, 0)
    assert score.confusion == ((1, 0, 0), (0, 1, 0), (1, 0, 1))
    assert score.per_class_percent == (100.0, 100.0, 50.0)
    expected_auc = ovr_roc_auc([0, 1, 2, 2], [normalize(f[0]) for f in files])
    assert score.auc == expected_auc


def test_score_files_anomaly_averages_windows() -> None:
    files = [[[1.0], [3.0]], [[4.0], [6.0]], [[2.0], [2.0]]]  # means 2, 5, 2
    score = score_files("auc", [0, 1, 0], files, 2)
    assert score.auc == 1.0
    assert score.value == 1.0
    tie = score_files("auc", [0, 1], [[[2.0], [2.0]], [[1.0], [3.0]]], 2)  # means 2 and 2
    assert tie.auc == 0.5
