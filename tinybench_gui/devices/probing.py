"""Confirm what answers on a serial endpoint, within a deadline, without disturbing it.

DUTs and interface boards are asked ``name%`` at each candidate baud rate in turn
(115200, 921600, 9600 by default, benchmark.md §6 pain point 1); a DUT is then asked
``profile%`` for its model and ``timestamp%`` for its build mode (a performance
build prints ``m-lap-us-N``, an energy build only pulses its GPIO), unless the boot
banner's ``m-timestamp-mode-*`` line was already waiting. The LPM01A is asked
``powershield`` and ``version``; the PPK2 its metadata.

Ports are opened exclusively: if another program holds one, the probe reports
``busy`` and sends nothing.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tinybench_gui.devices.transport import (
    LinkError,
    LinkTimeoutError,
    PortUnavailableError,
    SerialLink,
    open_serial,
)
from tinybench_gui.protocol.framing import READY_LINE
from tinybench_gui.protocol.replies import (
    ErrorReply,
    LapReply,
    ModelReply,
    NameReply,
    ProfileReply,
    TimestampModeReply,
    parse_reply,
)

ProbeStatus = Literal["identified", "no_answer", "busy", "error", "not_probed", "timeout"]
ProbeKind = Literal["dut_name", "io_board_name", "lpm01a", "ppk2"]
ENHANCED_IO_BOARD_NAME = "tinyML Enhanced Interface Board"
LPM01A_BAUD_RATE = 3686400
_DUT_RELAY_PREFIX = "[dut]: "
# EBUSY (16), EAGAIN (11) from the exclusive flock, and the texts pyserial wraps them in.
_BUSY = re.compile(r"lock|busy|Errno 1[16]\b|temporarily unavailable", re.IGNORECASE)
_UUCP_LOCK_DIRS = (Path("/var/lock"), Path("/run/lock"), Path("/var/spool/lock"))


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What a probe found on one endpoint."""

    status: ProbeStatus
    url: str
    role: str | None = None  # dut | io_board | energy_monitor
    baud_rate: int | None = None
    name: str | None = None  # the DUT's vendor string, or the board/instrument's own name
    model: str | None = None  # m-model-[...]
    profile: str | None = None
    build_mode: str | None = None  # performance | energy
    mode_source: str | None = None  # "banner" or "timestamp%"
    firmware_version: str | None = None
    instrument_id: str | None = None
    banner: tuple[str, ...] = ()  # lines that were waiting before we spoke
    transcript: tuple[str, ...] = ()  # every line exchanged, ">" sent, "<" received
    behind: ProbeResult | None = None  # the DUT seen through an interface board
    tried_baud_rates: tuple[int, ...] = ()
    detail: str = ""
    warnings: tuple[str, ...] = ()
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the endpoint answered as a known device."""
        return self.status == "identified"

    def summary(self) -> str:
        """One line for lists and logs."""
        if self.status != "identified":
            return f"{self.status}: {self.detail}" if self.detail else self.status
        parts = [self.role or "?"]
        if self.name:
            parts.append(repr(self.name))
        if self.model:
            parts.append(f"model {self.model}")
        if self.build_mode:
            parts.append(f"{self.build_mode} build")
        if self.firmware_version:
            parts.append(f"fw {self.firmware_version}")
        if self.baud_rate:
            parts.append(f"@ {self.baud_rate} Bd")
        return " ".join(parts)


@dataclass
class _Budget:
    deadline: float
    transcript: list[str] = field(default_factory=list)

    def left_s(self) -> float:
        return self.deadline - time.monotonic()

    def slice_s(self, wanted_s: float) -> float:
        return max(0.0, min(wanted_s, self.left_s()))


def uucp_locked(device: str, lock_dirs: Sequence[Path] = _UUCP_LOCK_DIRS) -> bool:
    """Whether a terminal program (minicom, screen) holds a UUCP lock file on ``device``."""
    if "://" in device:
        return False
    name = os.path.basename(device)
    return any((d / f"LCK..{name}").exists() for d in lock_dirs)


def _busy_or_error(exc: LinkError, url: str, budget: _Budget, started: float) -> ProbeResult:
    busy = _BUSY.search(str(exc)) is not None
    return ProbeResult(
        status="busy" if busy else "error",
        url=url,
        detail=(
            "in use by another program (left alone)"
            if busy
            else f"cannot open: {exc.what}. Fix: {exc.fix}"
        ),
        transcript=tuple(budget.transcript),
        elapsed_s=time.monotonic() - started,
    )


def _drain(link: SerialLink, budget: _Budget, quiet_s: float) -> list[str]:
    """Read the lines already waiting (a boot banner), stopping after ``quiet_s`` of silence."""
    lines: list[str] = []
    while budget.left_s() > 0:
        try:
            line = link.read_line(budget.slice_s(quiet_s))
        except LinkTimeoutError:
            break
        lines.append(line)
        budget.transcript.append(f"< {line}")
    return lines


def _read_until(
    link: SerialLink, command: str, budget: _Budget, line_timeout_s: float, ready: str
) -> list[str]:
    """Read lines up to and including ``ready``; raise LinkTimeoutError on silence."""
    lines: list[str] = []
    while True:
        if budget.left_s() <= 0:
            raise LinkTimeoutError("probe deadline passed", port=link.url, command=command)
        line = link.read_line(budget.slice_s(line_timeout_s), command=command)
        budget.transcript.append(f"< {line}")
        lines.append(line)
        if line.strip() == ready:
            return lines


def _exchange(link: SerialLink, command: str, budget: _Budget, line_timeout_s: float) -> list[str]:
    """Send ``command`` and read its response up to ``m-ready``."""
    budget.transcript.append(f"> {command}%")
    link.send(command)
    return _read_until(link, command, budget, line_timeout_s, READY_LINE)


def _classify_name(lines: Sequence[str]) -> tuple[str, str] | None:
    """Map a ``name%`` reply to (role, name), or None if it is not ours."""
    for line in lines:
        text = line.strip()
        if text == ENHANCED_IO_BOARD_NAME:
            return "io_board", text
        reply = parse_reply(text)
        if isinstance(reply, NameReply):
            return ("dut", reply.name) if reply.device == "dut" else ("io_board", text)
        if text.startswith("m-name-io"):
            return "io_board", text
    return None


def _dut_details(
    link: SerialLink, budget: _Budget, banner: Sequence[str], line_timeout_s: float
) -> dict[str, Any]:
    details: dict[str, Any] = {}
    for line in banner:
        reply = parse_reply(line)
        if isinstance(reply, TimestampModeReply):
            details.update(build_mode=reply.mode, mode_source="banner")
    with _suppress_timeout():
        for line in _exchange(link, "profile", budget, line_timeout_s):
            reply = parse_reply(line)
            if isinstance(reply, ProfileReply):
                details["profile"] = reply.profile
            elif isinstance(reply, ModelReply):
                details["model"] = reply.model
    if "build_mode" not in details:
        with _suppress_timeout():
            replies = [parse_reply(x) for x in _exchange(link, "timestamp", budget, line_timeout_s)]
            if any(isinstance(r, LapReply) for r in replies):
                details.update(build_mode="performance", mode_source="timestamp%")
            elif not any(isinstance(r, ErrorReply) for r in replies):
                details.update(build_mode="energy", mode_source="timestamp%")
    return details


class _suppress_timeout:  # noqa: N801 - used like contextlib.suppress
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> bool:
        return kind is not None and issubclass(kind, LinkTimeoutError)


def _relay_dut(link: SerialLink, budget: _Budget, line_timeout_s: float) -> ProbeResult | None:
    """Ask the DUT behind an interface board for its name, through ``dut name%``."""
    try:
        _exchange(link, "dut name", budget, line_timeout_s)
        relayed = _read_until(
            link, "dut name", budget, line_timeout_s, _DUT_RELAY_PREFIX + READY_LINE
        )
    except LinkTimeoutError:
        return None
    except (LinkError, ValueError):
        return None
    stripped = [x.removeprefix(_DUT_RELAY_PREFIX) for x in relayed]
    found = _classify_name(stripped)
    if found is None or found[0] != "dut":
        return None
    return ProbeResult(status="identified", url=link.url, role="dut", name=found[1])


def probe_name(
    url: str,
    baud_rates: Sequence[int],
    *,
    deadline_s: float = 5.0,
    line_timeout_s: float = 0.8,
    banner_quiet_s: float = 0.15,
    look_behind_io_board: bool = True,
    settle_s: float = 0.0,
) -> ProbeResult:
    """Probe a DUT or interface board with ``name%`` at each baud rate in order.

    ``settle_s``: wait after each open before speaking, for boards that opening the port
    resets (an Arduino UNO's DTR auto-reset).
    """
    started = time.monotonic()
    budget = _Budget(started + deadline_s)
    if uucp_locked(url):
        return ProbeResult(status="busy", url=url, detail="locked by a terminal program (LCK..)")
    tried: list[int] = []
    for baud in baud_rates:
        if budget.left_s() <= 0:
            break
        tried.append(baud)
        link = SerialLink(url, baud, line_timeout_s=line_timeout_s)
        try:
            link.open()
        except PortUnavailableError as exc:
            return _busy_or_error(exc, url, budget, started)
        try:
            if settle_s > 0:
                time.sleep(budget.slice_s(settle_s))
            # Lines waiting at the first open are a boot banner; later ones are noise.
            banner = _drain(link, budget, banner_quiet_s) if len(tried) == 1 else []
            try:
                lines = _exchange(link, "name", budget, line_timeout_s)
            except LinkTimeoutError:
                continue
            found = _classify_name(lines)
            if found is None and any(parse_reply(x).__class__ is ErrorReply for x in lines):
                # Stale characters in the DUT's command buffer: one clean retry.
                with _suppress_timeout():
                    lines = _exchange(link, "name", budget, line_timeout_s)
                    found = _classify_name(lines)
            if found is None:
                continue
            role, name = found
            extra: dict[str, Any] = {}
            if role == "dut":
                extra = _dut_details(link, budget, banner, line_timeout_s)
            elif look_behind_io_board:
                extra["behind"] = _relay_dut(link, budget, line_timeout_s)
            return ProbeResult(
                status="identified",
                url=url,
                role=role,
                baud_rate=baud,
                name=name,
                banner=tuple(banner),
                transcript=tuple(budget.transcript),
                tried_baud_rates=tuple(tried),
                elapsed_s=time.monotonic() - started,
                **extra,
            )
        except PortUnavailableError as exc:
            return ProbeResult(
                status="error",
                url=url,
                detail=f"{exc.what}. Fix: {exc.fix}",
                transcript=tuple(budget.transcript),
                tried_baud_rates=tuple(tried),
                elapsed_s=time.monotonic() - started,
            )
        finally:
            link.close()
    rates = ", ".join(str(b) for b in tried)
    return ProbeResult(
        status="no_answer" if budget.left_s() > 0 else "timeout",
        url=url,
        detail=(
            f"no answer to name% at {rates} Bd; check the cable, that the firmware finished "
            "booting, and the baud rate (energy builds run at 9600 behind the interface board)"
        ),
        transcript=tuple(budget.transcript),
        tried_baud_rates=tuple(tried),
        elapsed_s=time.monotonic() - started,
    )


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.strip().split("."):
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _raw_lines(port: Any, budget: _Budget, until: str, quiet_s: float) -> list[str]:
    """Read raw lines from an open pyserial port until one contains ``until``."""
    buffer = b""
    lines: list[str] = []
    last_data = time.monotonic()
    while budget.left_s() > 0 and time.monotonic() - last_data < quiet_s:
        data = port.read(port.in_waiting or 1)
        if data:
            last_data = time.monotonic()
            buffer += data
            *complete, buffer = buffer.split(b"\n")
            for raw in complete:
                text = raw.decode("ascii", errors="replace").strip("\r\x00 ")
                if text:
                    lines.append(text)
                    budget.transcript.append(f"< {text}")
            if any(until in x for x in lines):
                break
    return lines


def probe_lpm01a(
    url: str, *, deadline_s: float = 3.0, reply_timeout_s: float = 0.8, min_firmware: str = "1.0.6"
) -> ProbeResult:
    """Identify an X-NUCLEO-LPM01A by ``powershield`` and ``version`` (UM2269 Tables 5-6)."""
    started = time.monotonic()
    budget = _Budget(started + deadline_s)
    if uucp_locked(url):
        return ProbeResult(status="busy", url=url, detail="locked by a terminal program (LCK..)")
    try:
        port = open_serial(url, LPM01A_BAUD_RATE)
    except PortUnavailableError as exc:
        return _busy_or_error(exc, url, budget, started)
    try:
        port.reset_input_buffer()
        found: dict[str, str] = {}
        # Identification only: no htc, so host control stays as the owner left it.
        for command in ("powershield", "version"):
            budget.transcript.append(f"> {command}")
            port.write(command.encode("ascii") + b"\r\n")
            for line in _raw_lines(port, budget, f"ack {command}", reply_timeout_s):
                body = line.removeprefix("PowerShield >").strip()
                if body.startswith("ack powershield"):
                    found["id"] = body.removeprefix("ack powershield").strip()
                elif body.startswith("ack version"):
                    found["version"] = body.removeprefix("ack version").strip(": ")
    except (OSError, ValueError) as exc:
        return ProbeResult(status="error", url=url, detail=f"I/O failed: {exc}")
    finally:
        port.close()
    if "id" not in found and "version" not in found:
        return ProbeResult(
            status="no_answer",
            url=url,
            baud_rate=LPM01A_BAUD_RATE,
            detail="no PowerShield prompt at 3686400 Bd; power-cycle the LPM01A (its reset button)",
            transcript=tuple(budget.transcript),
            elapsed_s=time.monotonic() - started,
        )
    warnings: list[str] = []
    version = found.get("version")
    if version and _version_tuple(version) < _version_tuple(min_firmware):
        warnings.append(
            f"LPM01A firmware {version} is older than {min_firmware}: `eventsrc d7` and "
            "`pwr off` fail (eembc/energyrunner#8); update it with ST's PowerShield tool"
        )
    return ProbeResult(
        status="identified",
        url=url,
        role="energy_monitor",
        baud_rate=LPM01A_BAUD_RATE,
        name="X-NUCLEO-LPM01A",
        instrument_id=found.get("id"),
        firmware_version=version,
        transcript=tuple(budget.transcript),
        warnings=tuple(warnings),
        elapsed_s=time.monotonic() - started,
    )


def probe_ppk2(url: str, *, deadline_s: float = 3.0, reply_timeout_s: float = 0.8) -> ProbeResult:
    """Identify a PPK2 by its metadata (command byte 0x19, lines up to ``END``)."""
    started = time.monotonic()
    budget = _Budget(started + deadline_s)
    try:
        port = open_serial(url, 115200)
    except PortUnavailableError as exc:
        return _busy_or_error(exc, url, budget, started)
    try:
        port.reset_input_buffer()
        budget.transcript.append("> 19")
        port.write(b"\x19")
        lines = _raw_lines(port, budget, "END", reply_timeout_s)
    except (OSError, ValueError) as exc:
        return ProbeResult(status="error", url=url, detail=f"I/O failed: {exc}")
    finally:
        port.close()
    meta = dict(x.split(":", 1) for x in lines if ":" in x)
    if not any(x.strip() == "END" for x in lines) or not meta:
        return ProbeResult(
            status="no_answer",
            url=url,
            detail="no PPK2 metadata; unplug and replug the PPK2",
            transcript=tuple(budget.transcript),
            elapsed_s=time.monotonic() - started,
        )
    hw = meta.get("HW", "").strip() or None
    return ProbeResult(
        status="identified",
        url=url,
        role="energy_monitor",
        name="Nordic PPK2",
        firmware_version=hw,
        transcript=tuple(budget.transcript),
        elapsed_s=time.monotonic() - started,
    )


def probe(
    url: str,
    kind: ProbeKind,
    baud_rates: Sequence[int] = (115200, 921600, 9600),
    *,
    deadline_s: float = 5.0,
    line_timeout_s: float = 0.8,
    settle_s: float = 0.0,
) -> ProbeResult:
    """Run the identification that suits ``kind`` (a catalog ``identify`` value)."""
    if kind == "lpm01a":
        return probe_lpm01a(url, deadline_s=deadline_s, reply_timeout_s=line_timeout_s)
    if kind == "ppk2":
        return probe_ppk2(url, deadline_s=deadline_s, reply_timeout_s=line_timeout_s)
    return probe_name(
        url, baud_rates, deadline_s=deadline_s, line_timeout_s=line_timeout_s, settle_s=settle_s
    )
