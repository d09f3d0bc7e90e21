"""Framing of the DUT protocol (benchmark.md §1.1).

Host to DUT: an ASCII command followed by ``%``; never CR or LF. The reference
firmware keeps at most 80 characters and silently overwrites the last slot after
that, so a longer command is refused here rather than truncated on the board.

DUT to host: lines end in ``\\r\\n``; every response ends with ``m-ready``.
"""

from __future__ import annotations

from typing import Final

COMMAND_TERMINATOR: Final = b"%"
LINE_END: Final = b"\r\n"
READY_LINE: Final = "m-ready"
MAX_COMMAND_CHARS: Final = 80
# `db ` + 62 hex digits = 65 characters (benchmark.md §1.5).
DIRECT_CHUNK_BYTES: Final = 31
# Through an interface board, the `dut ` prefix costs 4 characters and the
# MLCommons runner drops to 26 bytes a chunk.
IO_BOARD_CHUNK_BYTES: Final = 26


class CommandTooLongError(ValueError):
    """A command would exceed the firmware's 80-character buffer."""


def encode_command(command: str) -> bytes:
    """Return the bytes for ``command``: ASCII plus the ``%`` terminator.

    Raises ``CommandTooLongError`` for more than 80 characters and ``ValueError``
    for characters the firmware's parser cannot take (``%``, CR, LF, non-ASCII).
    """
    if len(command) > MAX_COMMAND_CHARS:
        raise CommandTooLongError(
            f"command of {len(command)} characters exceeds the DUT's "
            f"{MAX_COMMAND_CHARS}-character buffer: {command[:40]!r}..."
        )
    if any(c in command for c in "%\r\n"):
        raise ValueError(f"command must not contain '%', CR or LF: {command!r}")
    try:
        raw = command.encode("ascii")
    except UnicodeEncodeError as exc:
        raise ValueError(f"command must be ASCII: {command!r}") from exc
    return raw + COMMAND_TERMINATOR


def decode_line(raw: bytes) -> str:
    """Decode one received line, dropping CR, LF and NUL as the runners do."""
    return raw.decode("ascii", errors="replace").strip("\r\n\x00")


class LineSplitter:
    """Incremental splitter of a byte stream into lines (on ``\\n``)."""

    def __init__(self) -> None:
        self._pending = bytearray()

    def feed(self, data: bytes) -> list[str]:
        """Add received bytes; return the complete lines they finished."""
        self._pending += data
        lines: list[str] = []
        while True:
            end = self._pending.find(b"\n")
            if end < 0:
                return lines
            lines.append(decode_line(bytes(self._pending[: end + 1])))
            del self._pending[: end + 1]

    @property
    def partial(self) -> str:
        """The bytes received after the last complete line, decoded."""
        return decode_line(bytes(self._pending))


def hex_chunks(payload: bytes, chunk_bytes: int = DIRECT_CHUNK_BYTES) -> list[str]:
    """Split ``payload`` into ``db <hex>`` commands, lowercase hex, as both runners send."""
    if chunk_bytes < 1:
        raise ValueError("chunk_bytes must be at least 1")
    return ["db " + payload[i : i + chunk_bytes].hex() for i in range(0, len(payload), chunk_bytes)]
