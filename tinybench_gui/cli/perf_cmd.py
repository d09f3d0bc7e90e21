"""``tinybench perf``: speed figures as ratios against baselines measured in the same run."""

from __future__ import annotations

import argparse
import importlib
from typing import Any


def register(sub: Any) -> None:
    """Add ``perf`` to the command line."""
    p = sub.add_parser("perf", help="measure tinybench's speed figures against their targets")
    p.add_argument("figures", nargs="*", help="figures to run (default: all); see --list")
    p.add_argument("--list", action="store_true", help="list the figures and exit")
    p.add_argument("--quick", action="store_true", help="shorter measurements (less precise)")
    p.set_defaults(handler=perf)


def _registry() -> dict[str, tuple[Any, str]]:
    from tinybench_gui.perf.figures import FIGURE_MODULES

    found: dict[str, tuple[Any, str]] = {}
    for name in FIGURE_MODULES:
        found.update(importlib.import_module(name).FIGURES)
    return found


def perf(args: argparse.Namespace) -> int:
    """Handler of ``tinybench perf``."""
    registry = _registry()
    if args.list:
        for name, (_, description) in registry.items():
            print(f"{name:<20} {description}")
        return 0
    unknown = [f for f in args.figures if f not in registry]
    if unknown:
        print(f"unknown figure(s): {', '.join(unknown)}; known: {', '.join(registry)}")
        return 2
    chosen = args.figures or list(registry)
    header = (
        f"{'figure':<44} {'value':>14} {'unit':<8} {'baseline':>12} {'ratio':>7} {'target':>7}  met"
    )
    print(header)
    print("-" * len(header))
    all_met = True
    for name in chosen:
        function, _ = registry[name]
        for row in function(args.quick):
            ratio = f"{row.ratio:7.3f}" if row.ratio is not None else "      -"
            base = f"{row.baseline:12.4g}" if row.baseline is not None else "           -"
            target = "      -"
            if row.target is not None:
                target = ("≥" if row.higher_is_better else "≤") + f"{row.target:6.3g}"
            met = {True: "yes", False: "NO", None: "-"}[row.met]
            all_met = all_met and row.met is not False
            print(f"{row.name:<44} {row.value:14.4g} {row.unit:<8} {base} {ratio} {target}  {met}")
            if row.note:
                print(f"    {row.note}")
    print("all targets met" if all_met else "some targets NOT met")
    return 0
