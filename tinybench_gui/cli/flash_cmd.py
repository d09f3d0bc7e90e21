"""``tinybench flash``: check an image, write it with the best available route, probe the board."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from tinybench_gui.devices.catalog import BoardSpec
    from tinybench_gui.devices.flashing import FlashProgress, FlashRequest, FlashResult

_RAW_TAIL_LINES = 40


def register(sub: Any) -> None:
    """Add ``flash`` to the command line."""
    p = sub.add_parser(
        "flash",
        help="write firmware to a board (pyOCD, STM32CubeProgrammer, OpenOCD, drive copy)",
        description=(
            "Check FILE against the board's flash, write it through the first available "
            "route (or --route), verify, reset, then probe the board so you see the new "
            "firmware answer. `tinybench flash --board ID --list-routes` shows the routes."
        ),
    )
    p.add_argument("--board", required=True, help="catalog id, e.g. nucleo-l4r5zi")
    p.add_argument("--firmware", type=Path, help="the .elf, .hex or .bin to write")
    p.add_argument("--route", help="pyocd | cubeprog | openocd | msd | qemu")
    p.add_argument("--probe", dest="probe_serial", help="debug probe USB serial (several boards)")
    p.add_argument("--port", help="the board's serial port, probed after flashing")
    p.add_argument("--baud", type=int, help="baud rate of that port (default: the catalog's)")
    p.add_argument("--drive", type=Path, help="mount point of the board's drive (msd route)")
    p.add_argument("--pack", type=Path, help="CMSIS .pack file for pyOCD (works offline)")
    p.add_argument("--under-reset", action="store_true", help="connect under reset")
    p.add_argument("--no-verify", action="store_true", help="skip the read-back verify")
    p.add_argument("--no-probe-after", action="store_true", help="do not probe the board after")
    p.add_argument("--timeout-s", type=float, default=180.0, help="give up after this long")
    p.add_argument("--list-routes", action="store_true", help="show the board's routes and exit")
    p.set_defaults(handler=flash)


class ProgressBar:
    """One updating line on a terminal; phase changes only otherwise."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.tty = stream.isatty()
        self._phase = ""
        self._drawn = 0.0

    def __call__(self, p: FlashProgress) -> None:
        if not self.tty:
            if p.phase != self._phase:
                self._phase = p.phase
                print(f"{p.phase}: {p.message}", file=self.stream, flush=True)
            return
        now = time.monotonic()
        if p.phase == self._phase and now - self._drawn < 0.1 and p.fraction < 1.0:
            return
        self._phase, self._drawn = p.phase, now
        filled = int(self.width * p.fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        text = f"[{bar}] {p.fraction * 100:5.1f}% {p.phase:<8} {p.message}"
        self.stream.write("\r" + text[:100].ljust(100))
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()


def _find_port(board: BoardSpec, probe_serial: str | None) -> tuple[str | None, str | None]:
    """The board's port (and probe serial) if exactly one enumerated port can be it."""
    from tinybench_gui.devices.discovery import DetectOptions, detect

    found = detect(options=DetectOptions(probe=False, include_usb_only=False))
    mine = [
        d
        for d in found
        if board.id in {c.id for c in d.candidates}
        and (probe_serial is None or d.port.serial_number == probe_serial)
    ]
    if len(mine) != 1:
        return None, probe_serial
    return mine[0].port.url, probe_serial or mine[0].port.serial_number


def _print_routes(flasher: Any, board: BoardSpec) -> None:
    print(f"routes for {board.id} ({board.name}), in order of preference:")
    for s in flasher.route_statuses(board):
        mark = "available" if s.available else "unavailable"
        print(f"  {s.name:<9} {s.title:<40} {mark}: {s.reason}")
        if not s.available and s.install:
            print(f"  {'':<9} how to get it: {s.install}")


def print_result(result: FlashResult, out: TextIO) -> None:
    """The outcome, with the classified error and the tool's raw output on failure."""
    if result.ok:
        verified = {True: "verified", False: "NOT verified", None: "not verifiable"}
        print(
            f"flashed {result.firmware.name} to {result.board_id} via {result.route} in "
            f"{result.elapsed_s:.1f} s ({verified[result.verified]})",
            file=out,
        )
    else:
        assert result.error is not None
        print(
            f"FAILED ({result.error.kind.value}) via {result.route}: {result.error.message}",
            file=out,
        )
        print(f"  fix: {result.error.hint}", file=out)
    if result.sha256:
        print(
            f"  image: {result.image_format}, {result.payload_bytes} bytes, sha256 {result.sha256}",
            file=out,
        )
    if result.banner:
        print("  banner after reset:", file=out)
        for line in result.banner:
            print(f"    {line}", file=out)
    if result.probe_after is not None:
        print(f"  board now says: {result.probe_after.summary()}", file=out)
    for warning in result.warnings:
        print(f"  ! {warning}", file=out)
    if not result.ok and result.raw_output.strip():
        lines = result.raw_output.replace("\r", "\n").splitlines()
        lines = [x for x in lines if x.strip()][-_RAW_TAIL_LINES:]
        print("  tool output (last lines):", file=out)
        for line in lines:
            print(f"    | {line}", file=out)


def flash(args: argparse.Namespace) -> int:
    """Handler of ``tinybench flash``."""
    from tinybench_gui.devices.catalog import CatalogError, load_catalog
    from tinybench_gui.devices.flashing import Flasher, FlashRequest

    try:
        catalog = load_catalog()
        board = catalog.get(args.board)
    except (CatalogError, KeyError) as exc:
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    flasher = Flasher(catalog)
    if args.list_routes:
        _print_routes(flasher, board)
        return 0
    if args.firmware is None:
        print("error: --firmware FILE is required (or --list-routes)", file=sys.stderr)
        return 2
    port, serial = args.port, args.probe_serial
    if port is None and not args.no_probe_after and not board.emulated:
        port, serial = _find_port(board, serial)
    request = FlashRequest(
        board=board,
        firmware=args.firmware,
        route=args.route,
        probe_serial=serial,
        port_url=port,
        baud_rate=args.baud,
        drive=args.drive,
        pack=args.pack,
        connect_under_reset=args.under_reset,
        verify=not args.no_verify,
        timeout_s=args.timeout_s,
        probe_after=not args.no_probe_after,
    )
    return run_flash(flasher, request)


def run_flash(flasher: Any, request: FlashRequest) -> int:
    """Flash with a progress bar; Ctrl-C cancels cleanly."""
    bar = ProgressBar(sys.stderr)
    job = flasher.start(request, on_progress=bar)
    try:
        result = job.wait()
    except KeyboardInterrupt:
        job.cancel()
        print("\ncancelling...", file=sys.stderr)
        result = job.wait(30)
    bar.close()
    if result is None:
        print("error: the flash did not stop within 30 s of cancelling", file=sys.stderr)
        return 1
    print_result(result, sys.stdout)
    if result.emulated_board is not None:
        # The board lives as long as this process: here it only proved the image boots.
        result.emulated_board.stop()
        print("  (the emulated board was stopped on exit; runs start their own)")
    return 0 if result.ok else 1
