"""``tinybench detect``: the bench's boards and instruments, matched to the catalog and probed."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tinybench_gui.devices.discovery import DetectedDevice, DetectOptions


def register(sub: Any) -> None:
    """Add ``detect`` to the command line."""
    p = sub.add_parser(
        "detect",
        help="list boards and instruments: USB, simulated and emulated, probed with name%%",
        description=(
            "Enumerate serial ports and registered simulators, match them against the board "
            "catalog and confirm each by probing (name%% at 115200, 921600, 9600; profile%% "
            "for the model; the banner or timestamp%% for the build mode). Ports in use "
            "by another program are reported busy and left alone."
        ),
    )
    p.add_argument("--no-probe", action="store_true", help="list only; send nothing")
    p.add_argument("--all", action="store_true", help="also list ports no catalog entry matches")
    p.add_argument("--deadline-s", type=float, default=5.0, help="deadline of one port's probe")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--watch", action="store_true", help="keep watching: print boards as they come and go"
    )
    p.set_defaults(handler=detect)


def device_record(device: DetectedDevice) -> dict[str, Any]:
    """A JSON-ready description of one detected device."""
    probe = device.probe
    return {
        "key": device.key,
        "origin": device.origin,
        "port": device.port.url,
        "usb_id": device.port.usb_id,
        "serial_number": device.port.serial_number,
        "role": device.role,
        "board": device.spec.id if device.spec else None,
        "candidates": [c.id for c in device.candidates],
        "resolved_by": device.resolved_by or None,
        "status": probe.status,
        "baud_rate": probe.baud_rate,
        "name": probe.name,
        "model": probe.model,
        "build_mode": probe.build_mode,
        "firmware_version": probe.firmware_version,
        "behind": probe.behind.name if probe.behind else None,
        "detail": probe.detail or None,
        "warnings": list(device.warnings),
    }


def print_table(devices: list[DetectedDevice], out: Any = None) -> None:
    """The human listing."""
    stream = out or sys.stdout
    if not devices:
        print(
            "no boards or instruments found; plug one in, or start a simulator with "
            "`tinybench sim serve`",
            file=stream,
        )
        return
    print(
        f"{'origin':<10} {'role':<15} {'port':<22} {'serial':<18} {'board':<24} status", file=stream
    )
    for d in devices:
        if d.spec is not None:
            board = d.spec.id
        elif d.candidates:
            board = ("? " + "/".join(c.id for c in d.candidates))[:24]
        else:
            board = "-"
        serial = (d.port.serial_number or "-")[:18]
        print(
            f"{d.origin:<10} {d.role or '?':<15} {d.port.url:<22} {serial:<18} {board:<24} "
            f"{d.probe.summary()}",
            file=stream,
        )
        if d.probe.behind is not None:
            print(f"{'':<10} └ DUT behind it: {d.probe.behind.name!r}", file=stream)
        for warning in d.warnings:
            print(f"{'':<10} ! {warning}", file=stream)


def _options(args: argparse.Namespace) -> DetectOptions:
    from tinybench_gui.devices.discovery import DetectOptions

    return DetectOptions(
        probe=not args.no_probe, include_unknown=args.all, deadline_s=args.deadline_s
    )


def _watch(args: argparse.Namespace) -> int:
    from tinybench_gui.devices.watcher import DeviceWatcher

    watcher = DeviceWatcher(options=_options(args))
    print("watching for boards (Ctrl-C stops)", file=sys.stderr)
    with watcher:
        try:
            while True:
                event = watcher.events.get()
                if args.json:
                    print(
                        json.dumps({"event": event.kind, **device_record(event.device)}), flush=True
                    )
                else:
                    print(f"{event.kind:>8}: {event.device.summary()}", flush=True)
        except KeyboardInterrupt:
            return 0


def detect(args: argparse.Namespace) -> int:
    """Handler of ``tinybench detect``."""
    from tinybench_gui.devices.catalog import CatalogError
    from tinybench_gui.devices.discovery import detect as run_detect

    if args.watch:
        return _watch(args)
    try:
        devices = run_detect(options=_options(args))
    except CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([device_record(d) for d in devices], indent=2))
    else:
        print_table(devices)
    return 0
