"""Every name, dtype and constant of the HDF5 run file (docs/reference/hdf5-layout.md).

The writer, the reader, the importers and the documentation all take their names
from here, so the layout is described once. Bump ``LAYOUT_VERSION`` on any change
a reader of the previous version would misread.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

import h5py
import numpy as np

#: Value of the root attribute ``format``: marks a file as a tinybench run.
FORMAT_NAME: Final = "tinybench-run"
#: Version of this layout, stored in the root attribute ``layout_version``.
LAYOUT_VERSION: Final = 1

# Root attributes.
ATTR_FORMAT: Final = "format"
ATTR_LAYOUT_VERSION: Final = "layout_version"
ATTR_TINYBENCH_VERSION: Final = "tinybench_version"
ATTR_CREATED_UTC: Final = "created_utc"
ATTR_FINISHED_UTC: Final = "finished_utc"
ATTR_STATUS: Final = "status"
ATTR_STATUS_REASON: Final = "status_reason"
ATTR_WRITER_PID: Final = "writer_pid"
ATTR_WRITER_HOST: Final = "writer_host"
ATTR_IMPORTED_FROM: Final = "imported_from"

# Groups.
GROUP_PROVENANCE: Final = "provenance"
GROUP_CHANNELS: Final = "channels"
GROUP_PYRAMID: Final = "pyramid"
GROUP_TABLES: Final = "tables"
GROUP_ARTIFACTS: Final = "artifacts"

#: Provenance group attribute holding the whole provenance as JSON (the scalar
#: entries are also stored one attribute each, for browsing in HDFView).
ATTR_PROVENANCE_JSON: Final = "json"

#: 1-element float64 dataset: UNIX time of the last flush (a crashed run's file
#: tells when it last had everything on disk).
DATASET_HEARTBEAT: Final = "heartbeat_unix_s"
#: Official results, one row per score (see ``RESULTS_DTYPE``).
DATASET_RESULTS: Final = "results"

# Channel dataset attributes.
ATTR_SAMPLE_RATE_HZ: Final = "sample_rate_hz"
ATTR_UNITS: Final = "units"
ATTR_FIRST_SAMPLE_INDEX: Final = "first_sample_index"
ATTR_KIND: Final = "kind"
KIND_ANALOG: Final = "analog"
KIND_DIGITAL: Final = "digital"

# Pyramid attributes.
ATTR_SAMPLES_PER_ENTRY: Final = "samples_per_entry"
ATTR_COLUMNS: Final = "columns"
ANALOG_SUMMARY_COLUMNS: Final = ("min", "max", "mean", "std")
DIGITAL_SUMMARY_COLUMNS: Final = ("and", "or")
#: Samples summarised by one level-1 entry (the JLS/jsdrv first decimation).
PYRAMID_FIRST_FACTOR: Final = 128
#: Entries of level k summarised by one entry of level k+1.
PYRAMID_FACTOR: Final = 16
#: Levels kept: level 6 is 128·16⁵ = 134 M samples per entry (~2 min at 1 MS/s).
PYRAMID_LEVELS: Final = 6

# Artifact attributes.
ATTR_ENCODING: Final = "encoding"


def level_name(level: int) -> str:
    """Dataset name of pyramid level ``level`` (1 is the finest summary)."""
    return f"level_{level}"


def samples_per_entry(level: int) -> int:
    """Raw samples summarised by one entry of ``level``."""
    return int(PYRAMID_FIRST_FACTOR * PYRAMID_FACTOR ** (level - 1))


class RunState(StrEnum):
    """Value of the root attribute ``status``."""

    RUNNING = "running"
    COMPLETE = "complete"
    CANCELLED = "cancelled"
    FAILED = "failed"


#: Units of the channels tinybench knows; other names get their unit from the
#: suffix after the last underscore.
CHANNEL_UNITS: Final[dict[str, str]] = {
    "current_a": "A",
    "voltage_v": "V",
    "power_w": "W",
    "energy_j": "J",
    "digital": "bitfield",
}

_STR = h5py.string_dtype(encoding="utf-8")

EDGES_DTYPE: Final = np.dtype([("sample_index", "<i8"), ("line", "u1"), ("polarity", "i1")])
WINDOWS_DTYPE: Final = np.dtype(
    [
        ("window", "<i4"),
        ("start_sample", "<i8"),
        ("stop_sample", "<i8"),
        ("iterations", "<i8"),
        ("runtime_s", "<f8"),
        ("energy_j", "<f8"),
        ("power_w", "<f8"),
        ("valid", "?"),
        ("note", _STR),
    ]
)
INFERENCES_DTYPE: Final = np.dtype(
    [
        ("window", "<i4"),
        ("inference", "<i8"),
        ("start_sample", "<i8"),
        ("stop_sample", "<i8"),
        ("duration_s", "<f8"),
        ("energy_j", "<f8"),
    ]
)
ACCURACY_DTYPE: Final = np.dtype(
    [
        ("file", _STR),
        ("true_class", "<i4"),
        ("predicted_class", "<i4"),
        ("correct", "?"),
        ("score", "<f8"),
        ("results", h5py.vlen_dtype(np.dtype("<f4"))),
        ("host_results", h5py.vlen_dtype(np.dtype("<f4"))),
        ("host_agrees", "i1"),
    ]
)
TRANSCRIPT_DTYPE: Final = np.dtype(
    [("host_time_s", "<f8"), ("source", _STR), ("direction", _STR), ("line", _STR)]
)
TIME_MAP_DTYPE: Final = np.dtype([("host_time_s", "<f8"), ("sample_index", "<i8")])
MONITOR_EVENTS_DTYPE: Final = np.dtype([("sample_index", "<i8"), ("kind", _STR), ("text", _STR)])
GAPS_DTYPE: Final = np.dtype(
    [("sample_index", "<i8"), ("missing_samples", "<i8"), ("reason", _STR)]
)
RESULTS_DTYPE: Final = np.dtype(
    [
        ("name", _STR),
        ("value", "<f8"),
        ("units", _STR),
        ("valid", "?"),
        ("reason", _STR),
    ]
)

#: Appendable tables under ``/tables`` (name -> row dtype).
TABLES: Final[dict[str, np.dtype[Any]]] = {
    "edges": EDGES_DTYPE,
    "windows": WINDOWS_DTYPE,
    "inferences": INFERENCES_DTYPE,
    "accuracy": ACCURACY_DTYPE,
    "transcript": TRANSCRIPT_DTYPE,
    "time_map": TIME_MAP_DTYPE,
    "monitor_events": MONITOR_EVENTS_DTYPE,
    "gaps": GAPS_DTYPE,
}

#: Raw sample chunk: 64 Ki samples (256 KiB of float32), a few per second at 1 MS/s.
SAMPLE_CHUNK: Final = 65536
#: Pyramid chunk in entries.
PYRAMID_CHUNK: Final = 4096
#: Table chunk in rows.
TABLE_CHUNK: Final = 1024


def sample_compression() -> dict[str, Any]:
    """h5py keyword arguments for sample and pyramid datasets (decision 0005).

    Bitshuffle + LZ4 from hdf5plugin: the fastest writer with the best ratio among
    the fast filters measured in platform.md §4, and 2.3 GB/s to read back.
    """
    import hdf5plugin

    return dict(hdf5plugin.Bitshuffle(cname="lz4"))


def channel_units(name: str) -> str:
    """Units of channel ``name``."""
    if name in CHANNEL_UNITS:
        return CHANNEL_UNITS[name]
    return name.rsplit("_", 1)[-1] if "_" in name else ""


#: HDF5 format bounds: SWMR needs the 1.10 file format; capping it there (rather
#: than ``'latest'``, which in HDF5 2.0 writes objects HDF5 1.10-1.14 cannot read)
#: keeps run files readable by older h5py wheels, MATLAB and the hdf5-tools.
LIBVER: Final = ("v110", "v110")
