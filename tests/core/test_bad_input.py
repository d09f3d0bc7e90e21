"""Bad input ends in a clear error naming the port, the command and the fix; nothing is lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.core.scripted import ScriptedPty, healthy
from tinybench_gui.bench import serial_dut_resources, simulated_bench
from tinybench_gui.devices.dut import DutClient, DutError
from tinybench_gui.devices.transport import LinkTimeoutError, PortUnavailableError, SerialLink
from tinybench_gui.models.known import model_ref
from tinybench_gui.models.lookup import ModelHashMismatchError, ModelNotFoundError, find_model
from tinybench_gui.runner.events import RunEvent, WindowFinished
from tinybench_gui.runner.plan import Mode, RunPlan
from tinybench_gui.runner.runner import Runner
from tinybench_gui.runner.state import RunState


def run_against(url: str, tmp_path: Path, **plan_kw: object) -> tuple[Runner, Path]:
    results = tmp_path / "results"
    plan = RunPlan(mode=Mode.PERFORMANCE, results_dir=results, min_window_s=0.01, **plan_kw)  # type: ignore[arg-type]
    runner = Runner()
    runner.run(plan, serial_dut_resources(url, 115200, line_timeout_s=0.5))
    return runner, results


def assert_failed_with_files(runner: Runner, results: Path, *needles: str) -> str:
    assert runner.last_state == RunState.FAILED
    assert runner.status.state == RunState.IDLE  # back to idle, ready for the next run
    reason = runner.status.reason or ""
    for needle in needles:
        assert needle in reason
    log = (results / "log.txt").read_text()
    assert "run failed" in log
    assert "ERROR: run failed" in (results / "results.txt").read_text()
    return reason


def test_binary_noise_on_the_line(tmp_path: Path) -> None:
    noise = bytes(range(256)) * 3
    dut = ScriptedPty(lambda cmd: noise)
    try:
        runner, results = run_against(dut.url, tmp_path)
    finally:
        dut.close()
    reason = assert_failed_with_files(runner, results, dut.url, "'name'", "Fix:")
    assert "baud" in reason  # noise is what a wrong baud rate looks like


def test_a_dut_that_never_answers(tmp_path: Path) -> None:
    dut = ScriptedPty(lambda cmd: None)
    try:
        runner, results = run_against(dut.url, tmp_path)
    finally:
        dut.close()
    assert_failed_with_files(runner, results, dut.url, "no complete line within 0.5 s", "'name'")


def test_an_error_reply_from_the_dut(tmp_path: Path) -> None:
    def script(cmd: str) -> bytes | None:
        if cmd.startswith("db load"):
            return b"e-[Command 'db load' must be >0 bytes]\r\nm-ready\r\n"
        return healthy(cmd)

    dut = ScriptedPty(script)
    try:
        runner, results = run_against(dut.url, tmp_path)
    finally:
        dut.close()
    assert_failed_with_files(
        runner, results, "e-[Command 'db load' must be >0 bytes]", "db load 490"
    )


def test_a_reply_cut_mid_line(tmp_path: Path) -> None:
    dut = ScriptedPty(lambda cmd: b"m-name-du" if cmd == "name" else healthy(cmd))
    try:
        link = SerialLink(dut.url, 115200, line_timeout_s=0.3).open()
        with pytest.raises(LinkTimeoutError) as err:
            DutClient(link).identify()
        link.close()
    finally:
        dut.close()
    assert "partial 'm-name-du'" in str(err.value)
    assert dut.url in str(err.value)


def test_a_busy_port_is_refused_with_a_fix(tmp_path: Path) -> None:
    dut = ScriptedPty(healthy)
    try:
        first = SerialLink(dut.url, 115200).open()
        with pytest.raises(PortUnavailableError) as err:
            SerialLink(dut.url, 115200).open()
        first.close()
    finally:
        dut.close()
    assert "close the other program" in str(err.value)


def test_a_missing_port(tmp_path: Path) -> None:
    runner, results = run_against(str(tmp_path / "ttyACM9"), tmp_path)
    assert_failed_with_files(runner, results, "cannot open port", "tinybench detect")


def test_a_port_that_vanishes_mid_run_keeps_what_was_measured(tmp_path: Path) -> None:
    bench = simulated_bench("kws01", realtime=False, wire_time=False)
    runner = Runner()

    def unplug(event: RunEvent) -> None:
        if isinstance(event, WindowFinished) and event.window.index == 2:
            bench.dut_server.stop()

    runner.subscribe(unplug)
    plan = RunPlan(mode=Mode.PERFORMANCE, results_dir=tmp_path / "r", min_window_s=0.5)
    summary = runner.run(plan, bench.resources(line_timeout_s=0.5))
    bench.close()
    assert runner.last_state == RunState.FAILED
    assert len(summary.windows) == 2  # windows 1 and 2 were measured before the unplug
    reason = runner.status.reason or ""
    assert bench.dut_url in reason
    assert "Fix:" in reason
    records = json.loads((tmp_path / "r" / "results.json").read_text())
    assert [r["infer"]["iterations"] > 0 for r in records] == [True, True]


def test_a_model_file_with_the_wrong_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ref = model_ref("kws01-int8")
    fake = tmp_path / "kws_ref_model.tflite"
    fake.write_bytes(b"not the model")
    with pytest.raises(ModelHashMismatchError, match="must have aeea4368"):
        find_model(ref, explicit_path=fake)
    # In a search folder the wrong file is passed over and named in the error.
    monkeypatch.setenv("TINYBENCH_MODEL_PATH", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(ModelNotFoundError) as err:
        find_model(ref, allow_download=False)
    assert f"{fake} (wrong sha256)" in str(err.value)
    assert "TINYBENCH_MODEL_PATH" in str(err.value)


def test_a_banner_in_the_way_of_name_does_not_put_answers_out_of_step() -> None:
    # A board powered just before the run: its banner's m-ready ends the first `name`
    # transaction, and the answer to that `name` comes later than the drain waits.
    import os
    import threading

    def script(command: str) -> bytes | None:
        # A slow DUT: every answer comes 0.3 s after its command, in order.
        threading.Timer(0.3, os.write, (dut.master, healthy(command))).start()
        return b"m-init-done\r\nm-ready\r\n" if dut.commands == ["name"] else None

    dut = ScriptedPty(script)
    try:
        link = SerialLink(dut.url, 115200, line_timeout_s=2.0).open()
        identity = DutClient(link).identify()
        link.close()
    finally:
        dut.close()
    assert identity.name == "scripted"
    assert identity.model == "kws01"
    assert dut.commands == ["name", "name", "profile", "timestamp"]


def test_dut_error_names_everything(tmp_path: Path) -> None:
    dut = ScriptedPty(lambda cmd: b"e-[Unknown command: name]\r\nm-ready\r\n")
    try:
        link = SerialLink(dut.url, 115200, line_timeout_s=0.3).open()
        with pytest.raises(DutError) as err:
            DutClient(link, name_retries=2).identify()
        link.close()
    finally:
        dut.close()
    assert "'name'" in str(err.value)
    assert dut.url in str(err.value)
    assert "Fix:" in str(err.value)


def test_the_run_file_carries_the_firmware_we_flashed_on_that_port(tmp_path: Path) -> None:
    from tinybench_gui.devices.flashing.history import FlashRecord, record_flash
    from tinybench_gui.runner.recorder import RunRecorder
    from tinybench_gui.storage.reader import load_run

    bench = simulated_bench("ad01", realtime=False, wire_time=False)
    sha = "ab" * 32
    record_flash(
        FlashRecord("2026-11-28T00:00:00Z", "nucleo-l4r5zi", bench.dut_url, "pyocd",
                    "ad01_perf.elf", sha, "elf", 1234, True)
    )  # fmt: skip
    resources = serial_dut_resources(bench.dut_url, 921600)
    plan = RunPlan(mode=Mode.PERFORMANCE, results_dir=tmp_path / "r", min_window_s=0.01)
    runner = Runner()
    recorder = RunRecorder(tmp_path / "run.h5", plan, resources.provenance)
    runner.subscribe(recorder)
    runner.run(plan, resources)
    bench.close()
    run = load_run(tmp_path / "run.h5")
    assert sha in str(run.provenance)
