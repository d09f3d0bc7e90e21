"""``tinybench info RUN.h5``: what a run file holds, in a few lines."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

# Provenance entries shown first, in this order, when present.
_PROVENANCE_KEYS = (
    "dut_name",
    "dut_profile",
    "dut_model",
    "dut_url",
    "dut_usb",
    "firmware_sha256",
    "energy_monitor",
    "reference_model_sha256",
    "dataset_manifest_sha256",
    "host_os",
)


def register(sub: Any) -> None:
    """Add ``info`` to the command line."""
    p = sub.add_parser(
        "info",
        help="summarise a run file (status, channels, tables, results)",
        description="Print a run file's status, provenance, channels, tables and results. "
        "Live and crashed files open read-only.",
    )
    p.add_argument("run_file", type=Path, metavar="RUN.h5")
    p.add_argument("--json", action="store_true", help="print the summary as JSON (for scripts)")
    p.set_defaults(handler=info)


def _fmt_time(unix_s: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(unix_s))


def info(args: argparse.Namespace) -> int:
    """Handler of ``tinybench info``."""
    from tinybench_gui.storage import layout
    from tinybench_gui.storage.reader import load_run
    from tinybench_gui.storage.recovery import RunFileError, recovered_path

    try:
        run = load_run(args.run_file)
    except RunFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with run:
        if args.json:
            print(json.dumps(_summary(run), indent=1))
            return 0
        st = run.status
        print(f"run file      {run.path}")
        origin = f", imported from {run.imported_from}" if run.imported_from else ""
        print(f"layout        {run.layout_version} (tinybench {run.tinybench_version}{origin})")
        print(f"status        {st.describe()}")
        print(f"created       {st.created_utc}")
        if st.finished_utc:
            print(f"finished      {st.finished_utc}")
        print(f"last flush    {_fmt_time(st.last_flush_unix_s)}")
        if run.mode or run.model:
            print(f"benchmark     {run.model or '?'} {run.mode or ''}".rstrip())
        prov = run.provenance
        shown = [k for k in _PROVENANCE_KEYS if k in prov]
        rest = sorted(k for k in prov if k not in _PROVENANCE_KEYS and k != "plan")
        for key in shown + rest:
            print(f"  {key:<22} {_short(prov[key])}")
        if "plan" in prov:
            print(f"  {'plan':<22} {_short(prov['plan'])}")
        print("channels")
        if not run.channels:
            print("  (none: no energy monitor in this run)")
        for ch in run.channels.values():
            print(
                f"  {ch.name:<12} {ch.units:<9} {ch.sample_rate_hz:>12g} Hz "
                f"{ch.n_samples:>13,d} samples  {ch.duration_s:10.3f} s"
            )
        counts = {name: run.table_rows(name) for name in layout.TABLES}
        print("tables        " + ", ".join(f"{n} {c}" for n, c in counts.items()))
        print("results")
        if not run.results:
            print("  (none)")
        for r in run.results:
            flag = "valid" if r.valid else f"NOT VALID: {r.reason}" if r.reason else "NOT VALID"
            print(f"  {r.name:<32} {r.value:12.4f} {r.units:<10} {flag}")
        if run.artifacts:
            print("artifacts     " + ", ".join(run.artifacts))
        if run.opened_swmr:
            hint = (
                f"`tinybench recover {run.path}` writes a clean copy to {recovered_path(run.path)}"
                if st.interrupted
                else "the file is still being written"
            )
            print(f"note          opened read-only through SWMR; {hint}")
    return 0


def _summary(run: Any) -> dict[str, Any]:
    from tinybench_gui.storage import layout

    st = run.status
    return {
        "path": str(run.path),
        "layout_version": run.layout_version,
        "tinybench_version": run.tinybench_version,
        "imported_from": run.imported_from or None,
        "status": st.state.value,
        "status_reason": st.reason,
        "interrupted": st.interrupted,
        "created_utc": st.created_utc,
        "finished_utc": st.finished_utc or None,
        "last_flush_unix_s": st.last_flush_unix_s,
        "mode": run.mode,
        "model": run.model,
        "provenance": run.provenance,
        "channels": {
            c.name: {
                "units": c.units,
                "kind": c.kind,
                "sample_rate_hz": c.sample_rate_hz,
                "first_sample_index": c.first_sample_index,
                "samples": c.n_samples,
                "duration_s": c.duration_s,
            }
            for c in run.channels.values()
        },
        "tables": {name: run.table_rows(name) for name in layout.TABLES},
        "results": [
            {
                "name": r.name,
                "value": r.value,
                "units": r.units,
                "valid": r.valid,
                "reason": r.reason,
            }
            for r in run.results
        ],
        "artifacts": run.artifacts,
        "opened_swmr": run.opened_swmr,
    }


def _short(value: Any, width: int = 90) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"
