"""DutClient against exact byte tables (PyMeasure ``expected_protocol`` style)."""

from __future__ import annotations

import pytest

from tinybench_gui.devices.dut import DutClient, DutError
from tinybench_gui.devices.transport import SerialLink
from tinybench_gui.testing.expected import ExpectedPort, UnexpectedBytesError


def client(pairs: list[tuple[bytes | None, bytes]]) -> tuple[DutClient, ExpectedPort]:
    port = ExpectedPort(pairs)
    return DutClient(SerialLink.over(port, "table://dut", line_timeout_s=0.2)), port


def test_identify_sends_name_profile_and_probes_the_build() -> None:
    dut, port = client(
        [
            (b"name%", b"m-name-dut-[unspecified]\r\nm-ready\r\n"),
            (
                b"profile%",
                b"m-profile-[ULPMark for tinyML Firmware V0.0.1]\r\nm-model-[kws01]\r\nm-ready\r\n",
            ),
            (b"timestamp%", b"m-lap-us-123\r\nm-ready\r\n"),
        ]
    )
    ident = dut.identify()
    assert (ident.name, ident.model, ident.timestamp_mode) == (
        "unspecified",
        "kws01",
        "performance",
    )
    port.assert_consumed()


def test_banner_before_the_first_command_sets_the_mode_without_a_probe() -> None:
    dut, port = client(
        [
            (None, b"m-timestamp-mode-energy\r\nm-init-done\r\nm-ready\r\n"),
            (b"name%", b"m-name-dut-[x]\r\nm-ready\r\n"),
            (b"profile%", b"m-profile-[p]\r\nm-model-[ad01]\r\nm-ready\r\n"),
        ]
    )
    ident = dut.identify()
    assert ident.timestamp_mode == "energy"
    assert "m-init-done" in ident.banner
    port.assert_consumed()


def test_load_sends_lowercase_hex_31_bytes_a_chunk_one_round_trip_each() -> None:
    payload = bytes(range(0xD0, 0xD0 + 40))
    dut, port = client(
        [
            (b"db load 40%", b"m-[Expecting 40 bytes]\r\nm-ready\r\n"),
            (b"db " + payload[:31].hex().encode() + b"%", b"m-ready\r\n"),
            (b"db " + payload[31:].hex().encode() + b"%", b"m-load-done\r\nm-ready\r\n"),
        ]
    )
    seen: list[tuple[int, int]] = []
    dut.load(payload, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(31, 40), (40, 40)]
    port.assert_consumed()
    assert b"F" not in bytes(port.written).replace(b"db load", b"")


def test_infer_always_sends_w_and_parses_the_timed_region() -> None:
    dut, port = client(
        [
            (
                b"infer 250 0%",
                b"m-warmup-start-0\r\nm-warmup-done\r\nm-infer-start-250\r\nm-lap-us-4294967000\r\n"
                b"m-lap-us-10000000\r\nm-infer-done\r\nm-results-[0.5,0.5]\r\nm-ready\r\n",
            )
        ]
    )
    result = dut.infer(250, 0)
    # The 32-bit microsecond timer wrapped between the two laps.
    assert result.elapsed_us == 10000000 + (1 << 32) - 4294967000
    assert result.results == (0.5, 0.5)
    assert result.throughput_inf_s == pytest.approx(250 / (result.elapsed_us / 1e6))
    port.assert_consumed()


def test_error_reply_raises_naming_port_command_and_message() -> None:
    dut, _ = client(
        [
            (
                b"db load 99999%",
                b"Supplied buffer size 99999 exceeds maximum of 490\r\nm-ready\r\n",
            ),
            (b"db " + b"00" * 31 + b"%", b"e-[Invalid hex digit 'zz']\r\nm-ready\r\n"),
        ]
    )
    with pytest.raises(DutError) as err:
        dut.load(bytes(99999))
    text = str(err.value)
    assert "table://dut" in text
    assert "Invalid hex digit" in text
    assert "db 0000" in text


def test_a_command_the_table_does_not_expect_fails_the_test() -> None:
    dut, _ = client([(b"name%", b"m-name-dut-[x]\r\nm-ready\r\n")])
    with pytest.raises(UnexpectedBytesError):
        dut.channel.transact("profile")


def test_unused_pairs_fail_assert_consumed() -> None:
    _, port = client([(b"name%", b"m-ready\r\n")])
    with pytest.raises(AssertionError, match="unused"):
        port.assert_consumed()
