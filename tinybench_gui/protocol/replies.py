"""Typed replies of the DUT protocol (benchmark.md §1.2-§1.3).

``parse_reply(line)`` turns one received line into one of the frozen dataclasses
below. Lines the protocol does not define (``[Initialized]``, ``Received command:``,
vendor debug prints) become ``UnknownLine`` so that callers can record them
instead of failing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from tinybench_gui.protocol.framing import READY_LINE

TimestampMode = Literal["performance", "energy"]
_R = TypeVar("_R")


@dataclass(frozen=True, slots=True)
class Ready:
    """``m-ready``: the end of every response."""


@dataclass(frozen=True, slots=True)
class InitDone:
    """``m-init-done``: the firmware finished booting."""


@dataclass(frozen=True, slots=True)
class NameReply:
    """``m-name-<device>-[<name>]``; ``device`` is ``dut`` for a DUT."""

    device: str
    name: str


@dataclass(frozen=True, slots=True)
class ProfileReply:
    """``m-profile-[<profile>]``."""

    profile: str


@dataclass(frozen=True, slots=True)
class ModelReply:
    """``m-model-[<model id>]``: decides the benchmark and the dataset folder."""

    model: str


@dataclass(frozen=True, slots=True)
class TimestampModeReply:
    """``m-timestamp-mode-performance|energy``: which firmware build is running."""

    mode: TimestampMode


@dataclass(frozen=True, slots=True)
class LapReply:
    """``m-lap-us-<N>``: the DUT's free-running microsecond timer."""

    lap_us: int


@dataclass(frozen=True, slots=True)
class WarmupStart:
    """``m-warmup-start-<W>``."""

    warmups: int


@dataclass(frozen=True, slots=True)
class WarmupDone:
    """``m-warmup-done``."""


@dataclass(frozen=True, slots=True)
class InferStart:
    """``m-infer-start-<N>``."""

    iterations: int


@dataclass(frozen=True, slots=True)
class InferDone:
    """``m-infer-done``."""


@dataclass(frozen=True, slots=True)
class ResultsReply:
    """``m-results-[v0,v1,...]``: the output vector, as the host parses it (floats)."""

    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class ExpectingBytes:
    """``m-[Expecting <N> bytes]``: the answer to ``db load N``."""

    count: int


@dataclass(frozen=True, slots=True)
class LoadDone:
    """``m-load-done``: the last byte of the announced input arrived."""


@dataclass(frozen=True, slots=True)
class BufferReply:
    """``m-buffer-xx-xx-...``: one line of ``db print``."""

    data: bytes


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """``e-[<message>]``: the firmware refused the command."""

    message: str


@dataclass(frozen=True, slots=True)
class UnknownLine:
    """A line the protocol does not define; kept verbatim for the transcript."""

    text: str


Reply = (
    Ready
    | InitDone
    | NameReply
    | ProfileReply
    | ModelReply
    | TimestampModeReply
    | LapReply
    | WarmupStart
    | WarmupDone
    | InferStart
    | InferDone
    | ResultsReply
    | ExpectingBytes
    | LoadDone
    | BufferReply
    | ErrorReply
    | UnknownLine
)

_NAME = re.compile(r"^m-name-([a-z]+)-\[([^\]]*)\]$")
_PROFILE = re.compile(r"^m-profile-\[([^\]]*)\]$")
_MODEL = re.compile(r"^m-model-\[([^\]]*)\]$")
_TIMESTAMP_MODE = re.compile(r"^m-timestamp-mode-(performance|energy)$")
_LAP = re.compile(r"^m-lap-us-(\d+)$")
_WARMUP_START = re.compile(r"^m-warmup-start-(\d+)$")
_INFER_START = re.compile(r"^m-infer-start-(\d+)$")
_RESULTS = re.compile(r"^m-results-\[([^\]]*)\]$")
_EXPECTING = re.compile(r"^m-\[Expecting (\d+) bytes\]$")
_BUFFER = re.compile(r"^m-buffer((?:-[0-9a-fA-F]{2})+)$")
_ERROR = re.compile(r"^e-\[(.*)\]$")
_FIXED: dict[str, Reply] = {
    READY_LINE: Ready(),
    "m-init-done": InitDone(),
    "m-warmup-done": WarmupDone(),
    "m-infer-done": InferDone(),
    "m-load-done": LoadDone(),
}


def _parse_values(text: str) -> tuple[float, ...] | None:
    if not text.strip():
        return ()
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        return None


def parse_reply(line: str) -> Reply:
    """Parse one line (without CR/LF) into a typed reply."""
    text = line.strip()
    fixed = _FIXED.get(text)
    if fixed is not None:
        return fixed
    if m := _LAP.match(text):
        return LapReply(int(m.group(1)))
    if m := _RESULTS.match(text):
        values = _parse_values(m.group(1))
        return UnknownLine(line) if values is None else ResultsReply(values)
    if m := _NAME.match(text):
        return NameReply(m.group(1), m.group(2))
    if m := _PROFILE.match(text):
        return ProfileReply(m.group(1))
    if m := _MODEL.match(text):
        return ModelReply(m.group(1))
    if m := _TIMESTAMP_MODE.match(text):
        mode: TimestampMode = "energy" if m.group(1) == "energy" else "performance"
        return TimestampModeReply(mode)
    if m := _WARMUP_START.match(text):
        return WarmupStart(int(m.group(1)))
    if m := _INFER_START.match(text):
        return InferStart(int(m.group(1)))
    if m := _EXPECTING.match(text):
        return ExpectingBytes(int(m.group(1)))
    if m := _BUFFER.match(text):
        return BufferReply(bytes.fromhex(m.group(1).replace("-", "")))
    if m := _ERROR.match(text):
        return ErrorReply(m.group(1))
    return UnknownLine(line)


@dataclass(frozen=True, slots=True)
class Response:
    """Everything the DUT said for one command, up to and including ``m-ready``."""

    command: str
    lines: tuple[str, ...]
    replies: tuple[Reply, ...] = field(default=())

    @classmethod
    def from_lines(cls, command: str, lines: list[str] | tuple[str, ...]) -> Response:
        """Build a response from its raw lines."""
        return cls(command, tuple(lines), tuple(parse_reply(x) for x in lines))

    @property
    def errors(self) -> list[str]:
        """The messages of every ``e-[...]`` line."""
        return [r.message for r in self.replies if isinstance(r, ErrorReply)]

    @property
    def laps_us(self) -> list[int]:
        """Every ``m-lap-us-`` value, in order."""
        return [r.lap_us for r in self.replies if isinstance(r, LapReply)]

    @property
    def results(self) -> tuple[float, ...] | None:
        """The last ``m-results-[...]`` vector, if any."""
        found = [r.values for r in self.replies if isinstance(r, ResultsReply)]
        return found[-1] if found else None

    @property
    def unknown(self) -> list[str]:
        """Lines the protocol does not define."""
        return [r.text for r in self.replies if isinstance(r, UnknownLine)]

    def first(self, kind: type[_R]) -> _R | None:
        """The first reply of type ``kind``, if any."""
        for r in self.replies:
            if isinstance(r, kind):
                return r
        return None
