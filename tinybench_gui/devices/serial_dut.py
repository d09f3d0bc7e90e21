"""Opening a DUT that is wired straight to the host (performance and accuracy modes)."""

from __future__ import annotations

from collections.abc import Callable

from tinybench_gui.devices.capabilities import CommandChannel
from tinybench_gui.devices.transport import SerialLink, TranscriptSink


def serial_dut_opener(
    url: str, baud_rate: int, *, line_timeout_s: float = 5.0
) -> Callable[[TranscriptSink], CommandChannel]:
    """A function that opens ``url`` on the calling thread, recording to ``transcript``."""

    def open_dut(transcript: TranscriptSink) -> CommandChannel:
        link = SerialLink(
            url, baud_rate, source="dut", line_timeout_s=line_timeout_s, transcript=transcript
        )
        return link.open()

    return open_dut
