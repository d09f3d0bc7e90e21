"""DAPLink / ST-LINK mass-storage copy (instruments.md §7.4).

The image (.bin at the flash base, or .hex; an ELF is converted to .hex) is copied to
the probe's drive root, flushed and fsynced. The probe programs the target, then the
drive unmounts and remounts: the copied file is gone afterwards. If programming
failed, the remounted drive holds ``FAIL.TXT`` (``error: <message>`` / ``type: ...``).
Success is "the drive came back and there is no new FAIL.TXT".
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from tinybench_gui.devices.catalog import BoardSpec
from tinybench_gui.devices.flashing.errors import (
    FlashError,
    FlashErrorKind,
    classify_output,
    only_one,
    rules,
)
from tinybench_gui.devices.flashing.image import FirmwareImage, to_intel_hex
from tinybench_gui.devices.flashing.model import (
    CancelToken,
    FlashProgress,
    FlashRequest,
    ProgressSink,
    RouteOutcome,
    RouteStatus,
)

_COPY_CHUNK_BYTES = 64 * 1024
_POLL_S = 0.1
_COPY_SHARE = 0.8
FAIL_FILE = "FAIL.TXT"
# DAPLink error.c texts (instruments.md §7.4); ST's MSD firmware may word them differently.
FAIL_RULES = rules(
    (r"timed out", FlashErrorKind.TIMEOUT),
    (
        r"FAILED to reset/halt|target MCU|could not connect|failed to connect",
        FlashErrorKind.TARGET_NOT_RESPONDING,
    ),
    (
        r"cannot be decoded|checksum|unknown file|not a valid|out of range|too large",
        FlashErrorKind.IMAGE_INVALID,
    ),
    (r"protect", FlashErrorKind.READ_PROTECTION),
    (r"verify|compare", FlashErrorKind.VERIFY_MISMATCH),
)
VolumeFinder = Callable[[], list[tuple[str, Path]]]


def read_details(drive: Path) -> dict[str, str]:
    """``DETAILS.TXT`` as a dict (``Unique ID``, ``HIC ID``, ``Auto Reset`` ...)."""
    try:
        text = (drive / "DETAILS.TXT").read_text(encoding="ascii", errors="replace")
    except OSError:
        return {}
    pairs = (line.split(":", 1) for line in text.splitlines() if ":" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def parse_fail_txt(text: str) -> tuple[str, str | None]:
    """(message, type) from FAIL.TXT; old firmware writes the message only."""
    message = text.strip()
    kind = None
    found = re.search(r"^error:\s*(.*)$", text, re.MULTILINE | re.IGNORECASE)
    if found:
        message = found.group(1).strip()
    found_type = re.search(r"^type:\s*(\S+)", text, re.MULTILINE | re.IGNORECASE)
    if found_type:
        kind = found_type.group(1)
    return message, kind


def _default_volumes() -> list[tuple[str, Path]]:
    from tinybench_gui.devices.discovery import mounted_volume_list

    return mounted_volume_list()


class MassStorageRoute:
    """Copy the image to the board's drive and watch for the remount and FAIL.TXT."""

    name = "msd"

    def __init__(
        self,
        *,
        install: str = "",
        volumes: VolumeFinder | None = None,
        remount_timeout_s: float = 30.0,
        settle_s: float = 1.0,
    ) -> None:
        self.install = install
        self._volumes = volumes or _default_volumes
        self.remount_timeout_s = remount_timeout_s
        self.settle_s = settle_s  # after the remount, time for a late FAIL.TXT to show

    def availability(self) -> RouteStatus:
        """Always available: it needs no tool, only the drive (checked when flashing)."""
        return RouteStatus(self.name, "Mass-storage copy", True, "needs no tool", self.install)

    def supports(self, board: BoardSpec) -> str | None:
        """Boards whose probe exposes a drive."""
        if board.emulated:
            return "an emulated board has no drive"
        if not board.msd_volume:
            return f"{board.name} has no mass-storage drive in the catalog"
        return None

    def find_drive(self, request: FlashRequest) -> Path:
        """The mount point: ``request.drive``, else the mounted volume with the board's label."""
        if request.drive is not None:
            if not request.drive.is_dir():
                raise FlashError(
                    FlashErrorKind.PROBE_NOT_FOUND,
                    f"drive {request.drive} is not mounted",
                    route=self.name,
                )
            return request.drive
        label = (request.board.msd_volume or "").upper()
        matches = [path for name, path in self._volumes() if name.upper() == label]
        if request.probe_serial and len(matches) > 1:
            matches = [m for m in matches if self._drive_serial_matches(m, request.probe_serial)]
        return only_one(
            matches,
            route=self.name,
            none=f"no drive labelled {label} is mounted",
            several=f"{len(matches)} drives labelled {label}: {', '.join(map(str, matches))}",
            none_hint="plug the board's debug USB and wait for the drive, or pass --drive PATH",
            several_hint="pass --drive PATH or --probe SERIAL",
        )

    @staticmethod
    def _drive_serial_matches(drive: Path, serial: str) -> bool:
        if read_details(drive).get("Unique ID", "").upper() == serial.upper():
            return True
        try:
            return serial.upper() in (drive / "MBED.HTM").read_text(errors="replace").upper()
        except OSError:
            return False

    def _payload(self, image: FirmwareImage, board: BoardSpec) -> tuple[str, bytes]:
        if image.format == "bin":
            if board.flash is not None and image.start_address not in (0, board.flash.base):
                raise FlashError(
                    FlashErrorKind.IMAGE_INVALID,
                    f"a .bin for 0x{image.start_address:08X} cannot be copied: the drive "
                    f"writes a .bin at the flash base 0x{board.flash.base:08X}",
                    route=self.name,
                )
            return image.path.stem + ".bin", image.path.read_bytes()
        if image.format == "hex":
            return image.path.stem + ".hex", image.path.read_bytes()
        return image.path.stem + ".hex", to_intel_hex(image).encode("ascii")

    def flash(
        self,
        request: FlashRequest,
        image: FirmwareImage,
        progress: ProgressSink,
        cancel: CancelToken,
    ) -> RouteOutcome:
        """Copy, wait for the remount, check FAIL.TXT."""
        drive = self.find_drive(request)
        name, payload = self._payload(image, request.board)
        fail = drive / FAIL_FILE
        old_fail = _stat_key(fail)
        details = read_details(drive)
        target = drive / name
        progress(FlashProgress("copy", 0.0, f"copying {name} to {drive}"))
        self._copy(target, payload, progress, cancel)
        progress(FlashProgress("program", _COPY_SHARE, "the probe is programming the target"))
        deadline = time.monotonic() + min(self.remount_timeout_s, request.timeout_s)
        remounted = self._wait_remount(drive, target, deadline)
        if not remounted:
            raise FlashError(
                FlashErrorKind.TIMEOUT,
                f"{drive} did not remount within {self.remount_timeout_s:g} s after the copy",
                hint=(
                    "the probe may not have taken the file: check DETAILS.TXT (Daplink Mode: "
                    "Interface), update the probe firmware, or use another route"
                ),
                route=self.name,
            )
        time.sleep(self.settle_s)
        new_fail = _stat_key(fail)
        if new_fail is not None and new_fail != old_fail:
            text = fail.read_bytes().decode("ascii", errors="replace")
            message, fail_type = parse_fail_txt(text)
            found = classify_output(message, FAIL_RULES)
            kind = found[0] if found else FlashErrorKind.FAILED
            typed = f" (type: {fail_type})" if fail_type else ""
            raise FlashError(
                kind,
                f"the probe wrote FAIL.TXT: {message}{typed}",
                raw_output=text,
                route=self.name,
            )
        notes = []
        if details.get("Auto Reset", "1") == "0":
            notes.append("Auto Reset is off on this probe: press the board's RESET button")
        progress(FlashProgress("reset", 1.0, "drive remounted, no FAIL.TXT"))
        raw = "\n".join(f"{k}: {v}" for k, v in details.items())
        return RouteOutcome(verified=None, raw_output=raw, notes=tuple(notes))

    def _copy(
        self, target: Path, payload: bytes, progress: ProgressSink, cancel: CancelToken
    ) -> None:
        total = len(payload)
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        except OSError as exc:
            raise FlashError(
                FlashErrorKind.PROBE_NOT_FOUND,
                f"cannot write to {target.parent}: {exc.strerror}",
                route=self.name,
            ) from exc
        try:
            for off in range(0, total, _COPY_CHUNK_BYTES):
                if cancel.cancelled:
                    raise FlashError(
                        FlashErrorKind.CANCELLED,
                        "copy cancelled before the probe got the whole file",
                        route=self.name,
                    )
                os.write(fd, payload[off : off + _COPY_CHUNK_BYTES])
                done = min(total, off + _COPY_CHUNK_BYTES)
                progress(
                    FlashProgress(
                        "copy", _COPY_SHARE * done / total, f"{done}/{total} B", done / total
                    )
                )
            os.fsync(fd)
        except OSError as exc:
            raise FlashError(
                FlashErrorKind.FAILED, f"copy to {target} failed: {exc.strerror}", route=self.name
            ) from exc
        finally:
            os.close(fd)

    def _wait_remount(self, drive: Path, copied: Path, deadline: float) -> bool:
        """True once the drive went away and came back, or the copied file vanished."""
        went_away = False
        while time.monotonic() < deadline:
            present = drive.is_dir()
            if not present:
                went_away = True
            elif went_away or not copied.exists():
                return True
            time.sleep(_POLL_S)
        return False


def _stat_key(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)
