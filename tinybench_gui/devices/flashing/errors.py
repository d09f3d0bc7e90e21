"""Flash failures, classified so the user sees the cause and the fix, plus the tool's own words."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

_Found = TypeVar("_Found")


class FlashErrorKind(enum.StrEnum):
    """Why a flash failed."""

    PROBE_NOT_FOUND = "probe_not_found"
    TARGET_NOT_RESPONDING = "target_not_responding"
    READ_PROTECTION = "read_protection"
    VERIFY_MISMATCH = "verify_mismatch"
    TOOL_MISSING = "tool_missing"
    TIMEOUT = "timeout"
    IMAGE_INVALID = "image_invalid"
    CANCELLED = "cancelled"
    FAILED = "failed"  # the tool failed in a way we do not recognise: read its output


HINTS: dict[FlashErrorKind, str] = {
    FlashErrorKind.PROBE_NOT_FOUND: (
        "plug the board's debug USB (ST-LINK/DAPLink side), check the udev rules and that no "
        "other debugger (CubeIDE, a gdb server) holds the probe"
    ),
    FlashErrorKind.TARGET_NOT_RESPONDING: (
        "the probe is there but the MCU does not answer: retry with connect-under-reset "
        "(`--under-reset`), check the board's power and that the firmware does not disable "
        "the debug pins or enter deep sleep at once"
    ),
    FlashErrorKind.READ_PROTECTION: (
        "the flash is read/write protected (RDP level 1 or WRP): removing it mass-erases the "
        "chip, e.g. `STM32_Programmer_CLI -c port=SWD mode=UR -ob RDP=0xAA`"
    ),
    FlashErrorKind.VERIFY_MISMATCH: (
        "what was read back differs from the image: flash again; if it persists, the firmware "
        "may write to its own flash at start-up, or the flash is worn"
    ),
    FlashErrorKind.TOOL_MISSING: "install the route's tool (see `tinybench doctor`)",
    FlashErrorKind.TIMEOUT: (
        "the tool did not finish in time: unplug and replug the board, then retry; a slow "
        "SWD clock or a mass erase can need a longer --timeout"
    ),
    FlashErrorKind.IMAGE_INVALID: "rebuild the firmware for this board, or pick the right file",
    FlashErrorKind.CANCELLED: (
        "cancelled: the flash may hold a partial image; flash again before running"
    ),
    FlashErrorKind.FAILED: "read the tool's output below",
}


class FlashError(RuntimeError):
    """A classified flash failure: ``kind``, a message, the fix, and the tool's raw output."""

    def __init__(
        self,
        kind: FlashErrorKind,
        message: str,
        *,
        raw_output: str = "",
        hint: str | None = None,
        route: str | None = None,
    ) -> None:
        self.kind = kind
        self.message = message
        self.raw_output = raw_output
        self.hint = hint if hint is not None else HINTS[kind]
        self.route = route
        super().__init__(f"{message}. Fix: {self.hint}" if self.hint else message)


@dataclass(frozen=True, slots=True)
class OutputRule:
    """A pattern in a tool's output and the failure it means."""

    pattern: re.Pattern[str]
    kind: FlashErrorKind


def rules(*pairs: tuple[str, FlashErrorKind]) -> tuple[OutputRule, ...]:
    """Compile ``(regex, kind)`` pairs, case-insensitive, in priority order."""
    return tuple(OutputRule(re.compile(p, re.IGNORECASE), k) for p, k in pairs)


def classify_output(output: str, table: Sequence[OutputRule]) -> tuple[FlashErrorKind, str] | None:
    """The first rule that matches ``output``, with the matching line."""
    for rule in table:
        found = rule.pattern.search(output)
        if found:
            start = output.rfind("\n", 0, found.start()) + 1
            end = output.find("\n", found.end())
            line = output[start : end if end >= 0 else None].strip()
            return rule.kind, line
    return None


def only_one(
    found: Sequence[_Found],
    *,
    route: str,
    none: str,
    several: str,
    none_hint: str | None = None,
    several_hint: str | None = None,
) -> _Found:
    """The single probe or drive in ``found``; ``PROBE_NOT_FOUND`` if there are none or several."""
    if not found:
        raise FlashError(FlashErrorKind.PROBE_NOT_FOUND, none, hint=none_hint, route=route)
    if len(found) > 1:
        raise FlashError(FlashErrorKind.PROBE_NOT_FOUND, several, hint=several_hint, route=route)
    return found[0]
