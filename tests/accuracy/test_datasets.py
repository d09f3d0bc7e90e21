"""Bad datasets: a clear error naming the file and line, before any run starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinybench_gui.benchmarks.catalog import get_benchmark
from tinybench_gui.benchmarks.datasets import DatasetError, load_dataset, split_windows
from tinybench_gui.cli.main import main

KWS = get_benchmark("kws01")
AD = get_benchmark("ad01")


def kws_tree(root: Path, rows: list[str], files: dict[str, int]) -> Path:
    folder = root / "kws01"
    folder.mkdir(parents=True)
    for name, size in files.items():
        (folder / name).write_bytes(bytes(size))
    (folder / "y_labels.csv").write_text("\n".join(rows) + "\n")
    return root


def test_good_tree_with_spaces_like_the_open_division_csv(tmp_path: Path) -> None:
    root = kws_tree(tmp_path, ["a.bin,12,7", "b.bin, 12, 11"], {"a.bin": 490, "b.bin": 490})
    ds = load_dataset(root, KWS)
    assert [(e.file, e.label) for e in ds.entries] == [("a.bin", 7), ("b.bin", 11)]
    assert ds.inferences() == 2


@pytest.mark.parametrize(
    ("rows", "files", "message"),
    [
        (["a.bin,12,7", "b.bin,12,3"], {"a.bin": 490}, r"y_labels.csv:2: .*b.bin does not exist"),
        (["a.bin,12,7"], {"a.bin": 489}, r"y_labels.csv:1: .*489 bytes, kws01 inputs have 490"),
        (["a.bin,12,7", "b.bin,12"], {"a.bin": 490, "b.bin": 490}, r"csv:2: expected at least 3"),
        (["a.bin,12,7", "b.bin,12,"], {"a.bin": 490, "b.bin": 490}, r"csv:2: class '' is not a"),
        (["a.bin,12,12"], {"a.bin": 490}, r"y_labels.csv:1: class 12 is out of range 0..11"),
        (["a.bin,12,-1"], {"a.bin": 490}, r"y_labels.csv:1: class -1 is out of range"),
        (["a.bin,10,3"], {"a.bin": 490}, r"y_labels.csv:1: 10 classes, but kws01 has 12"),
        (["a.bin,12,1", "a.bin,12,2"], {"a.bin": 490}, r"y_labels.csv:2: a.bin is listed twice"),
        (["../x.bin,12,1"], {}, r"y_labels.csv:1: '../x.bin' is not a file name"),
    ],
)
def test_bad_trees_name_file_and_line(
    tmp_path: Path, rows: list[str], files: dict[str, int], message: str
) -> None:
    root = kws_tree(tmp_path, rows, files)
    with pytest.raises(DatasetError, match=message):
        load_dataset(root, KWS)


def test_missing_label_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="tinybench dataset synth --benchmark kws01"):
        load_dataset(tmp_path, KWS)


def test_ad_needs_window_columns_and_cuts_196_windows(tmp_path: Path) -> None:
    folder = tmp_path / "ad01"
    folder.mkdir()
    data = bytes(range(256)) * 400  # 102400 bytes
    (folder / "n.bin").write_bytes(data)
    (folder / "y_labels.csv").write_text("n.bin,2,0\n")
    with pytest.raises(DatasetError, match=r"y_labels.csv:1: ad01 needs 5 columns"):
        load_dataset(tmp_path, AD)
    (folder / "y_labels.csv").write_text("n.bin,2,0,2048,512\n")
    with pytest.raises(DatasetError, match="bytes_to_send 2048"):
        load_dataset(tmp_path, AD)
    (folder / "y_labels_alt.csv").write_text("n.bin,2,0,2560,512\n")
    ds = load_dataset(tmp_path, AD, "y_labels_alt.csv")
    windows = list(split_windows(data, ds.entries[0]))
    assert len(windows) == 196 == AD.windows_per_file
    assert windows[1] == data[512 : 512 + 2560]
    assert windows[-1] == data[195 * 512 : 195 * 512 + 2560]


def test_cli_refuses_a_bad_dataset_before_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = kws_tree(tmp_path / "ds", ["a.bin,12,7", "b.bin,12,3"], {"a.bin": 490, "b.bin": 400})
    results = tmp_path / "results"
    code = main(
        ["run", "--dut", "sim", "--mode", "accuracy", "--benchmark", "kws01",
         "--dataset", str(root), "--results-dir", str(results)]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert "y_labels.csv:2" in err
    assert "b.bin has 400 bytes" in err
    assert "No run was started" in err
    assert not results.exists()  # no run file, no log: nothing was started


def test_cli_accuracy_without_dataset_says_how_to_get_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["run", "--dut", "sim", "--mode", "accuracy", "--benchmark", "ic01"])
    assert code == 1
    assert "tinybench dataset synth --benchmark ic01" in capsys.readouterr().err
