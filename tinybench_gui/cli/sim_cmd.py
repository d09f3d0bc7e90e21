"""``tinybench sim serve``: a simulated DUT that any serial client can open."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from typing import Any


def register(sub: Any) -> None:
    """Add ``sim`` to the command line."""
    p = sub.add_parser("sim", help="serve simulated devices for any serial client")
    sim_sub = p.add_subparsers(dest="sim_command", metavar="SUBCOMMAND")
    serve = sim_sub.add_parser("serve", help="serve a simulated DUT on a pty and a TCP socket")
    serve.add_argument(
        "--benchmark", choices=["kws01", "vww01", "ic01", "ic02", "ad01"], default="kws01"
    )
    serve.add_argument(
        "--energy", action="store_true", help="the energy build (GPIO timestamps, 9600 baud)"
    )
    serve.add_argument("--port", type=int, default=0, help="TCP port (default: any free port)")
    serve.add_argument(
        "--realtime", action="store_true", help="inference takes real time (default: skip)"
    )
    serve.add_argument("--no-wire-time", action="store_true", help="do not emulate UART wire time")
    serve.add_argument("--board-profile", default="nucleo-l4r5zi")
    serve.add_argument(
        "--energy-bench",
        choices=["lpm01a", "ppk2"],
        help="serve a whole energy bench instead: interface board and this monitor on ptys",
    )
    serve.set_defaults(handler=serve_forever)
    p.set_defaults(handler=lambda args: (p.print_help(), 2)[1])


def serve_forever(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; print where to connect."""
    if getattr(args, "energy_bench", None):
        from tinybench_gui.cli.sim_energy import serve_energy_bench

        return serve_energy_bench(args)
    from tinybench_gui.devices.port_registry import RegisteredPort, register_port, unregister_port
    from tinybench_gui.devices.sim.clock import SimClock
    from tinybench_gui.devices.sim.serve import SimDutServer
    from tinybench_gui.devices.sim.sim_dut import SimDut

    clock = SimClock(realtime=args.realtime)
    servers: list[SimDutServer] = []
    try:
        for transport in ("pty", "tcp"):
            dut = SimDut(
                args.benchmark, energy_mode=args.energy, profile=args.board_profile, clock=clock
            )
            servers.append(
                SimDutServer(
                    dut, transport=transport, wire_time=not args.no_wire_time, port=args.port
                ).start()
            )
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        for s in servers:
            s.stop()
        return 1
    build = "energy" if args.energy else "performance"
    names = []
    for s in servers:
        name = f"sim-dut-{os.getpid()}-{s.transport}"
        register_port(
            RegisteredPort(
                name=name,
                url=s.url,
                origin="simulated",
                role="dut",
                description=f"simulated {args.benchmark} DUT, {build} build, {s.baud_rate} baud",
                pid=os.getpid(),
            )
        )
        names.append(name)
    print(f"Simulated {args.benchmark} DUT ({build} build, {servers[0].baud_rate} baud)")
    print(f"  pty:    {servers[0].url}")
    print(f"  socket: {servers[1].url}")
    print("Connect with any serial client; Ctrl-C stops.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        for s in servers:
            s.stop()
        for name in names:
            unregister_port(name)
    return 0
