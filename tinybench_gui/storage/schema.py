"""Creating the groups, tables and channels of a run file, and turning records into rows.

Shared by ``RunWriter`` and the importers so every run file has the same skeleton.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import h5py
import numpy as np
import numpy.typing as npt

from tinybench_gui import __version__
from tinybench_gui.storage import layout
from tinybench_gui.storage.records import AccuracyRecord, OfficialResult, TimedWindow


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _jsonable(value: Any) -> Any:
    """Provenance values as JSON (paths, enums and dataclasses become strings)."""
    try:
        json.dumps(value)
    except TypeError:
        if isinstance(value, Mapping):
            return {str(k): _jsonable(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [_jsonable(v) for v in value]
        return str(value)
    return value


def write_provenance(group: h5py.Group, provenance: Mapping[str, Any]) -> None:
    """Store ``provenance`` as JSON plus one attribute per scalar entry."""
    clean = {str(k): _jsonable(v) for k, v in provenance.items()}
    for key in list(group.attrs):
        del group.attrs[key]
    group.attrs[layout.ATTR_PROVENANCE_JSON] = json.dumps(clean, sort_keys=True)
    for key, value in clean.items():
        if isinstance(value, str | int | float | bool) and key != layout.ATTR_PROVENANCE_JSON:
            group.attrs[key] = value


def create_skeleton(f: h5py.File, provenance: Mapping[str, Any]) -> None:
    """Create every group and table of an empty run (also used by the importers)."""
    f.attrs[layout.ATTR_FORMAT] = layout.FORMAT_NAME
    f.attrs[layout.ATTR_LAYOUT_VERSION] = layout.LAYOUT_VERSION
    f.attrs[layout.ATTR_TINYBENCH_VERSION] = __version__
    f.attrs[layout.ATTR_CREATED_UTC] = utc_now()
    f.attrs[layout.ATTR_FINISHED_UTC] = ""
    f.attrs[layout.ATTR_STATUS] = layout.RunState.RUNNING.value
    f.attrs[layout.ATTR_STATUS_REASON] = ""
    f.attrs[layout.ATTR_WRITER_PID] = os.getpid()
    f.attrs[layout.ATTR_WRITER_HOST] = socket.gethostname()
    write_provenance(f.create_group(layout.GROUP_PROVENANCE), provenance)
    f.create_group(layout.GROUP_CHANNELS)
    f.create_group(layout.GROUP_PYRAMID)
    f.create_group(layout.GROUP_ARTIFACTS)
    tables = f.create_group(layout.GROUP_TABLES)
    for name, dtype in layout.TABLES.items():
        tables.create_dataset(
            name, shape=(0,), maxshape=(None,), dtype=dtype, chunks=(layout.TABLE_CHUNK,)
        )
    f.create_dataset(
        layout.DATASET_RESULTS,
        shape=(0,),
        maxshape=(None,),
        dtype=layout.RESULTS_DTYPE,
        chunks=(64,),
    )
    f.create_dataset(layout.DATASET_HEARTBEAT, data=np.array([time.time()], np.float64))


def create_channel(
    f: h5py.File, name: str, dtype: np.dtype[Any], sample_rate_hz: float, first_sample_index: int
) -> None:
    """Create the sample dataset of channel ``name`` and its pyramid levels."""
    digital = dtype.kind == "u" and dtype.itemsize == 1
    ds = f[layout.GROUP_CHANNELS].create_dataset(
        name,
        shape=(0,),
        maxshape=(None,),
        dtype=dtype,
        chunks=(layout.SAMPLE_CHUNK,),
        **layout.sample_compression(),
    )
    ds.attrs[layout.ATTR_SAMPLE_RATE_HZ] = float(sample_rate_hz)
    ds.attrs[layout.ATTR_UNITS] = layout.channel_units(name)
    ds.attrs[layout.ATTR_FIRST_SAMPLE_INDEX] = int(first_sample_index)
    ds.attrs[layout.ATTR_KIND] = layout.KIND_DIGITAL if digital else layout.KIND_ANALOG
    group = f[layout.GROUP_PYRAMID].create_group(name)
    columns = layout.DIGITAL_SUMMARY_COLUMNS if digital else layout.ANALOG_SUMMARY_COLUMNS
    for level in range(1, layout.PYRAMID_LEVELS + 1):
        lds = group.create_dataset(
            layout.level_name(level),
            shape=(0, len(columns)),
            maxshape=(None, len(columns)),
            dtype=np.uint8 if digital else np.float32,
            chunks=(layout.PYRAMID_CHUNK, len(columns)),
            **layout.sample_compression(),
        )
        lds.attrs[layout.ATTR_SAMPLES_PER_ENTRY] = layout.samples_per_entry(level)
        lds.attrs[layout.ATTR_COLUMNS] = ",".join(columns)


def append_rows(ds: h5py.Dataset, rows: npt.NDArray[Any]) -> None:
    """Append ``rows`` along axis 0 of ``ds``."""
    n = ds.shape[0]
    m = rows.shape[0]
    if m == 0:
        return
    ds.resize((n + m, *ds.shape[1:]))
    ds[n : n + m] = rows


def row(dtype: np.dtype[Any], values: Sequence[Any]) -> npt.NDArray[Any]:
    arr = np.zeros(1, dtype)
    arr[0] = tuple(values)
    return arr


def window_row(w: TimedWindow) -> npt.NDArray[Any]:
    """``w`` as a row of ``/tables/windows``."""
    return row(
        layout.WINDOWS_DTYPE,
        (
            w.window,
            w.start_sample,
            w.stop_sample,
            w.iterations,
            w.runtime_s,
            w.energy_j,
            w.power_w,
            w.valid,
            w.note,
        ),
    )


def accuracy_row(r: AccuracyRecord) -> npt.NDArray[Any]:
    """``r`` as a row of ``/tables/accuracy``."""
    arr = np.zeros(1, layout.ACCURACY_DTYPE)
    arr["file"] = r.file
    arr["true_class"] = r.true_class
    arr["predicted_class"] = r.predicted_class
    arr["correct"] = r.correct
    arr["score"] = r.score
    arr["results"][0] = np.asarray(r.results, np.float32)
    arr["host_results"][0] = np.asarray(r.host_results, np.float32)
    arr["host_agrees"] = -1 if r.host_agrees is None else int(r.host_agrees)
    return arr


def result_row(r: OfficialResult) -> npt.NDArray[Any]:
    """``r`` as a row of ``/results``."""
    return row(layout.RESULTS_DTYPE, (r.name, r.value, r.units, r.valid, r.reason))
