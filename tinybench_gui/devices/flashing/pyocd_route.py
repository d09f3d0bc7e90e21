"""pyOCD used as a library: the primary flashing route (instruments.md §7.1, platform.md §7).

pyOCD is an optional extra (``pip install 'tinybench[pyocd]'``), imported only when
this route runs. Packs are passed explicitly (``pack=`` session option) so that
pack-only targets such as ``stm32l4r5zitx`` work offline.

Progress: ``FileProgrammer`` calls back with 0.0-1.0 once for the erase pass and
once for the program pass (the value restarts at 0 between them). The passes map
to 0-50 % and 50-100 %; the verify read-back and the reset follow as their own phases.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from tinybench_gui.devices.catalog import BoardSpec
from tinybench_gui.devices.flashing.errors import FlashError, FlashErrorKind, only_one
from tinybench_gui.devices.flashing.image import FirmwareImage
from tinybench_gui.devices.flashing.model import (
    CancelToken,
    FlashProgress,
    FlashRequest,
    Phase,
    ProgressSink,
    RouteOutcome,
    RouteStatus,
)

_VERIFY_CHUNK_BYTES = 16 * 1024


class PyocdBackend(Protocol):
    """The few pyOCD calls the route makes (a fake implements the same in tests)."""

    def available(self) -> bool:
        """Whether pyOCD can be imported."""
        ...

    def list_probes(self) -> list[str]:
        """Unique ids of the connected debug probes."""
        ...

    def open_session(self, unique_id: str, options: dict[str, Any]) -> Any:
        """A session (a context manager with ``.target``) for the probe, or None."""
        ...

    def programmer(self, session: Any, progress: Callable[[float], None]) -> Any:
        """A ``FileProgrammer``-like object with ``program(path, **kw)``."""
        ...


class RealPyocd:
    """The real pyOCD, imported on first use."""

    def available(self) -> bool:
        """Whether pyOCD is installed."""
        return importlib.util.find_spec("pyocd") is not None

    def list_probes(self) -> list[str]:
        """``ConnectHelper.get_all_connected_probes(blocking=False)``."""
        from pyocd.core.helpers import ConnectHelper

        return [str(p.unique_id) for p in ConnectHelper.get_all_connected_probes(blocking=False)]

    def open_session(self, unique_id: str, options: dict[str, Any]) -> Any:
        """``ConnectHelper.session_with_chosen_probe`` for exactly that probe."""
        from pyocd.core.helpers import ConnectHelper

        return ConnectHelper.session_with_chosen_probe(
            unique_id=unique_id, blocking=False, return_first=True, auto_open=True, options=options
        )

    def programmer(self, session: Any, progress: Callable[[float], None]) -> Any:
        """``FileProgrammer(session, progress=...)``."""
        from pyocd.flash.file_programmer import FileProgrammer

        return FileProgrammer(session, progress=progress)


class PassMapper:
    """Map pyOCD's restarting 0-1 passes (erase, then program) onto one 0-1 bar."""

    def __init__(self, progress: ProgressSink, cancel: CancelToken, passes: int = 2) -> None:
        self._progress = progress
        self._cancel = cancel
        self._passes = passes
        self._pass = 0
        self._last = 0.0
        self._reported = 0.0

    def __call__(self, value: float) -> None:
        self._cancel.raise_if_cancelled("pyocd")
        value = min(1.0, max(0.0, float(value)))
        # A restart (a drop after reaching the end, or a big drop) starts the next pass.
        if value < self._last and (self._last >= 1.0 or self._last - value > 0.5):
            self._pass = min(self._pass + 1, self._passes - 1)
        self._last = value
        overall = (self._pass + value) / self._passes
        if overall >= self._reported:
            self._reported = overall
            phase: Phase = "erase" if self._pass == 0 else "program"
            self._progress(FlashProgress(phase, overall, f"{phase} {value * 100:.0f} %", value))

    def finish(self) -> None:
        """The programmer returned: the write is complete whatever passes were seen."""
        self._reported = 1.0
        self._progress(FlashProgress("program", 1.0, "written", 1.0))


def _class_names(exc: BaseException) -> set[str]:
    return {c.__name__ for c in type(exc).__mro__}


