"""``tinybench sim serve --energy-bench MONITOR``: a whole simulated energy bench on ptys.

The interface board and the monitor (LPM01A or PPK2) get ptys that any client opens
as it would the real USB ports, so ``tinybench run --mode energy --io-board PTY
--monitor ppk2:PTY`` runs the hardware code path against the simulators. The served
bench always runs in real time: a client in another process only has host time.
"""

from __future__ import annotations

import argparse
import sys
import threading


def serve_energy_bench(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; print the ports."""
    from tinybench_gui.devices.sim.sim_bench import SimBench

    try:
        bench = SimBench(
            args.energy_bench,
            benchmark=args.benchmark,
            profile=args.board_profile,
            # Across processes there is no shared clock: the runner reads host time,
            # so the served world must run in real time.
            realtime=True,
            wire_time=not args.no_wire_time,
        )
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Simulated energy bench ({args.benchmark} energy build, {bench.monitor_kind})")
    print(f"  io-board: {bench.io_board_url}")
    print(f"  monitor:  {bench.monitor_kind}:{bench.monitor_url}")
    print(
        f"Run: tinybench run --mode energy --io-board {bench.io_board_url} "
        f"--monitor {bench.monitor_kind}:{bench.monitor_url}",
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        bench.close()
    return 0
