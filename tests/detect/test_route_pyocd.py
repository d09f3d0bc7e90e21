"""The pyOCD route against a fake backend with pyOCD's calls: probes, session, FileProgrammer."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from tests.detect.images import write_elf
from tinybench_gui.devices.catalog import load_catalog
from tinybench_gui.devices.flashing.errors import FlashError, FlashErrorKind
from tinybench_gui.devices.flashing.image import FirmwareImage, load_image
from tinybench_gui.devices.flashing.model import CancelToken, FlashProgress, FlashRequest
from tinybench_gui.devices.flashing.pyocd_route import PassMapper, PyocdRoute, find_pack

BOARD = load_catalog().get("nucleo-l4r5zi")


# Exceptions named like pyOCD's (pyocd.core.exceptions): the route classifies by class name.
class ProbeError(Exception):
    pass


class TransferError(ProbeError):
    pass


class TransferFaultError(TransferError):
    pass


class TargetSupportError(Exception):
    pass


class FakeTarget:
    def __init__(self) -> None:
        self.memory: dict[int, int] = {}
        self.resets = 0
        self.corrupt_at: int | None = None

    def read_memory_block8(self, address: int, size: int) -> list[int]:
        data = [self.memory.get(address + i, 0xFF) for i in range(size)]
        if self.corrupt_at is not None and address <= self.corrupt_at < address + size:
            data[self.corrupt_at - address] ^= 0x01
        return data

    def reset(self) -> None:
        self.resets += 1


class FakeSession:
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self.target = FakeTarget()
        self.opened = self.closed = False

    def __enter__(self) -> FakeSession:
        self.opened = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True


class FakeProgrammer:
    """Like FileProgrammer: an erase pass and a program pass, each reported 0.0 -> 1.0."""

    def __init__(self, backend: FakePyocd, session: FakeSession, progress) -> None:
        self.backend = backend
        self.session = session
        self.progress = progress

    def program(self, path: str, file_format: str | None = None, **kwargs: Any) -> None:
        self.backend.program_calls.append((path, kwargs))
        if self.backend.fail_with is not None:
            raise self.backend.fail_with
        for step in (0.0, 0.25, 0.5, 0.75, 1.0):  # erase
            self.progress(step)
        image: FirmwareImage = self.backend.image
        for step in (0.0, 0.3, 0.2, 0.6, 1.0):  # program (steps back once, as pyOCD can)
            self.progress(step)
        for seg in image.segments:
            for i, byte in enumerate(seg.data):
                self.session.target.memory[seg.address + i] = byte


class FakePyocd:
    def __init__(self, probes: list[str], image: FirmwareImage) -> None:
        self.probes = probes
        self.image = image
        self.sessions: list[FakeSession] = []
        self.program_calls: list[tuple[str, dict[str, Any]]] = []
        self.fail_with: BaseException | None = None
        self.open_fails_with: BaseException | None = None

    def available(self) -> bool:
        return True

    def list_probes(self) -> list[str]:
        return list(self.probes)

    def open_session(self, unique_id: str, options: dict[str, Any]) -> FakeSession:
        if self.open_fails_with is not None:
            raise self.open_fails_with
        session = FakeSession({**options, "unique_id": unique_id})
        self.sessions.append(session)
        return session

    def programmer(self, session: FakeSession, progress) -> FakeProgrammer:
        return FakeProgrammer(self, session, progress)


@pytest.fixture
def image(tmp_path: Path) -> FirmwareImage:
    elf = write_elf(tmp_path / "fw.elf", [(0x08000000, bytes(range(256)) * 40)])
    return load_image(elf)


def _flash(route: PyocdRoute, image: FirmwareImage, **kw: Any):
    progress: list[FlashProgress] = []
    request = FlashRequest(board=BOARD, firmware=image.path, **kw)
    try:
        outcome = route.flash(request, image, progress.append, kw.pop("cancel", CancelToken()))
    except FlashError as exc:
        return None, exc, progress
    return outcome, None, progress


def test_program_verify_reset_with_pack_offline(image: FirmwareImage, tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    packs.mkdir()
    for version in ("2.2.0", "2.6.2", "2.10.1"):
        (packs / f"Keil.STM32L4xx_DFP.{version}.pack").write_bytes(b"PK")
    backend = FakePyocd(["0670FF383133"], image)
    route = PyocdRoute(backend, pack_dirs=[packs])
    outcome, error, progress = _flash(route, image, connect_under_reset=True)
    assert error is None
    assert outcome.verified is True
    (session,) = backend.sessions
    assert session.options["target_override"] == "stm32l4r5zitx"
    assert session.options["pack"] == str(packs / "Keil.STM32L4xx_DFP.2.10.1.pack")
    assert session.options["connect_mode"] == "under-reset"
    assert session.options["unique_id"] == "0670FF383133"
    assert session.opened
    assert session.closed
    assert session.target.resets == 1
    writes = [p for p in progress if p.phase in ("erase", "program")]
    assert max(p.fraction for p in writes if p.phase == "erase") == pytest.approx(0.5)
    assert [p.fraction for p in writes] == sorted(p.fraction for p in writes)
    assert writes[-1].fraction == 1.0
    assert progress[-1].phase == "reset"
    verify = [p for p in progress if p.phase == "verify"]
    assert verify[-1].phase_fraction == pytest.approx(1.0)


def test_bin_gets_base_address(tmp_path: Path) -> None:
    fw = tmp_path / "fw.bin"
    fw.write_bytes(bytes(range(64)))
    image = load_image(fw, base_address=0x08000000)
    backend = FakePyocd(["A"], image)
    _, error, _ = _flash(PyocdRoute(backend, pack_dirs=[]), image)
    assert error is None
    assert backend.program_calls == [(str(fw), {"base_address": 0x08000000})]


def test_verify_mismatch_names_the_address(image: FirmwareImage) -> None:
    backend = FakePyocd(["A"], image)

    def corrupt(unique_id: str, options: dict[str, Any]) -> FakeSession:
        session = FakeSession(options)
        session.target.corrupt_at = 0x08000123
        backend.sessions.append(session)
        return session

    backend.open_session = corrupt  # type: ignore[method-assign]
    _, error, _ = _flash(PyocdRoute(backend, pack_dirs=[]), image)
    assert error.kind is FlashErrorKind.VERIFY_MISMATCH
    assert "0x08000123" in error.message


@pytest.mark.parametrize(
    ("probes", "serial", "words"),
    [([], None, "no debug probe"), (["A", "B"], None, "2 debug probes"), (["A"], "Z", "serial Z")],
)
def test_probe_selection(image: FirmwareImage, probes, serial, words) -> None:
    _, error, _ = _flash(
        PyocdRoute(FakePyocd(probes, image), pack_dirs=[]), image, probe_serial=serial
    )
    assert error.kind is FlashErrorKind.PROBE_NOT_FOUND
    assert words in error.message


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (
            TransferFaultError("Memory transfer fault @ 0x08000000-0x080003FF"),
            FlashErrorKind.TARGET_NOT_RESPONDING,
        ),
        (
            TargetSupportError("Target type stm32l4r5zitx not recognized"),
            FlashErrorKind.TOOL_MISSING,
        ),
        (
            ProbeError("STLink error (0x12): device is locked by RDP"),
            FlashErrorKind.READ_PROTECTION,
        ),
        (RuntimeError("something odd"), FlashErrorKind.FAILED),
    ],
)
def test_pyocd_exceptions_classified(image: FirmwareImage, exc: BaseException, kind) -> None:
    backend = FakePyocd(["A"], image)
    backend.open_fails_with = exc
    _, error, _ = _flash(PyocdRoute(backend, pack_dirs=[]), image)
    assert error.kind is kind
    assert type(exc).__name__ in error.raw_output
    if kind is FlashErrorKind.TOOL_MISSING:
        assert "pyocd pack install stm32l4r5zitx" in error.hint
    if kind is FlashErrorKind.TARGET_NOT_RESPONDING:
        assert "connect-under-reset" in error.hint


def test_cancel_during_programming(image: FirmwareImage) -> None:
    backend = FakePyocd(["A"], image)
    token = CancelToken()
    seen: list[FlashProgress] = []

    def progress(p: FlashProgress) -> None:
        seen.append(p)
        if p.fraction >= 0.25:
            token.cancel()

    request = FlashRequest(board=BOARD, firmware=image.path)
    with pytest.raises(FlashError) as caught:
        PyocdRoute(backend, pack_dirs=[]).flash(request, image, progress, token)
    assert caught.value.kind is FlashErrorKind.CANCELLED
    assert backend.sessions[0].closed
    assert backend.sessions[0].target.resets == 0


def test_pass_mapper_single_pass_and_clamp() -> None:
    seen: list[FlashProgress] = []
    mapper = PassMapper(seen.append, CancelToken())
    for v in (0.0, 0.5, 1.2, -1):
        mapper(v)
    mapper.finish()
    assert [p.fraction for p in seen] == [0.0, 0.25, 0.5, 0.5, 1.0]
    assert [p.phase for p in seen] == ["erase", "erase", "erase", "program", "program"]


def test_pack_lookup_and_unavailable_route(tmp_path: Path, image: FirmwareImage) -> None:
    assert find_pack("Keil.STM32L4xx_DFP", [tmp_path]) is None
    assert find_pack(None, [tmp_path]) is None

    class Missing(FakePyocd):
        def available(self) -> bool:
            return False

    route = PyocdRoute(Missing([], image), install="pip install 'tinybench[pyocd]'")
    assert not route.availability().available
    _, error, _ = _flash(route, image)
    assert error.kind is FlashErrorKind.TOOL_MISSING
    assert "tinybench[pyocd]" in error.hint
    assert threading.active_count() >= 1


def test_missing_pack_file_named(image: FirmwareImage, tmp_path: Path) -> None:
    route = PyocdRoute(FakePyocd(["A"], image), pack_dirs=[])
    _, error, _ = _flash(route, image, pack=tmp_path / "Keil.STM32L4xx_DFP.9.9.9.pack")
    assert error.kind is FlashErrorKind.TOOL_MISSING
    assert "does not exist" in error.message