def classify_exception(exc: BaseException) -> FlashErrorKind:
    """Map a pyOCD exception (by class name, so fakes work) to a failure kind."""
    names = _class_names(exc)
    text = str(exc).lower()
    if any(w in text for w in ("protect", "locked", "rdp")):
        return FlashErrorKind.READ_PROTECTION
    if "TargetSupportError" in names:
        return FlashErrorKind.TOOL_MISSING
    if "ProbeDisconnected" in names:
        return FlashErrorKind.PROBE_NOT_FOUND
    if "TimeoutError" in names and "TransferError" not in names:
        return FlashErrorKind.TIMEOUT
    if names & {"TransferError", "TransferFaultError", "TransferTimeoutError", "DebugError"}:
        return FlashErrorKind.TARGET_NOT_RESPONDING
    if "ProbeError" in names:
        if any(w in text for w in ("not found", "no probe", "disconnected", "usb")):
            return FlashErrorKind.PROBE_NOT_FOUND
        return FlashErrorKind.TARGET_NOT_RESPONDING
    return FlashErrorKind.FAILED


def default_pack_dirs() -> list[Path]:
    """Pack folders: ``$TINYBENCH_PACK_DIR``, then ``~/.local/share/tinybench/packs``."""
    dirs = [Path(p) for p in os.environ.get("TINYBENCH_PACK_DIR", "").split(os.pathsep) if p]
    data_home = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return [*dirs, data_home / "tinybench" / "packs"]


def find_pack(family: str | None, dirs: Sequence[Path]) -> Path | None:
    """The newest ``<family>.<version>.pack`` in ``dirs`` (e.g. Keil.STM32L4xx_DFP.2.6.2.pack)."""
    if not family:
        return None
    found: list[Path] = []
    for folder in dirs:
        if folder.is_dir():
            found.extend(folder.glob(f"{family}.*.pack"))

    def version(path: Path) -> tuple[int, ...]:
        text = path.name[len(family) + 1 : -len(".pack")]
        return tuple(int(x) if x.isdigit() else 0 for x in text.split("."))

    return max(found, key=version) if found else None


