"""Capabilities the runner asks for, as Protocols (labgrid and bluesky style).

A DUT is reached through a ``CommandChannel``: directly (``SerialLink``) or through
an interface board that relays ``dut <cmd>`` and strips its ``[dut]: `` prefixes.
"""

from __future__ import annotations

from typing import Protocol

from tinybench_gui.protocol.replies import Response


class CommandChannel(Protocol):
    """Send one DUT command, get its whole response up to ``m-ready``."""

    @property
    def url(self) -> str:
        """Where the channel goes (port path or pyserial URL), for error messages."""
        ...

    @property
    def chunk_bytes(self) -> int:
        """Payload bytes per ``db`` chunk that keep the command within 80 characters."""
        ...

    def transact(self, command: str, *, line_timeout_s: float | None = None) -> Response:
        """Send ``command``; return every line up to and including ``m-ready``."""
        ...

    def send(self, command: str) -> None:
        """Send ``command`` without waiting (read the lines with ``read_line``)."""
        ...

    def read_line(self, timeout_s: float | None = None, *, command: str | None = None) -> str:
        """The next DUT line (prefixes of a relay removed)."""
        ...

    def purge(self) -> list[str]:
        """Drop stale output; return the complete lines dropped."""
        ...

    def close(self) -> None:
        """Release the port; safe to call twice."""
        ...
