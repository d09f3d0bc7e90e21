"""The ``Flasher``: checks the image, runs a route on a worker, probes the board afterwards.

The GUI calls ``Flasher.start(request, on_progress=..., on_done=...)``, which returns
a ``FlashJob`` at once; callbacks run on the job's thread (the GUI's bridge moves
them to the GUI thread). ``job.cancel()`` stops the tool. The CLI calls the
blocking ``Flasher.flash``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinybench_gui.devices.catalog import BoardSpec, Catalog, load_catalog
from tinybench_gui.devices.discovery import DetectedDevice
from tinybench_gui.devices.flashing.cubeprog import CubeProgrammerRoute
from tinybench_gui.devices.flashing.errors import FlashError, FlashErrorKind
from tinybench_gui.devices.flashing.history import FlashRecord, record_flash
from tinybench_gui.devices.flashing.image import (
    FirmwareImage,
    ImageCheck,
    ImageError,
    check_image,
    load_image,
)
from tinybench_gui.devices.flashing.model import (
    CancelToken,
    FlashProgress,
    FlashRequest,
    FlashResult,
    FlashRoute,
    ProgressSink,
    RouteOutcome,
    RouteStatus,
)
from tinybench_gui.devices.flashing.msd import MassStorageRoute
from tinybench_gui.devices.flashing.openocd import OpenOcdRoute
from tinybench_gui.devices.flashing.pyocd_route import PyocdRoute
from tinybench_gui.devices.flashing.qemu_route import QemuRoute
from tinybench_gui.devices.probing import ProbeResult, probe_name
from tinybench_gui.devices.transport import LinkError, LinkTimeoutError, SerialLink

_log = logging.getLogger(__name__)
Prober = Callable[[str, list[int]], ProbeResult]
_BANNER_WAIT_S = 1.5


def default_routes(catalog: Catalog) -> dict[str, FlashRoute]:
    """One instance of every built-in route, with the catalog's install hints."""

    def hint(name: str) -> str:
        info = catalog.routes.get(name)
        return info.install if info else ""

    routes: dict[str, FlashRoute] = {
        "pyocd": PyocdRoute(install=hint("pyocd")),
        "cubeprog": CubeProgrammerRoute(install=hint("cubeprog")),
        "openocd": OpenOcdRoute(install=hint("openocd")),
        "msd": MassStorageRoute(install=hint("msd")),
        "qemu": QemuRoute(install=hint("qemu")),
    }
    return routes


def request_for_device(
    device: DetectedDevice,
    firmware: Path,
    *,
    board: BoardSpec | None = None,
    **options: Any,
) -> FlashRequest:
    """A request for a detected device: its catalog entry, probe serial, port and baud rate.

    ``board`` is required when detection could not decide the catalog entry (several
    Nucleos share one VID:PID); ``options`` are other ``FlashRequest`` fields.
    """
    spec = board or device.spec
    if spec is None:
        choices = ", ".join(c.id for c in device.candidates) or "none"
        raise ValueError(f"{device.port.url} could be any of: {choices}; pick the board explicitly")
    fields: dict[str, Any] = {
        "probe_serial": device.port.serial_number if device.origin == "usb" else None,
        "port_url": device.port.url if device.port.is_serial else None,
        "baud_rate": device.probe.baud_rate,
    }
    fields.update(options)
    return FlashRequest(board=spec, firmware=firmware, **fields)


class BannerCatcher:
    """Listen on the board's serial port while it is flashed, to catch the boot banner."""

    def __init__(self, url: str, baud_rate: int) -> None:
        self.url = url
        self.baud_rate = baud_rate
        self.lines: list[str] = []
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"banner {url}", daemon=True)

    def start(self) -> BannerCatcher:
        self._thread.start()
        return self

    def _run(self) -> None:
        link = SerialLink(self.url, self.baud_rate)
        try:
            link.open()
            link.purge()
            while not self._stop.is_set():
                with contextlib.suppress(LinkTimeoutError):
                    line = link.read_line(0.1)
                    if line.isprintable() and line.strip():
                        self.lines.append(line)
        except LinkError as exc:  # busy, or the VCP went away during the flash
            self.error = exc.what
        finally:
            link.close()

    def wait_ready(self, timeout_s: float) -> None:
        """Wait until ``m-ready`` is seen, or ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and "m-ready" not in self.lines:
            if not self._thread.is_alive():
                return
            time.sleep(0.05)

    def stop(self) -> list[str]:
        self._stop.set()
        self._thread.join(2.0)
        return list(self.lines)


class FlashJob:
    """A flash running on its own thread."""

    def __init__(self, request: FlashRequest) -> None:
        self.request = request
        self.cancel_token = CancelToken()
        self.result: FlashResult | None = None
        self.last_progress: FlashProgress | None = None
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def cancel(self) -> None:
        """Ask the route to stop (returns at once)."""
        self.cancel_token.cancel()

    @property
    def done(self) -> bool:
        """Whether the job finished (``result`` is set)."""
        return self._done.is_set()

    def launch(
        self, work: Callable[[], FlashResult], on_done: Callable[[FlashResult], None] | None
    ) -> None:
        """Run ``work`` on the job's thread; call ``on_done`` with its result."""

        def run() -> None:
            try:
                self.result = work()
            finally:
                self._done.set()
            if on_done is not None and self.result is not None:
                try:
                    on_done(self.result)
                except Exception:
                    _log.exception("flash done callback failed")

        self._thread = threading.Thread(target=run, name="flash", daemon=True)
        self._thread.start()

    def wait(self, timeout_s: float | None = None) -> FlashResult | None:
        """Block until done (or ``timeout_s``); the result, or None if still running."""
        self._done.wait(timeout_s)
        return self.result


