"""Protocol-table tests in the PyMeasure ``expected_protocol`` style.

``ExpectedPort`` stands in for a pyserial port: each write must equal the next
expected ``sent`` bytes, which releases that pair's ``reply`` bytes for reading.
``assert_consumed`` fails if any pair was never used.
"""

from __future__ import annotations

from collections.abc import Sequence


class UnexpectedBytesError(AssertionError):
    """The code under test wrote something the table did not expect."""


class ExpectedPort:
    """A fake pyserial port driven by a table of (sent, reply) pairs."""

    def __init__(self, pairs: Sequence[tuple[bytes | None, bytes]]) -> None:
        self._pairs = list(pairs)
        self._index = 0
        self._pending = bytearray()
        self.written = bytearray()
        self.is_open = True
        self.baudrate = 115200
        # A leading (None, reply) pair is output the device prints unprompted.
        while self._index < len(self._pairs) and self._pairs[self._index][0] is None:
            self._pending += self._pairs[self._index][1]
            self._index += 1

    def write(self, data: bytes) -> int:
        self.written += data
        if self._index >= len(self._pairs):
            raise UnexpectedBytesError(f"wrote {data!r} after the table ended")
        sent, reply = self._pairs[self._index]
        if sent != data:
            raise UnexpectedBytesError(f"expected {sent!r}, got {data!r} (pair {self._index})")
        self._index += 1
        self._pending += reply
        while self._index < len(self._pairs) and self._pairs[self._index][0] is None:
            self._pending += self._pairs[self._index][1]
            self._index += 1
        return len(data)

    @property
    def in_waiting(self) -> int:
        return len(self._pending)

    def read(self, size: int = 1) -> bytes:
        data = bytes(self._pending[:size])
        del self._pending[:size]
        return data

    def reset_input_buffer(self) -> None:
        self._pending.clear()

    def close(self) -> None:
        self.is_open = False

    def assert_consumed(self) -> None:
        """Fail unless every pair was used and every reply byte read."""
        if self._index != len(self._pairs):
            raise AssertionError(f"{len(self._pairs) - self._index} expected exchanges unused")
        if self._pending:
            raise AssertionError(f"reply bytes never read: {bytes(self._pending)!r}")
