"""Joulescope JS220 / JS110 driver through ``pyjoulescope_driver`` (instruments.md §2).

``pyjoulescope_driver`` is an optional dependency (``pip install tinybench[joulescope]``),
imported only when a Joulescope is opened. The driver object is injected for tests:
any object with the ``Driver`` API (``device_paths``, ``open``, ``publish``,
``subscribe``, ``unsubscribe``, ``query``, ``close``) works, so the fake in
``devices/sim/fake_joulescope.py`` runs this code unchanged.

Streams: ``s/i/!data`` (A, f32), ``s/v/!data`` (V, f32), ``s/gpi/0/!data`` (the
timestamp pin) and ``s/gpi/1/!data`` (the optional inference pin), u1 packed 8
samples per byte, little bit order. Each message carries ``sample_id`` counted at
the base rate; the output sample index is ``sample_id // decimate_factor``. The
driver thread's callbacks only queue messages; our reader thread aligns the four
streams on the sample index, checks continuity (a jump is counted as dropped
samples) and hands ``SampleBlock``s to the sink. The JS220 cannot switch the DUT
supply through this API: ``power`` is a no-op and the user powers the DUT.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from tinybench_gui.devices.energy.driver_base import MonitorDriver
from tinybench_gui.devices.energy.monitor import BlockSink, MonitorCapabilities, MonitorError
from tinybench_gui.streams.blocks import SampleBlock

DEFAULT_RATE_HZ = 1_000_000.0
_FIELDS = ("i", "v", "gpi0", "gpi1")
_TOPICS = {"i": "s/i/!data", "v": "s/v/!data", "gpi0": "s/gpi/0/!data", "gpi1": "s/gpi/1/!data"}
_CTRL = {"i": "s/i/ctrl", "v": "s/v/ctrl", "gpi0": "s/gpi/0/ctrl", "gpi1": "s/gpi/1/ctrl"}


def capabilities_for(model: str) -> MonitorCapabilities:
    """JS220: 1 MS/s; JS110: 2 MS/s. Both measure voltage and sample GPI0/GPI1."""
    return MonitorCapabilities(
        model=model.upper(),
        max_sample_rate_hz=2_000_000.0 if model.lower() == "js110" else 1_000_000.0,
        voltage_measured=True,
        power_switching=False,
        digital_lines=(0, 1),
        timestamp_line=0,
        timestamp_edge="falling",
        timestamp_events=False,
        inference_line=1,
        saturation_current_a=10.0 if model.lower() == "js220" else 3.0,
        supply_range_v=None,
    )


def default_driver_factory() -> Any:
    """A real ``pyjoulescope_driver.Driver`` (the optional dependency)."""
    try:
        from pyjoulescope_driver import Driver
    except ImportError as exc:
        raise MonitorError(
            "pyjoulescope_driver is not installed",
            monitor="Joulescope",
            port="usb",
            fix="pip install 'tinybench[joulescope]' (pyjoulescope-driver)",
        ) from exc
    return Driver()


class JoulescopeDriver(MonitorDriver):
    """A JS220 or JS110 at ``u/js220/<serial>``.

    ``stats`` counts ``sample_id`` gaps as dropped samples and malformed
    messages as garbled.

    Parameters
    ----------
    serial:
        Serial number to pick among several instruments (None: the only one).
    driver_factory:
        Returns a ``Driver``-API object (default: the real pyjoulescope_driver).
    stall_timeout_s:
        Seconds without data after which the stream counts as stopped.
    """

    def __init__(
        self,
        serial: str | None = None,
        *,
        driver_factory: Callable[[], Any] = default_driver_factory,
        stall_timeout_s: float = 2.0,
    ) -> None:
        super().__init__(stall_timeout_s=stall_timeout_s)
        self.serial = serial
        self._factory = driver_factory
        self._driver: Any = None
        self._path = f"u/js220/{serial}" if serial else "u/js220"
        self._model = "js220"
        self._rate_hz = DEFAULT_RATE_HZ
        self._queue: queue.SimpleQueue[tuple[str, dict[str, Any]] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._buffers: dict[str, list[tuple[int, np.ndarray]]] = {f: [] for f in _FIELDS}
        self._next_index: int | None = None
        self._streaming = False

    # -- EnergyMonitor -------------------------------------------------------------------------
    @property
    def capabilities(self) -> MonitorCapabilities:
        """What this Joulescope model has."""
        return capabilities_for(self._model)

    @property
    def port(self) -> str:
        """The device path (``u/js220/000415``)."""
        return self._path

    @property
    def sample_rate_hz(self) -> float:
        """The configured output rate."""
        return self._rate_hz

    def open(self) -> None:
        """Find the instrument (by serial number if given) and open it."""
        if self._driver is not None:
            return
        self._driver = self._factory()
        paths = [p for p in self._driver.device_paths() if "/js110/" in p or "/js220/" in p]
        if self.serial:
            paths = [p for p in paths if p.rsplit("/", 1)[-1] == self.serial]
        if len(paths) != 1:
            found = ", ".join(self._driver.device_paths()) or "none"
            self._driver = None
            raise self._error(
                f"expected one Joulescope, found: {found}",
                fix="plug it in (udev rules on Linux), or pass js220:SERIAL to pick one",
            )
        self._path = paths[0]
        self._model = self._path.split("/")[1]
        self._driver.open(self._path, mode="defaults")

    def configure(self, *, sample_rate_hz: float | None, supply_voltage_v: float) -> None:
        """Output rate and automatic ranges; the supply is the user's (set-point unused)."""
        rate = DEFAULT_RATE_HZ if sample_rate_hz is None else sample_rate_hz
        if rate > self.capabilities.max_sample_rate_hz:
            raise self._error(f"{rate:g} Hz is above this model's rate", "h/fs")
        self._rate_hz = rate
        self._publish("h/fs", int(rate))
        if self._model == "js220":
            self._publish("s/i/range/mode", "auto")
            self._publish("s/v/range/mode", "auto")
            self._publish("c/gpio/vref", "3v3")

    def _publish(self, topic: str, value: Any) -> None:
        if self._driver is None:
            raise self._error("not open", topic, "call open() first")
        self._driver.publish(f"{self._path}/{topic}", value)

    def power(self, on: bool) -> None:
        """No-op: the DUT is powered by the user through the Joulescope."""

    def start(self, sink: BlockSink) -> None:
        """Subscribe to current, voltage, GPI0 and GPI1 and switch the streams on."""
        if self._driver is None:
            raise self._error("not open", "start", "call open() first")
        self._sink = sink
        self._buffers = {f: [] for f in _FIELDS}
        self._next_index = None
        self._failure = None
        self._last_data_s = time.monotonic()
        self._streaming = True
        self._thread = threading.Thread(
            target=self._run, name=f"joulescope-reader {self._path}", daemon=True
        )
        self._thread.start()
        for name in _FIELDS:
            self._driver.subscribe(f"{self._path}/{_TOPICS[name]}", ["pub"], self._on_message)
        for name in _FIELDS:
            self._publish(_CTRL[name], 1)

    def _on_message(self, topic: str, value: dict[str, Any]) -> None:
        # The library's own thread: only queue, never block it.
        self._queue.put((topic, value))

    def stop(self) -> None:
        """Switch the streams off and deliver what was queued."""
        if self._driver is None or not self._streaming:
            return
        for name in _FIELDS:
            self._publish(_CTRL[name], 0)
        for name in _FIELDS:
            self._driver.unsubscribe(f"{self._path}/{_TOPICS[name]}", self._on_message)
        self._streaming = False
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None

    def close(self) -> None:
        """Stop and close the instrument."""
        self.stop()
        driver, self._driver = self._driver, None
        if driver is not None:
            driver.close(self._path)
            if hasattr(driver, "finalize"):
                driver.finalize()

    # -- reader thread ------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._streaming and time.monotonic() - self._last_data_s > self.stall_timeout_s:
                    self._failure = self._error(
                        f"stopped streaming: no data for {self.stall_timeout_s:g} s after sample "
                        f"{self._next_index}",
                        fix="check the USB cable; the samples taken so far are kept",
                    )
                    self._streaming = False
                    return
                continue
            if item is None:
                self._assemble(final=True)
                return
            try:
                self._take(*item)
                self._assemble(final=False)
            except Exception as exc:  # a parser bug must not lose the stream silently
                self._failure = self._error(f"stream failed ({exc})")
                self._streaming = False
                return

    def _take(self, topic: str, value: dict[str, Any]) -> None:
        self._last_data_s = time.monotonic()
        name = next((n for n, t in _TOPICS.items() if topic.endswith(t)), None)
        if name is None:
            return
        decimate = int(value.get("decimate_factor", 1)) or 1
        index = int(value["sample_id"]) // decimate
        data = np.asarray(value["data"])
        if name.startswith("gpi"):
            count = self._count_hint(value, data)
            data = np.unpackbits(data.astype(np.uint8), bitorder="little")[:count]
        self._buffers[name].append((index, data))

    @staticmethod
    def _count_hint(value: dict[str, Any], data: npt.NDArray[Any]) -> int:
        # u1 messages hold whole bytes; a count may tell how many bits are samples.
        return int(value.get("sample_count", data.size * 8))

    def _assemble(self, *, final: bool) -> None:
        """Deliver the samples all four streams have, in index order."""
        if not all(self._buffers[name] for name in ("i",)):
            return
        ends = {
            name: bufs[-1][0] + len(bufs[-1][1]) for name, bufs in self._buffers.items() if bufs
        }
        if not final and len(ends) < len(_FIELDS):
            return
        end = min(ends.values()) if not final else ends["i"]
        joined: dict[str, tuple[int, np.ndarray]] = {}
        for name, bufs in self._buffers.items():
            if not bufs:
                continue
            start = bufs[0][0]
            parts = [bufs[0][1]]
            expected = start + len(bufs[0][1])
            for first, data in bufs[1:]:
                if first > expected:
                    if name == "i":
                        self._dropped += first - expected
                    parts.append(np.full(first - expected, np.nan if name in "iv" else 1))
                parts.append(data)
                expected = first + len(data)
            joined[name] = (start, np.concatenate(parts))
        start = joined["i"][0] if self._next_index is None else self._next_index
        dropped_before = 0
        if self._next_index is not None and joined["i"][0] > self._next_index:
            dropped_before = joined["i"][0] - self._next_index
            self._dropped += dropped_before
            start = joined["i"][0]
        if end <= start:
            return
        arrays: dict[str, np.ndarray] = {}
        for name, (first, data) in joined.items():
            lo = start - first
            arrays[name] = data[max(lo, 0) : end - first]
            if lo < 0:
                pad = np.full(-lo, np.nan if name in "iv" else 1)
                arrays[name] = np.concatenate([pad, arrays[name]])
            rest = data[end - first :]
            self._buffers[name] = [(end, rest)] if rest.size else []
        n = end - start
        digital = np.zeros(n, np.uint8)
        for bit, name in ((0, "gpi0"), (1, "gpi1")):
            if name in arrays and len(arrays[name]) == n:
                digital |= (arrays[name].astype(np.uint8) & 1) << bit
        voltage = arrays.get("v")
        block = SampleBlock(
            first_sample_index=start,
            sample_rate_hz=self._rate_hz,
            current_a=arrays["i"].astype(np.float32),
            voltage_v=voltage.astype(np.float32)
            if voltage is not None and len(voltage) == n
            else None,
            digital=digital,
            dropped_before=dropped_before,
        )
        self._next_index = end
        self._samples += n
        if self._sink is not None:
            self._sink(block)
