"""The harness on the host build, over a real pty: the reference's answers byte for byte."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import serial

from tests.firmware.conftest import require_tools
from tinybench_gui.firmware.build import FirmwareImage
from tinybench_gui.firmware.host_board import HostBoard


@pytest.fixture
def dut(firmware_image: Callable[..., FirmwareImage]) -> Iterator[serial.Serial]:
    require_tools("cc", "make")
    image = firmware_image("kws01", "host")
    with HostBoard(image.path) as board:
        port = serial.serial_for_url(board.url, 115200, timeout=5)
        board.boot()
        try:
            yield port
        finally:
            port.close()


def _read_response(port: serial.Serial) -> list[str]:
    data = port.read_until(b"m-ready\r\n")
    assert data.endswith(b"m-ready\r\n"), f"no m-ready, got {data!r}"
    return data.decode("ascii").split("\r\n")[:-1]


def _ask(port: serial.Serial, command: str) -> list[str]:
    port.write(command.encode("ascii") + b"%")
    return _read_response(port)


def test_banner_name_profile(dut: serial.Serial) -> None:
    banner = _read_response(dut)
    assert banner[0] == "m-timestamp-mode-performance"
    assert banner[1].startswith("m-lap-us-")
    assert banner[2:] == ["m-init-done", "m-ready"]
    assert _ask(dut, "name") == ["m-name-dut-[tinybench]", "m-ready"]
    assert _ask(dut, "profile") == [
        "m-profile-[ULPMark for tinyML Firmware V0.0.1]",
        "m-model-[kws01]",
        "m-ready",
    ]


# benchmark.md §1.3 and the reference parser: every malformed command and its exact answer.
MALFORMED = [
    ("foo", ["e-[Unknown command: foo]"]),
    ("", ["e-[Unknown command: (null)]"]),
    ("db", ["e-[Command 'db' requires a subcommand]"]),
    ("db load", ["e-[Command 'db load' requires the # of bytes]"]),
    ("db load 0", ["e-[Command 'db load' must be >0 bytes]"]),
    ("db load x", ["e-[Command 'db load' must be >0 bytes]"]),
    ("db load 491", ["Supplied buffer size 491 exceeds maximum of 490\n"]),
    ("db abc", ["e-[Insufficent number of hex digits]"]),
    ("db 0g", ["e-[Invalid hex digit '0g']"]),
    ("infer 0", ["e-[Inference iterations must be >0]"]),
    ("infer -3 1", ["e-[Inference iterations must be >0]"]),
    ("infer 1 -1", ["e-[Inference warmup must be >=0]"]),
    ("name\r\n", ["e-[Unknown command: name\r\n]"]),
]


@pytest.mark.parametrize(("command", "expected"), MALFORMED)
def test_malformed_commands_answer_as_the_reference(
    dut: serial.Serial, command: str, expected: list[str]
) -> None:
    _read_response(dut)
    dut.write(command.encode("ascii") + b"%")
    data = dut.read_until(b"m-ready\r\n").decode("ascii")
    assert data == "".join(line if line.endswith("\n") else line + "\r\n" for line in expected) + (
        "m-ready\r\n"
    )


def test_db_load_print_and_extra_digits(dut: serial.Serial) -> None:
    _read_response(dut)
    assert _ask(dut, "db load 10") == ["m-[Expecting 10 bytes]", "m-ready"]
    assert _ask(dut, "db 00010203") == ["m-ready"]
    assert _ask(dut, "db 0405060708090a0B0cff") == ["m-load-done", "m-ready"]
    # 10 bytes: one full line, one of two, then the reference's extra blank line.
    assert _ask(dut, "db print") == [
        "m-buffer-00-01-02-03-04-05-06-07",
        "m-buffer-08-09",
        "",
        "m-ready",
    ]


def test_command_buffer_truncates_after_80_characters(dut: serial.Serial) -> None:
    _read_response(dut)
    long_name = "x" * 100
    # Characters after the 80th overwrite the last slot, which the terminator then clears.
    assert _ask(dut, long_name) == [f"e-[Unknown command: {'x' * 80}]", "m-ready"]


def test_back_to_back_commands_are_buffered(dut: serial.Serial) -> None:
    _read_response(dut)
    dut.write(b"name%" * 20)
    for _ in range(20):
        assert _read_response(dut) == ["m-name-dut-[tinybench]", "m-ready"]


def test_infer_defaults_to_one_inference_after_ten_warmups(dut: serial.Serial) -> None:
    _read_response(dut)
    _ask(dut, "db load 490")
    for start in range(0, 490, 31):
        _ask(dut, "db " + bytes(range(start % 200, start % 200 + min(31, 490 - start))).hex())
    lines = _ask(dut, "infer")
    assert lines[0] == "m-warmup-start-10"
    assert lines[1] == "m-warmup-done"
    assert lines[2] == "m-infer-start-1"
    assert lines[3].startswith("m-lap-us-")
    assert lines[4].startswith("m-lap-us-")
    assert lines[5] == "m-infer-done"
    assert lines[6].startswith("m-results-[")
    assert _ask(dut, "results") == [lines[6], "m-ready"]
