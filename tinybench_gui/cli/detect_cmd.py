"""``tinybench detect``: serial ports, what answers ``name%`` on them, and running simulators."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add ``detect`` to the command line."""
    p = sub.add_parser("detect", help="list serial ports and what answers name%% on them")
    p.add_argument(
        "--baud",
        type=int,
        action="append",
        default=None,
        help="baud rates to probe (default: 115200, 921600, 9600)",
    )
    p.add_argument("--timeout-s", type=float, default=0.5, help="deadline of one probe")
    p.set_defaults(handler=detect)


def probe_name(url: str, baud_rate: int, timeout_s: float) -> str:
    """What answered ``name%`` at ``url``, or why nothing did."""
    from tinybench_gui.devices.transport import LinkError, SerialLink

    try:
        with SerialLink(url, baud_rate, line_timeout_s=timeout_s) as link:
            link.purge()
            response = link.transact("name")
    except LinkError as exc:
        return f"no answer ({exc.what})"
    for line in response.lines:
        if line.startswith("m-name-"):
            return line
    return "answered, but not with m-name-"


def detect(args: argparse.Namespace) -> int:
    """Handler of ``tinybench detect``."""
    from serial.tools import list_ports

    from tinybench_gui.devices.port_registry import registered_ports

    bauds = args.baud or [115200, 921600, 9600]
    ports = sorted(list_ports.comports(), key=lambda p: p.device)
    print(f"{'port':<24} {'VID:PID':<10} {'serial':<26} answer")
    for port in ports:
        vidpid = f"{port.vid:04X}:{port.pid:04X}" if port.vid is not None else "-"
        answer = "not probed (no USB device)"
        if port.vid is not None:
            for baud in bauds:
                answer = probe_name(port.device, baud, args.timeout_s)
                if answer.startswith("m-name-"):
                    answer += f" @ {baud}"
                    break
        print(f"{port.device:<24} {vidpid:<10} {port.serial_number or '-':<26} {answer}")
    registered = registered_ports()
    for item in registered:
        answer = probe_name(item.url, 115200, args.timeout_s) if item.role == "dut" else ""
        print(f"{item.url:<24} {item.origin:<10} {item.description:<26} {answer}")
    if not ports and not registered:
        print("no serial ports found; start a simulator with `tinybench sim serve`")
    return 0
