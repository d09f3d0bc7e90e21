from __future__ import annotations

import pytest

from tinybench_gui.protocol.replies import (
    BufferReply,
    ErrorReply,
    ExpectingBytes,
    InferDone,
    InferStart,
    InitDone,
    LapReply,
    LoadDone,
    ModelReply,
    NameReply,
    ProfileReply,
    Ready,
    Response,
    ResultsReply,
    TimestampModeReply,
    UnknownLine,
    WarmupDone,
    WarmupStart,
    parse_reply,
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("m-ready", Ready()),
        ("m-init-done", InitDone()),
        ("m-name-dut-[STMicroelectronics]", NameReply("dut", "STMicroelectronics")),
        (
            "m-profile-[ULPMark for tinyML Firmware V0.0.1]",
            ProfileReply("ULPMark for tinyML Firmware V0.0.1"),
        ),
        ("m-model-[ic01]", ModelReply("ic01")),
        ("m-timestamp-mode-energy", TimestampModeReply("energy")),
        ("m-timestamp-mode-performance", TimestampModeReply("performance")),
        ("m-lap-us-4294967295", LapReply(4294967295)),
        ("m-warmup-start-10", WarmupStart(10)),
        ("m-warmup-done", WarmupDone()),
        ("m-infer-start-250", InferStart(250)),
        ("m-infer-done", InferDone()),
        ("m-results-[0.000,0.996,0.004]", ResultsReply((0.0, 0.996, 0.004))),
        ("m-results-[12.345]", ResultsReply((12.345,))),
        ("m-[Expecting 490 bytes]", ExpectingBytes(490)),
        ("m-load-done", LoadDone()),
        ("m-buffer-00-ff-10", BufferReply(b"\x00\xff\x10")),
        ("e-[Unknown command: foo]", ErrorReply("Unknown command: foo")),
        ("[Initialized]", UnknownLine("[Initialized]")),
        ("Received command: name", UnknownLine("Received command: name")),
        ("m-results-[0.1,abc]", UnknownLine("m-results-[0.1,abc]")),
    ],
)
def test_each_line_parses_to_its_typed_reply(line: str, expected: object) -> None:
    assert parse_reply(line) == expected


def test_response_collects_laps_results_errors_and_unknown_lines() -> None:
    r = Response.from_lines(
        "infer 2 1",
        [
            "m-warmup-start-1",
            "debug: hello",
            "m-lap-us-10",
            "m-lap-us-30",
            "m-results-[1.0]",
            "m-ready",
        ],
    )
    assert r.laps_us == [10, 30]
    assert r.results == (1.0,)
    assert r.errors == []
    assert r.unknown == ["debug: hello"]
    assert r.first(WarmupStart) == WarmupStart(1)
    assert r.first(InferDone) is None
