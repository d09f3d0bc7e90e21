"""Where an accuracy run's wall time goes: bytes on the wire, DUT compute, overhead.

Accuracy runs are bound by the UART: every input travels as hex, 31 bytes a round
trip. Wire time is counted from the bytes that crossed (8N1: 10 bit times a byte
at the link's baud rate), DUT compute from its own ``m-lap-us`` timer; overhead is
the rest (host processing, latency between a reply and the next command, the
DUT's untimed pre/post-processing). Overhead is what tinybench can still shave.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

BITS_PER_BYTE = 10  # 8N1: start bit, 8 data bits, stop bit


@dataclass(slots=True)
class UartAccounting:
    """Accumulated over the files of one session of an accuracy run."""

    baud_rate: int
    wall_s: float = 0.0
    download_bytes: int = 0  # db load + db <hex> commands and their replies
    protocol_bytes: int = 0  # infer commands and their replies
    inference_s: float = 0.0  # sum of the DUT's timed regions (m-lap-us)
    files: int = 0
    inferences: int = 0
    # Per file: overhead as a share of the file's wall time. Its median shows the typical
    # file; the total also holds stalls (another process hogging the CPU, a slow fsync).
    file_overhead_shares: list[float] = field(default_factory=list)
    _file_mark: tuple[float, float] = (0.0, 0.0)  # wire s and inference s at the last file

    def add_inference(
        self, *, download_bytes: int, protocol_bytes: int, inference_s: float
    ) -> None:
        """Add one inference's (one window's) bytes and DUT time."""
        self.download_bytes += download_bytes
        self.protocol_bytes += protocol_bytes
        self.inference_s += inference_s
        self.inferences += 1

    def add_file(self, wall_s: float) -> None:
        """Add one file's wall time, from its first byte to its journal entry."""
        self.wall_s += wall_s
        self.files += 1
        wire_s = self.download_s + self.protocol_s
        busy_s = wire_s - self._file_mark[0] + self.inference_s - self._file_mark[1]
        self._file_mark = (wire_s, self.inference_s)
        if wall_s > 0:
            self.file_overhead_shares.append((wall_s - busy_s) / wall_s)

    @property
    def median_file_overhead_share(self) -> float:
        """The typical file's overhead share (0 before the first file)."""
        return statistics.median(self.file_overhead_shares) if self.file_overhead_shares else 0.0

    def wire_s(self, nbytes: int) -> float:
        """Seconds ``nbytes`` take on the wire at this baud rate."""
        return nbytes * BITS_PER_BYTE / self.baud_rate

    @property
    def download_s(self) -> float:
        """Wire time of the input downloads."""
        return self.wire_s(self.download_bytes)

    @property
    def protocol_s(self) -> float:
        """Wire time of the infer commands and their replies."""
        return self.wire_s(self.protocol_bytes)

    @property
    def overhead_s(self) -> float:
        """Wall time that is neither bytes on the wire nor DUT compute."""
        return self.wall_s - self.download_s - self.protocol_s - self.inference_s

    def share(self, seconds: float) -> float:
        """``seconds`` as a fraction of the wall time."""
        return seconds / self.wall_s if self.wall_s > 0 else 0.0

    def as_dict(self) -> dict[str, float | int]:
        """Plain figures for metrics and files."""
        return {
            "baud_rate": self.baud_rate,
            "files": self.files,
            "inferences": self.inferences,
            "wall_s": self.wall_s,
            "download_s": self.download_s,
            "protocol_s": self.protocol_s,
            "inference_s": self.inference_s,
            "overhead_s": self.overhead_s,
            "download_share": self.share(self.download_s),
            "protocol_share": self.share(self.protocol_s),
            "inference_share": self.share(self.inference_s),
            "overhead_share": self.share(self.overhead_s),
            "median_file_overhead_share": self.median_file_overhead_share,
        }

    def report_lines(self) -> list[str]:
        """The block printed at the end of each accuracy run."""
        lines = [
            f"Time accounting ({self.files} files, {self.inferences} inferences, "
            f"{self.baud_rate} baud):",
            f"  Wall time        : {self.wall_s:10.3f} s",
            f"  Input download   : {self.download_s:10.3f} s  "
            f"{100 * self.share(self.download_s):5.1f} %  ({self.download_bytes} B on the wire)",
            f"  Infer commands   : {self.protocol_s:10.3f} s  "
            f"{100 * self.share(self.protocol_s):5.1f} %  ({self.protocol_bytes} B on the wire)",
            f"  DUT inference    : {self.inference_s:10.3f} s  "
            f"{100 * self.share(self.inference_s):5.1f} %  (m-lap-us)",
            f"  Overhead         : {self.overhead_s:10.3f} s  "
            f"{100 * self.share(self.overhead_s):5.1f} %  "
            f"(median file {100 * self.median_file_overhead_share:.1f} %)",
        ]
        if self.overhead_s < 0:
            lines.append(
                "  (negative overhead: this DUT took less wall time than its wire bytes and "
                "m-lap-us timer claim, e.g. a simulated DUT without wire time or real time)"
            )
        return lines
