"""`tinybench dataset synth`: official layout, float-model labels, meaningful AD anomalies."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tinybench_gui.benchmarks.catalog import get_benchmark
from tinybench_gui.benchmarks.datasets import load_dataset
from tinybench_gui.benchmarks.processing import to_float_input
from tinybench_gui.cli.main import main
from tinybench_gui.models.lookup import find_model
from tinybench_gui.models.reference import ReferenceModel


@pytest.mark.parametrize("model_id", ["kws01", "ic01", "vww01"])
def test_classifier_labels_are_the_float_models_answers(model_id: str, tmp_path: Path) -> None:
    benchmark = get_benchmark(model_id)
    assert main(["dataset", "synth", "--benchmark", model_id, "--out", str(tmp_path),
                 "--count", "4", "--seed", "2"]) == 0  # fmt: skip
    dataset = load_dataset(tmp_path, benchmark)  # the official layout, validated
    float_model = ReferenceModel(find_model(benchmark.float_model))
    int8_input = ReferenceModel(find_model(benchmark.int8_model)).input
    for entry in dataset.entries:
        raw = dataset.read(entry)
        assert len(raw) == benchmark.input_bytes
        out = float_model.run(to_float_input(benchmark, raw, int8_input))
        assert entry.label == int(np.argmax(out))
    # Round-robin targets: the first files aim at classes 0, 1, 2, ...
    meta = json.loads((dataset.folder / "synth.json").read_text())
    assert [f["target"] for f in meta["files"]] == [i % benchmark.num_classes for i in range(4)]


def test_ic02_reads_the_ic01_folder_as_the_official_scripts_do(tmp_path: Path) -> None:
    assert get_benchmark("ic02").dataset_folder == "ic01"
    assert main(["dataset", "synth", "--benchmark", "ic02", "--out", str(tmp_path),
                 "--count", "2"]) == 0  # fmt: skip
    assert (tmp_path / "ic01" / "y_labels.csv").is_file()
    assert len(load_dataset(tmp_path, get_benchmark("ic02"))) == 2


def test_ad_files_and_anomalies_the_autoencoder_notices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dataset", "synth", "--benchmark", "ad01", "--out", str(tmp_path),
                 "--count", "12", "--seed", "0"]) == 0  # fmt: skip
    ad = get_benchmark("ad01")
    dataset = load_dataset(tmp_path, ad)
    lines = (dataset.folder / "y_labels.csv").read_text().splitlines()
    assert all(line.endswith(",2560,512") and line.count(",") == 4 for line in lines)
    assert [e.label for e in dataset.entries] == [i % 2 for i in range(12)]
    assert all(e.file.startswith(("normal_id_", "anomaly_id_")) for e in dataset.entries)
    meta = json.loads((dataset.folder / "synth.json").read_text())
    scores = [f["float_score"] for f in meta["files"]]
    normal = [s for s, e in zip(scores, dataset.entries, strict=True) if e.label == 0]
    anomaly = [s for s, e in zip(scores, dataset.entries, strict=True) if e.label == 1]
    # The float autoencoder reconstructs anomalies worse: labels carry information.
    assert np.mean(anomaly) > np.mean(normal)
    assert meta["float_auc"] > 0.7
    assert "Float model AUC on this set" in capsys.readouterr().out
    assert main(["dataset", "check", "--benchmark", "ad01", "--dataset", str(tmp_path)]) == 0
    assert "12 files, 2352 inferences" in capsys.readouterr().out
