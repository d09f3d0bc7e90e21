"""A fake of ``pyjoulescope_driver.Driver`` backed by the simulated world.

It implements the part of the API our Joulescope driver uses (``device_paths``,
``open``, ``close``, ``publish``, ``subscribe``, ``unsubscribe``, ``query``) and
produces the messages the real library delivers: per stream a dict with
``sample_id`` (counted at the JS220's 2 MHz base rate), ``field_id``, ``index``,
``sample_rate``, ``decimate_factor``, ``time_map``, ``utc`` and ``data`` (f32 for
``s/i`` and ``s/v``, u1 packed 8 per byte, little bit order, for ``s/gpi/N``).
Callbacks run on the fake's own thread, as the library's do. It samples the
world ``lag_s`` behind the world clock, in 10 ms messages.

Faults for tests: ``stall()`` and ``skip(n)`` (n samples missing from every stream).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from tinybench_gui.devices.sim.world import INFERENCE_BIT, TIMESTAMP_BIT, SimWorld

BASE_RATE_HZ = 2_000_000
_MESSAGE_S = 0.01
_FIELD_IDS = {"i": 1, "v": 2, "gpi0": 5, "gpi1": 5}
_TOPICS = {"s/i/!data": "i", "s/v/!data": "v", "s/gpi/0/!data": "gpi0", "s/gpi/1/!data": "gpi1"}


class FakeJoulescopeDriver:
    """The ``Driver`` API with one simulated JS220 (``u/js220/<serial>``)."""

    def __init__(
        self,
        world: SimWorld,
        *,
        serial: str = "000415",
        lag_s: float = 0.3,
        voltage_noise_v: float = 0.0005,
    ) -> None:
        self.world = world
        self.path = f"u/js220/{serial}"
        self.lag_s = lag_s
        self.voltage_noise_v = voltage_noise_v
        self.values: dict[str, Any] = {}
        self.published: list[tuple[str, Any]] = []
        self._subs: dict[str, list[Callable[[str, Any], None]]] = {}
        self._enabled: set[str] = set()
        self._opened = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._rng = np.random.default_rng(11)
        self.start_time_s = 0.0
        self._produced = 0
        self._stalled = False
        self._skip = 0

    # -- the Driver API --------------------------------------------------------------------
    def device_paths(self) -> list[str]:
        """One simulated instrument."""
        return [self.path]

    def open(self, device_path: str, mode: str = "defaults", timeout: float | None = None) -> None:
        """Open the instrument."""
        if device_path != self.path:
            raise RuntimeError(f"no device {device_path}")
        self._opened = True
        self.values[f"{self.path}/h/fs"] = 1_000_000

    def close(self, device_path: str, timeout: float | None = None) -> None:
        """Close it and stop streaming."""
        self._opened = False
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    def finalize(self) -> None:
        """End the library (nothing to do)."""

    def query(self, topic: str, timeout: float | None = None) -> Any:
        """The last published value of ``topic``."""
        return self.values.get(topic)

    def subscribe(
        self, topic: str, flags: Any, fn: Callable[[str, Any], None], timeout: float | None = None
    ) -> None:
        """Call ``fn(topic, value)`` for every message of ``topic``."""
        with self._lock:
            self._subs.setdefault(topic, []).append(fn)

    def unsubscribe(
        self, topic: str, fn: Callable[[str, Any], None], timeout: float | None = None
    ) -> None:
        """Stop calling ``fn`` for ``topic``."""
        with self._lock:
            if fn in self._subs.get(topic, []):
                self._subs[topic].remove(fn)

    def publish(self, topic: str, value: Any, timeout: float | None = None) -> None:
        """Set a parameter; ``.../ctrl`` switches a stream on (1) or off (0)."""
        if not self._opened:
            raise RuntimeError("device not open")
        self.values[topic] = value
        self.published.append((topic, value))
        local = topic.removeprefix(self.path + "/")
        if local.endswith("/ctrl"):
            stream = local.removesuffix("/ctrl") + "/!data"
            if value in (1, "on", True):
                self._enabled.add(stream)
                self._ensure_thread()
            else:
                self._enabled.discard(stream)

    # -- faults --------------------------------------------------------------------------------
    def stall(self) -> None:
        """Stop delivering data (USB hang)."""
        self._stalled = True

    def skip(self, samples: int) -> None:
        """Lose the next ``samples`` samples of every stream."""
        self._skip += samples

    # -- streaming -----------------------------------------------------------------------------
    @property
    def output_rate_hz(self) -> int:
        """The output rate set through ``h/fs``."""
        return int(self.values.get(f"{self.path}/h/fs", 1_000_000))

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self.start_time_s = self.world.clock()
            self._produced = 0
            self._thread = threading.Thread(target=self._run, name="fake-js220", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(_MESSAGE_S / 2):
            if not self._enabled or self._stalled:
                continue
            rate = self.output_rate_hz
            due = int((self.world.clock() - self.lag_s - self.start_time_s) * rate)
            chunk = max(1, int(rate * _MESSAGE_S))
            while due - self._produced >= chunk and not self._stop.is_set():
                self._emit(self._produced, chunk, rate)
                self._produced += chunk

    def _emit(self, first: int, n: int, rate: int) -> None:
        t0 = self.start_time_s + first / rate
        current, pins = self.world.sample(t0, n, rate)
        if self._skip:
            self._skip = max(0, self._skip - n)
            return
        decimate = BASE_RATE_HZ // rate
        voltage = self.world.supply_voltage_v + self.voltage_noise_v * self._rng.standard_normal(n)
        payloads = {
            "i": current.astype(np.float32),
            "v": voltage.astype(np.float32),
            "gpi0": np.packbits((pins >> TIMESTAMP_BIT) & 1, bitorder="little"),
            "gpi1": np.packbits((pins >> INFERENCE_BIT) & 1, bitorder="little"),
        }
        for topic, name in _TOPICS.items():
            if topic not in self._enabled:
                continue
            full = f"{self.path}/{topic}"
            value = {
                "sample_id": first * decimate,
                "utc": 0,
                "field_id": _FIELD_IDS[name],
                "index": 0,
                "sample_rate": BASE_RATE_HZ,
                "decimate_factor": decimate,
                "time_map": {"offset_time": 0, "offset_counter": 0, "counter_rate": BASE_RATE_HZ},
                "data": payloads[name],
            }
            if name.startswith("gpi"):
                value["sample_count"] = n
            with self._lock:
                callbacks = list(self._subs.get(full, []))
            for fn in callbacks:
                fn(full, value)
