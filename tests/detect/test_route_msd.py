"""The mass-storage route against a temporary folder that behaves like a DAPLink drive."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.detect.images import vector_table_image, write_elf
from tinybench_gui.devices.catalog import load_catalog
from tinybench_gui.devices.flashing.errors import FlashError, FlashErrorKind
from tinybench_gui.devices.flashing.image import load_image
from tinybench_gui.devices.flashing.model import CancelToken, FlashProgress, FlashRequest
from tinybench_gui.devices.flashing.msd import MassStorageRoute, parse_fail_txt

BOARD = load_catalog().get("nucleo-l4r5zi")
DETAILS = """# DAPLink Firmware - see https://mbed.com/daplink
Unique ID: 0776000012345678
HIC ID: 97969902
Auto Reset: {auto_reset}
Automation allowed: 1
Daplink Mode: Interface
Interface Version: 0254
USB Interfaces: MSD, CDC, HID
"""


class FakeDrive:
    """Takes a copied .bin/.hex like a probe: programs it, then unmounts and remounts.

    ``fail`` makes it write FAIL.TXT after the remount; ``unmount`` makes the mount
    point vanish for a while (as a real remount does) instead of only dropping the file.
    """

    def __init__(
        self,
        root: Path,
        *,
        fail: str | None = None,
        unmount: bool = False,
        stuck: bool = False,
        auto_reset: int = 1,
    ) -> None:
        self.mount = root / "NODE_L4R5ZI"
        self.mount.mkdir(parents=True)
        (self.mount / "DETAILS.TXT").write_text(DETAILS.format(auto_reset=auto_reset))
        (self.mount / "MBED.HTM").write_text("<!-- mbed Microcontroller Website -->")
        self.fail = fail
        self.unmount = unmount
        self.stuck = stuck
        self.programmed: dict[str, bytes] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> FakeDrive:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        seen: dict[Path, int] = {}
        while not self._stop.is_set():
            time.sleep(0.05)
            if self.stuck or not self.mount.is_dir():
                continue
            for path in self.mount.iterdir():
                if path.suffix.lower() not in (".bin", ".hex"):
                    continue
                size = path.stat().st_size
                if seen.get(path) != size:  # still being written
                    seen[path] = size
                    continue
                self.programmed[path.name] = path.read_bytes()
                self._remount(path)
                seen.clear()

    def _remount(self, copied: Path) -> None:
        if self.unmount:
            away = self.mount.with_name(".unmounted")
            self.mount.rename(away)
            time.sleep(0.3)
            away.rename(self.mount)
        copied.unlink()
        if self.fail is not None:
            (self.mount / "FAIL.TXT").write_text(self.fail)


def _flash(route: MassStorageRoute, firmware: Path, drive: Path | None, **kw):
    image = load_image(firmware, base_address=0x08000000)
    progress: list[FlashProgress] = []
    request = FlashRequest(board=BOARD, firmware=firmware, drive=drive, **kw)
    try:
        outcome = route.flash(request, image, progress.append, CancelToken())
    except FlashError as exc:
        return None, exc, progress
    return outcome, None, progress


@pytest.fixture
def bin_file(tmp_path: Path) -> Path:
    path = tmp_path / "kws_perf.bin"
    path.write_bytes(vector_table_image(200_000))
    return path


def test_copy_remount_success_found_by_label(tmp_path: Path, bin_file: Path) -> None:
    with FakeDrive(tmp_path / "media", unmount=True) as drive:
        route = MassStorageRoute(
            volumes=lambda: [("NODE_L4R5ZI", drive.mount)], settle_s=0.2, remount_timeout_s=10
        )
        outcome, error, progress = _flash(route, bin_file, None)
    assert error is None
    assert outcome.verified is None  # a drive copy cannot read back
    assert drive.programmed == {"kws_perf.bin": bin_file.read_bytes()}
    copy = [p for p in progress if p.phase == "copy"]
    assert copy[-1].phase_fraction == pytest.approx(1.0)
    assert progress[-1].fraction == 1.0
    assert "Unique ID: 0776000012345678" in outcome.raw_output


def test_elf_is_converted_to_hex(tmp_path: Path) -> None:
    elf = write_elf(tmp_path / "fw.elf", [(0x08000000, vector_table_image(1024))])
    with FakeDrive(tmp_path / "media", auto_reset=0) as drive:
        route = MassStorageRoute(settle_s=0.1, remount_timeout_s=10)
        outcome, error, _ = _flash(route, elf, drive.mount)
    assert error is None
    hex_text = drive.programmed["fw.hex"].decode()
    assert hex_text.startswith(":020000040800F2")
    assert any("RESET button" in n for n in outcome.notes)


@pytest.mark.parametrize(
    ("fail_txt", "kind"),
    [
        (
            "error: The interface firmware FAILED to reset/halt the target MCU\r\ntype: target\r\n",
            FlashErrorKind.TARGET_NOT_RESPONDING,
        ),
        ("error: The transfer timed out.\r\ntype: transient\r\n", FlashErrorKind.TIMEOUT),
        (
            "The hex file cannot be decoded. Checksum calculation failure occurred.\r\n",
            FlashErrorKind.IMAGE_INVALID,
        ),
        ("error: Flash algorithm write command FAILURE\r\ntype: target\r\n", FlashErrorKind.FAILED),
    ],
)
def test_fail_txt_is_read_and_classified(tmp_path: Path, bin_file: Path, fail_txt, kind) -> None:
    with FakeDrive(tmp_path / "media", fail=fail_txt) as drive:
        route = MassStorageRoute(settle_s=0.3, remount_timeout_s=10)
        _, error, _ = _flash(route, bin_file, drive.mount)
    assert error is not None
    assert error.kind is kind
    assert error.raw_output == fail_txt
    message, _ = parse_fail_txt(fail_txt)
    assert message in error.message


def test_no_remount_times_out(tmp_path: Path, bin_file: Path) -> None:
    with FakeDrive(tmp_path / "media", stuck=True) as drive:
        route = MassStorageRoute(settle_s=0.1, remount_timeout_s=0.5)
        _, error, _ = _flash(route, bin_file, drive.mount)
    assert error.kind is FlashErrorKind.TIMEOUT
    assert "did not remount" in error.message


def test_drive_missing_or_ambiguous(tmp_path: Path, bin_file: Path) -> None:
    _, error, _ = _flash(MassStorageRoute(volumes=list), bin_file, None)
    assert error.kind is FlashErrorKind.PROBE_NOT_FOUND
    assert "NODE_L4R5ZI" in error.message
    _, error, _ = _flash(MassStorageRoute(volumes=list), bin_file, tmp_path / "not-mounted")
    assert error.kind is FlashErrorKind.PROBE_NOT_FOUND
    # Two boards of one kind: two drives with one label, told apart by DETAILS.TXT's Unique ID.
    a, b = tmp_path / "a" / "NODE_L4R5ZI", tmp_path / "b" / "NODE_L4R5ZI"
    for d in (a, b):
        d.mkdir(parents=True)
    (b / "DETAILS.TXT").write_text(DETAILS.format(auto_reset=1))
    route = MassStorageRoute(volumes=lambda: [("NODE_L4R5ZI", a), ("NODE_L4R5ZI", b)])
    _, error, _ = _flash(route, bin_file, None)
    assert error.kind is FlashErrorKind.PROBE_NOT_FOUND
    assert "2 drives" in error.message
    request = FlashRequest(board=BOARD, firmware=bin_file, probe_serial="0776000012345678")
    assert route.find_drive(request) == b


def test_bin_for_another_address_refused(tmp_path: Path) -> None:
    fw = tmp_path / "app.bin"
    fw.write_bytes(vector_table_image(256))
    image = load_image(fw, base_address=0x08004000)
    request = FlashRequest(board=BOARD, firmware=fw, drive=tmp_path)
    with pytest.raises(FlashError) as caught:
        MassStorageRoute().flash(request, image, lambda p: None, CancelToken())
    assert caught.value.kind is FlashErrorKind.IMAGE_INVALID
