from __future__ import annotations

import pytest

from tinybench_gui.protocol.framing import (
    CommandTooLongError,
    LineSplitter,
    encode_command,
    hex_chunks,
)


def test_command_gets_percent_terminator_and_no_newline() -> None:
    assert encode_command("name") == b"name%"
    assert encode_command("infer 10 0") == b"infer 10 0%"


def test_command_of_80_characters_is_allowed_81_is_refused() -> None:
    assert len(encode_command("x" * 80)) == 81
    with pytest.raises(CommandTooLongError, match="81 characters"):
        encode_command("x" * 81)


@pytest.mark.parametrize("bad", ["na%me", "name\r", "name\n", "nämé"])
def test_characters_the_parser_cannot_take_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="must"):
        encode_command(bad)


def test_splitter_joins_lines_across_reads_and_drops_cr_nul() -> None:
    s = LineSplitter()
    assert s.feed(b"m-na") == []
    assert s.feed(b"me-dut-[x]\r\n\x00m-re") == ["m-name-dut-[x]"]
    assert s.partial == "m-re"
    assert s.feed(b"ady\r\n") == ["m-ready"]


def test_hex_chunks_are_lowercase_and_fit_the_buffer() -> None:
    payload = bytes(range(256)) * 2
    chunks = hex_chunks(payload, 31)
    assert all(len(c) <= 65 for c in chunks)
    assert chunks[0] == "db " + bytes(range(31)).hex()
    assert bytes.fromhex("".join(c[3:] for c in chunks)) == payload
    assert chunks[0] == chunks[0].lower()
    assert len(hex_chunks(payload, 26)) == -(-512 // 26)