class _LogCapture(logging.Handler):
    """Collect pyOCD's log lines: they are its 'raw output' for the error report."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname}: {record.getMessage()}")


class PyocdRoute:
    """Program through pyOCD's ``FileProgrammer``, verify by read-back, then reset."""

    name = "pyocd"

    def __init__(
        self,
        backend: PyocdBackend | None = None,
        *,
        install: str = "",
        pack_dirs: Sequence[Path] | None = None,
        frequency_hz: int = 4_000_000,
    ) -> None:
        self.backend: PyocdBackend = backend or RealPyocd()
        self.install = install
        self.pack_dirs = list(pack_dirs) if pack_dirs is not None else default_pack_dirs()
        self.frequency_hz = frequency_hz

    def availability(self) -> RouteStatus:
        """Available if pyOCD imports."""
        ok = self.backend.available()
        return RouteStatus(
            self.name,
            "pyOCD (library)",
            ok,
            "pyocd is importable" if ok else "pyocd is not installed",
            self.install,
        )

    def supports(self, board: BoardSpec) -> str | None:
        """Needs a pyOCD target name in the catalog."""
        if board.emulated:
            return "an emulated board has no debug probe"
        if not board.pyocd.target:
            return f"the catalog names no pyOCD target for {board.name}"
        return None

    def session_options(self, request: FlashRequest) -> dict[str, Any]:
        """The session options for ``request`` (target, pack, connect mode ...)."""
        board = request.board
        options: dict[str, Any] = {
            "target_override": board.pyocd.target,
            "frequency": self.frequency_hz,
            "connect_mode": "under-reset" if request.connect_under_reset else "halt",
            "chip_erase": "sector",
            "smart_flash": True,
            "hide_programming_progress": True,
        }
        if request.pack is not None and not request.pack.is_file():
            raise FlashError(
                FlashErrorKind.TOOL_MISSING,
                f"CMSIS pack {request.pack} does not exist",
                hint=f"download {board.pyocd.pack}.<version>.pack from the vendor; pass its path",
                route=self.name,
            )
        pack = request.pack or find_pack(board.pyocd.pack, self.pack_dirs)
        if pack is not None:
            options["pack"] = str(pack)
        return options

    def _choose_probe(self, request: FlashRequest) -> str:
        probes = self.backend.list_probes()
        if request.probe_serial:
            if request.probe_serial not in probes:
                listed = ", ".join(probes) or "none"
                raise FlashError(
                    FlashErrorKind.PROBE_NOT_FOUND,
                    f"no debug probe with serial {request.probe_serial} (connected: {listed})",
                    route=self.name,
                )
            return request.probe_serial
        return only_one(
            probes,
            route=self.name,
            none="no debug probe connected",
            several=f"{len(probes)} debug probes connected ({', '.join(probes)})",
            several_hint=(
                "pick one with --probe SERIAL (the USB serial that `tinybench detect` shows)"
            ),
        )

    def flash(
        self,
        request: FlashRequest,
        image: FirmwareImage,
        progress: ProgressSink,
        cancel: CancelToken,
    ) -> RouteOutcome:
        """Connect, program, verify, reset."""
        if not self.backend.available():
            raise FlashError(
                FlashErrorKind.TOOL_MISSING,
                "pyocd is not installed",
                hint=self.install,
                route=self.name,
            )
        with self._pyocd_errors_classified(request):
            progress(FlashProgress("connect", 0.0, "looking for the debug probe"))
            unique_id = self._choose_probe(request)
            options = self.session_options(request)
            session = self.backend.open_session(unique_id, options)
            if session is None:
                raise FlashError(
                    FlashErrorKind.PROBE_NOT_FOUND, f"probe {unique_id} vanished", route=self.name
                )
            notes = [f"probe {unique_id}", f"target {options['target_override']}"]
            if "pack" in options:
                notes.append(f"pack {options['pack']}")
            mapper = PassMapper(progress, cancel)
            with session:
                cancel.raise_if_cancelled(self.name)
                programmer = self.backend.programmer(session, mapper)
                kwargs: dict[str, Any] = {}
                if image.format == "bin":
                    kwargs["base_address"] = image.start_address
                programmer.program(str(image.path), **kwargs)
                mapper.finish()
                verified: bool | None = None
                if request.verify:
                    self._verify(session, image, progress, cancel)
                    verified = True
                progress(FlashProgress("reset", 1.0, "reset"))
                session.target.reset()
            return RouteOutcome(verified=verified, notes=tuple(notes))

    @contextlib.contextmanager
    def _pyocd_errors_classified(self, request: FlashRequest) -> Iterator[None]:
        """Collect pyOCD's log as the raw output; turn its exceptions into ``FlashError``."""
        capture = _LogCapture()
        pyocd_log = logging.getLogger("pyocd")
        pyocd_log.addHandler(capture)
        try:
            yield
        except FlashError as exc:
            exc.raw_output = exc.raw_output or "\n".join(capture.lines)
            raise
        except Exception as exc:
            kind = classify_exception(exc)
            hint = None
            if kind is FlashErrorKind.TOOL_MISSING:
                hint = (
                    f"pyOCD does not know target {request.board.pyocd.target}: put "
                    f"{request.board.pyocd.pack}.<version>.pack in {default_pack_dirs()[-1]} "
                    "(or pass --pack), or run `pyocd pack install "
                    f"{request.board.pyocd.target}` once while online"
                )
            raw = "\n".join([*capture.lines, f"{type(exc).__name__}: {exc}"])
            raise FlashError(
                kind,
                f"pyocd: {type(exc).__name__}: {exc}",
                raw_output=raw,
                hint=hint,
                route=self.name,
            ) from exc
        finally:
            pyocd_log.removeHandler(capture)

    def _verify(
        self, session: Any, image: FirmwareImage, progress: ProgressSink, cancel: CancelToken
    ) -> None:
        total = image.payload_size
        done = 0
        for seg in image.segments:
            for off in range(0, len(seg.data), _VERIFY_CHUNK_BYTES):
                cancel.raise_if_cancelled(self.name)
                want = seg.data[off : off + _VERIFY_CHUNK_BYTES]
                got = bytes(session.target.read_memory_block8(seg.address + off, len(want)))
                if got != want:
                    at = next(
                        (i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
                        min(len(got), len(want)),
                    )
                    was = f"0x{got[at]:02X}" if at < len(got) else "nothing"
                    raise FlashError(
                        FlashErrorKind.VERIFY_MISMATCH,
                        f"read-back differs at 0x{seg.address + off + at:08X}: {was} instead of "
                        f"0x{want[at]:02X}",
                        route=self.name,
                    )
                done += len(want)
                progress(FlashProgress("verify", 1.0, "verifying", done / total))