class Flasher:
    """Flash boards from the catalog through their routes."""

    def __init__(
        self,
        catalog: Catalog | None = None,
        routes: Mapping[str, FlashRoute] | None = None,
        *,
        prober: Prober | None = None,
        keep_history: bool = True,
    ) -> None:
        self.catalog = catalog or load_catalog()
        self.routes: dict[str, FlashRoute] = dict(routes or default_routes(self.catalog))
        self._prober = prober or (lambda url, rates: probe_name(url, rates, deadline_s=6.0))
        self.keep_history = keep_history

    # -- questions the dialog asks before starting (quick, no device access) ------------------
    def route_statuses(self, board: BoardSpec) -> list[RouteStatus]:
        """The board's routes in preference order, each available or not (and why, and how)."""
        statuses = []
        for name in board.routes:
            route = self.routes.get(name)
            info = self.catalog.routes.get(name)
            title = info.title if info else name
            install = info.install if info else ""
            if route is None:
                statuses.append(RouteStatus(name, title, False, "not built in yet", install))
                continue
            status = route.availability()
            reason = route.supports(board)
            if reason is not None:
                status = replace(status, available=False, reason=reason)
            statuses.append(replace(status, title=title, install=install or status.install))
        return statuses

    def choose_route(self, board: BoardSpec, wanted: str | None = None) -> FlashRoute:
        """The requested route if usable, else the first available one; FlashError if none."""
        statuses = self.route_statuses(board)
        if wanted is not None:
            match = [s for s in statuses if s.name == wanted]
            if not match:
                offered = ", ".join(s.name for s in statuses) or "none"
                raise FlashError(
                    FlashErrorKind.FAILED,
                    f"route {wanted!r} is not offered for {board.name} (offered: {offered})",
                    hint="pick one of the offered routes with --route",
                    route=wanted,
                )
            if not match[0].available:
                raise FlashError(
                    FlashErrorKind.TOOL_MISSING,
                    f"route {wanted} is unavailable: {match[0].reason}",
                    hint=match[0].install,
                    route=wanted,
                )
            return self.routes[wanted]
        for status in statuses:
            if status.available:
                return self.routes[status.name]
        lines = "; ".join(f"{s.name}: {s.reason} ({s.install})" for s in statuses)
        raise FlashError(
            FlashErrorKind.TOOL_MISSING,
            f"no flashing route is available for {board.name}",
            hint=lines or "the catalog lists no route for this board",
        )

    def check(self, request: FlashRequest) -> tuple[FirmwareImage, ImageCheck]:
        """Load and check the image (raises ``ImageError`` if unreadable)."""
        base = request.board.flash.base if request.board.flash else None
        image = load_image(request.firmware, base_address=base)
        return image, check_image(image, request.board)

    # -- flashing ------------------------------------------------------------------------------
    def start(
        self,
        request: FlashRequest,
        *,
        on_progress: ProgressSink | None = None,
        on_done: Callable[[FlashResult], None] | None = None,
    ) -> FlashJob:
        """Flash on a worker thread; returns at once."""
        job = FlashJob(request)

        def progress(p: FlashProgress) -> None:
            job.last_progress = p
            if on_progress is not None:
                try:
                    on_progress(p)
                except Exception:
                    _log.exception("flash progress callback failed")

        job.launch(lambda: self.flash(request, progress=progress, cancel=job.cancel_token), on_done)
        return job

    def flash(
        self,
        request: FlashRequest,
        *,
        progress: ProgressSink | None = None,
        cancel: CancelToken | None = None,
    ) -> FlashResult:
        """Check, flash, verify, reset, probe. Never raises for a device or tool failure."""
        sink: ProgressSink = progress or (lambda p: None)
        token = cancel or CancelToken()
        started = time.monotonic()
        image: FirmwareImage | None = None
        route_name = request.route or "?"
        warnings: list[str] = []
        catcher: BannerCatcher | None = None
        try:
            sink(FlashProgress("check", 0.0, f"checking {request.firmware.name}"))
            try:
                image, verdict = self.check(request)
            except ImageError as exc:
                raise FlashError(FlashErrorKind.IMAGE_INVALID, str(exc)) from exc
            warnings.extend(verdict.warnings)
            if not verdict.ok:
                raise FlashError(FlashErrorKind.IMAGE_INVALID, "; ".join(verdict.errors))
            route = self.choose_route(request.board, request.route)
            route_name = route.name
            token.raise_if_cancelled(route_name)
            if request.port_url and request.probe_after and not request.board.emulated:
                catcher = BannerCatcher(request.port_url, self._baud_rates(request)[0]).start()
            outcome = route.flash(request, image, sink, token)
            warnings.extend(outcome.notes)
        except FlashError as exc:
            if catcher is not None:
                catcher.stop()
            return self._result(request, route_name, image, started, warnings, error=exc)
        except Exception as exc:  # a route bug must not kill the worker silently
            _log.exception("flash route crashed")
            if catcher is not None:
                catcher.stop()
            error = FlashError(
                FlashErrorKind.FAILED, f"{type(exc).__name__}: {exc}", route=route_name
            )
            return self._result(request, route_name, image, started, warnings, error=error)
        if outcome.port_url and request.probe_after:
            # The route moved the board (a new QEMU): probe it where it answers now.
            request = replace(request, port_url=outcome.port_url)
        probe_result, banner = self._probe_after(request, catcher, sink)
        result = self._result(
            request,
            route_name,
            image,
            started,
            warnings,
            outcome=outcome,
            probe=probe_result,
            banner=banner,
        )
        if self.keep_history and image is not None:
            self._record(request, result, image)
        sink(FlashProgress("done", 1.0, "done"))
        return result

    def _baud_rates(self, request: FlashRequest) -> list[int]:
        rates = [request.baud_rate] if request.baud_rate else []
        return rates + [b for b in request.board.probe_baud_rates if b not in rates]

    def _probe_after(
        self, request: FlashRequest, catcher: BannerCatcher | None, sink: ProgressSink
    ) -> tuple[ProbeResult | None, tuple[str, ...]]:
        if not request.probe_after or not request.port_url:
            return None, ()
        banner: tuple[str, ...] = ()
        if catcher is not None:
            sink(FlashProgress("probe", 1.0, f"waiting for the banner on {request.port_url}"))
            catcher.wait_ready(_BANNER_WAIT_S)
            banner = tuple(catcher.stop())
        sink(FlashProgress("probe", 1.0, f"asking {request.port_url} who it is"))
        result = self._prober(request.port_url, self._baud_rates(request))
        return result, banner or result.banner

    def _result(
        self,
        request: FlashRequest,
        route: str,
        image: FirmwareImage | None,
        started: float,
        warnings: list[str],
        *,
        error: FlashError | None = None,
        outcome: RouteOutcome | None = None,
        probe: ProbeResult | None = None,
        banner: tuple[str, ...] = (),
    ) -> FlashResult:
        if probe is not None and probe.ok and probe.build_mode == "energy":
            warnings.append("the board now runs an energy build (9600 Bd, GPIO timestamps)")
        if probe is not None and not probe.ok:
            warnings.append(f"the board did not answer after flashing: {probe.summary()}")
        return FlashResult(
            ok=error is None,
            route=route,
            board_id=request.board.id,
            firmware=request.firmware,
            sha256=image.sha256 if image else None,
            image_format=image.format if image else None,
            payload_bytes=image.payload_size if image else None,
            elapsed_s=time.monotonic() - started,
            verified=outcome.verified if outcome else None,
            error=error,
            raw_output=error.raw_output if error else (outcome.raw_output if outcome else ""),
            warnings=tuple(warnings),
            probe_after=probe,
            banner=banner,
            emulated_board=outcome.emulated_board if outcome else None,
            port_url=request.port_url,
        )

    def _record(self, request: FlashRequest, result: FlashResult, image: FirmwareImage) -> None:
        key = request.probe_serial or request.port_url
        probe = result.probe_after
        try:
            record_flash(
                FlashRecord(
                    time_utc=datetime.now(UTC).isoformat(timespec="seconds"),
                    board_id=request.board.id,
                    device_key=key,
                    route=result.route,
                    firmware=str(request.firmware.resolve()),
                    sha256=image.sha256,
                    image_format=image.format,
                    payload_bytes=image.payload_size,
                    verified=result.verified,
                    model=probe.model if probe else None,
                    build_mode=probe.build_mode if probe else None,
                )
            )
        except OSError as exc:
            _log.warning("could not record the flash in the history: %s", exc)
