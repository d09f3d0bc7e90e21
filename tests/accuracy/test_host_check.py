"""The host reference check finds a DUT that answers differently, file by file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from tinybench_gui.bench import serial_dut_resources
from tinybench_gui.benchmarks.catalog import get_benchmark
from tinybench_gui.benchmarks.synth import synthesize
from tinybench_gui.devices.sim.serve import SimDutServer
from tinybench_gui.devices.sim.sim_dut import SimDut, TimedLine
from tinybench_gui.runner.plan import Mode, RunPlan
from tinybench_gui.runner.runner import Runner
from tinybench_gui.runner.state import RunState


class OffByOneDut(SimDut):
    """A DUT whose third inference answers with its top two classes swapped."""

    def __init__(self) -> None:
        super().__init__("kws01")
        self.inferences = 0

    def feed(self, data: bytes, now_s: float | None = None) -> Iterator[TimedLine]:
        for line in super().feed(data, now_s):
            if line.text.startswith("m-results-["):
                self.inferences += 1
                if self.inferences == 3:
                    values = line.text[len("m-results-[") : -1].split(",")
                    order = sorted(range(len(values)), key=lambda i: float(values[i]))
                    top, second = order[-1], order[-2]
                    values[top], values[second] = values[second], values[top]
                    yield TimedLine(line.t_s, "m-results-[" + ",".join(values) + "]")
                    continue
            yield line


def test_a_differing_answer_is_listed_with_both_top_classes(tmp_path: Path) -> None:
    benchmark = get_benchmark("kws01")
    synthesize(benchmark, tmp_path / "ds", count=5, seed=4)
    plan = RunPlan(Mode.ACCURACY, tmp_path / "run", benchmark="kws01", dataset_dir=tmp_path / "ds")
    dut = OffByOneDut()
    with SimDutServer(dut, wire_time=False) as server:
        runner = Runner()
        summary = runner.run(plan, serial_dut_resources(server.url, server.baud_rate))
    assert runner.last_state == RunState.DONE, runner.status.reason
    host = summary.metrics["host_check"]
    assert host["files_identical"] == 4
    (disagreement,) = host["disagreements"]
    third = (tmp_path / "ds" / "kws01" / "y_labels.csv").read_text().splitlines()[2]
    assert disagreement["file"] == third.split(",")[0]
    assert disagreement["dut_top"] != disagreement["host_top"]
    assert disagreement["max_difference"] > 0
    # The host reference's score differs from the DUT's by exactly this file.
    records = json.loads((tmp_path / "run" / "results.json").read_text())
    assert len(records) == 5
    report = (tmp_path / "run" / "results.txt").read_text()
    assert "4/5 files identical" in report
    assert disagreement["file"] in report
    log = (tmp_path / "run" / "log.txt").read_text()
    assert "HOST REFERENCE DIFFERS" in log
    assert f"host reference disagreement: {disagreement['file']}" in log


def test_bad_dataset_fails_before_any_download(tmp_path: Path) -> None:
    folder = tmp_path / "ds" / "kws01"
    folder.mkdir(parents=True)
    (folder / "a.bin").write_bytes(bytes(490))
    (folder / "y_labels.csv").write_text("a.bin,12,7\nmissing.bin,12,1\n")
    plan = RunPlan(Mode.ACCURACY, tmp_path / "run", dataset_dir=tmp_path / "ds")  # no --benchmark
    with SimDutServer(SimDut("kws01"), wire_time=False) as server:
        runner = Runner()
        runner.run(plan, serial_dut_resources(server.url, server.baud_rate))
        commands = server.dut.commands_seen
    assert runner.last_state == RunState.FAILED
    assert "y_labels.csv:2" in (runner.status.reason or "")
    assert "missing.bin does not exist" in (runner.status.reason or "")
    log = (tmp_path / "run" / "log.txt").read_text()
    assert "db load" not in log
    assert commands <= 3  # name, profile (and timestamp): identification only


class ShortVectorDut(SimDut):
    """A firmware whose th_results prints one value too few."""

    def feed(self, data: bytes, now_s: float | None = None) -> Iterator[TimedLine]:
        for line in super().feed(data, now_s):
            if line.text.startswith("m-results-["):
                values = line.text[len("m-results-[") : -1].split(",")[:-1]
                yield TimedLine(line.t_s, "m-results-[" + ",".join(values) + "]")
                continue
            yield line


def test_a_result_vector_of_the_wrong_length_stops_the_run_with_why(tmp_path: Path) -> None:
    synthesize(get_benchmark("kws01"), tmp_path / "ds", count=2, seed=4)
    plan = RunPlan(Mode.ACCURACY, tmp_path / "run", benchmark="kws01", dataset_dir=tmp_path / "ds")
    with SimDutServer(ShortVectorDut("kws01"), wire_time=False) as server:
        runner = Runner()
        runner.run(plan, serial_dut_resources(server.url, server.baud_rate))
    assert runner.last_state == RunState.FAILED
    assert "printed 11 result values, kws01 has 12" in (runner.status.reason or "")


def test_an_energy_build_is_refused_for_accuracy(tmp_path: Path) -> None:
    synthesize(get_benchmark("kws01"), tmp_path / "ds", count=1, seed=4)
    plan = RunPlan(Mode.ACCURACY, tmp_path / "run", benchmark="kws01", dataset_dir=tmp_path / "ds")
    with SimDutServer(SimDut("kws01", energy_mode=True), wire_time=False) as server:
        runner = Runner()
        runner.run(plan, serial_dut_resources(server.url, server.baud_rate))
    assert runner.last_state == RunState.FAILED
    assert "energy build" in (runner.status.reason or "")
    assert "db load" not in (tmp_path / "run" / "log.txt").read_text()
