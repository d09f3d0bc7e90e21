"""The simulated DUT speaks the reference firmware's bytes to any serial client."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest
import serial

from tinybench_gui.benchmarks.catalog import get_benchmark
from tinybench_gui.benchmarks.processing import format_results, result_values, to_model_input
from tinybench_gui.devices.sim.clock import SimClock
from tinybench_gui.devices.sim.serve import SimDutServer
from tinybench_gui.devices.sim.sim_dut import SimDut
from tinybench_gui.models.lookup import find_model
from tinybench_gui.models.reference import ReferenceModel
from tinybench_gui.protocol.framing import hex_chunks


def read_until_ready(port: serial.Serial, timeout_s: float = 5.0) -> list[str]:
    lines: list[str] = []
    buf = b""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        buf += port.read(1)  # byte by byte: what follows m-ready stays in the port
        if buf.endswith(b"\r\n"):
            lines.append(buf[:-2].decode())
            buf = b""
            if lines[-1] == "m-ready":
                return lines
    raise AssertionError(f"no m-ready; got {lines!r} + {buf!r}")


def ask(port: serial.Serial, command: bytes) -> list[str]:
    port.write(command)
    return read_until_ready(port)


@pytest.fixture(params=["pty", "tcp"])
def kws_port(request: pytest.FixtureRequest) -> Iterator[serial.Serial]:
    dut = SimDut("kws01", clock=SimClock(realtime=False))
    with SimDutServer(dut, transport=request.param, wire_time=False, boot=False) as server:
        # Plain pyserial, not our client: any serial program can talk to it.
        port = serial.serial_for_url(server.url, 115200, timeout=0.05)
        server.power_on()  # a reset once the port is open, as pressing the board's button
        assert read_until_ready(port)[0] == "m-timestamp-mode-performance"
        yield port
        port.close()


def test_banner_and_identity(kws_port: serial.Serial) -> None:
    assert ask(kws_port, b"name%") == ["m-name-dut-[unspecified]", "m-ready"]
    assert ask(kws_port, b"profile%") == [
        "m-profile-[ULPMark for tinyML Firmware V0.0.1]",
        "m-model-[kws01]",
        "m-ready",
    ]
    lap = ask(kws_port, b"timestamp%")
    assert lap[0].startswith("m-lap-us-")
    assert lap[1] == "m-ready"


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        (b"foo%", ["e-[Unknown command: foo]"]),
        (b"db%", ["e-[Command 'db' requires a subcommand]"]),
        (b"db load%", ["e-[Command 'db load' requires the # of bytes]"]),
        (b"db load 0%", ["e-[Command 'db load' must be >0 bytes]"]),
        (b"db load 491%", ["Supplied buffer size 491 exceeds maximum of 490"]),
        (b"db abc%", ["e-[Insufficent number of hex digits]"]),
        (b"db zz%", ["e-[Invalid hex digit 'zz']"]),
        (b"infer 0%", ["e-[Inference iterations must be >0]"]),
        (b"infer 1 -1%", ["e-[Inference warmup must be >=0]"]),
    ],
)
def test_errors_are_worded_as_the_reference(
    kws_port: serial.Serial, command: bytes, answer: list[str]
) -> None:
    assert ask(kws_port, command) == [*answer, "m-ready"]


def test_infer_default_warmup_is_10_not_the_help_texts_0(kws_port: serial.Serial) -> None:
    lines = ask(kws_port, b"infer 3%")
    assert lines[0] == "m-warmup-start-10"
    assert lines[2] == "m-infer-start-3"
    assert [x for x in lines if x.startswith("m-lap-us-")].__len__() == 2


def test_commands_are_cut_at_80_characters(kws_port: serial.Serial) -> None:
    # 79 characters of a valid name then junk: the firmware keeps 80 and sees "name...".
    assert ask(kws_port, b"name" + b" " * 76 + b"XYZ%") == ["m-name-dut-[unspecified]", "m-ready"]
    assert ask(kws_port, b"x" * 100 + b"%") == [f"e-[Unknown command: {'x' * 80}]", "m-ready"]


def test_db_load_and_print_and_back_to_back_commands(kws_port: serial.Serial) -> None:
    data = bytes(range(10))
    kws_port.write(b"db load 10%" + b"".join(c.encode() + b"%" for c in hex_chunks(data, 4)))
    assert read_until_ready(kws_port) == ["m-[Expecting 10 bytes]", "m-ready"]
    assert read_until_ready(kws_port) == ["m-ready"]
    assert read_until_ready(kws_port) == ["m-ready"]
    assert read_until_ready(kws_port) == ["m-load-done", "m-ready"]
    assert ask(kws_port, b"db print%") == [
        "m-buffer-00-01-02-03-04-05-06-07",
        "m-buffer-08-09",
        "",
        "m-ready",
    ]


def test_name_burst_is_buffered(kws_port: serial.Serial) -> None:
    kws_port.write(b"name%" * 20)
    for _ in range(20):
        assert read_until_ready(kws_port) == ["m-name-dut-[unspecified]", "m-ready"]


@pytest.mark.parametrize("model_id", ["kws01", "vww01", "ic01", "ic02", "ad01"])
def test_results_equal_litert_on_the_bytes_sent(model_id: str) -> None:
    benchmark = get_benchmark(model_id)
    rng = np.random.default_rng(7)
    if benchmark.input_kind == "float32":
        raw = rng.normal(20, 8, benchmark.input_bytes // 4).astype("<f4").tobytes()
    else:
        raw = rng.integers(0, 256, benchmark.input_bytes, dtype=np.uint8).tobytes()
    # The host computes independently, from the model file and the documented processing.
    model = ReferenceModel(find_model(benchmark.int8_model))
    out = model.run(to_model_input(benchmark, raw, model.input))
    expected = format_results(benchmark, result_values(benchmark, out, model.output, raw))

    dut = SimDut(model_id, clock=SimClock(realtime=False))
    with SimDutServer(dut, transport="pty", wire_time=False, boot=False) as server:
        port = serial.serial_for_url(server.url, 115200, timeout=0.05)
        ask(port, f"db load {len(raw)}%".encode())
        for chunk in hex_chunks(raw):
            ask(port, chunk.encode() + b"%")
        lines = ask(port, b"infer 2 1%")
        port.close()
    assert expected in lines
    assert lines[lines.index(expected) - 1] == "m-infer-done"
    if model_id == "kws01":
        body = expected[len("m-results-[") : -1].split(",")
        assert len(body) == 12
        assert all(v.startswith("0.") and len(v) == 5 for v in body)


def test_energy_build_prints_no_laps_and_pulses_the_timestamp_pin() -> None:
    pulses: list[tuple[float, float]] = []

    class Sink:
        def timestamp_pulse(self, t_s: float, hold_s: float) -> None:
            pulses.append((t_s, hold_s))

        def inference(self, t0_s: float, t1_s: float) -> None:
            pass

        def uart(self, t0_s: float, t1_s: float) -> None:
            pass

    dut = SimDut("ad01", energy_mode=True, clock=SimClock(realtime=False), activity=Sink())
    banner = [x.text for x in dut.boot()]
    assert banner == ["m-timestamp-mode-energy", "[Initialized]", "m-init-done", "m-ready"]
    # 500 inferences (about 5 s of the DUT's time, skipped over): the few milliseconds
    # of wall time this test spends between the generator's steps stay negligible.
    lines = [x.text for x in dut.feed(b"infer 500 0%")]
    assert not any(x.startswith("m-lap-us") for x in lines)
    assert lines[-3:-1] == ["m-infer-done", lines[-2]]
    assert lines[-1] == "m-ready"
    # One pulse at boot, then one before and one after the timed region.
    assert len(pulses) == 3
    assert pulses[2][0] - pulses[1][0] == pytest.approx(
        500 * dut.latency_s + pulses[1][1], rel=0.01
    )
