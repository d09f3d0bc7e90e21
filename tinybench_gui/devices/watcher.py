"""Hot-plug: a worker thread that polls the ports and reports boards coming and going.

The GUI creates a ``DeviceWatcher``, passes a callback (called on the watcher's
thread: the GUI's bridge moves it to the GUI thread) or reads ``events``, a
``queue.Queue``. Nothing here blocks the caller: ``start``, ``rescan`` and
``devices`` return at once. A new port is probed once when it appears (and again,
a few times, if it did not answer yet: a board may still be booting); a port that
tinybench itself holds (``in_use``) is never probed.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from tinybench_gui.devices.catalog import Catalog, load_catalog
from tinybench_gui.devices.discovery import (
    DEFAULT_OPTIONS,
    ComportsFn,
    DetectedDevice,
    DetectOptions,
    PortInfo,
    identify_all,
    list_ports,
    match_catalog,
)

_log = logging.getLogger(__name__)
EventKind = Literal["added", "removed", "updated"]


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """A change in the device list."""

    kind: EventKind
    device: DetectedDevice


DeviceCallback = Callable[[DeviceEvent], None]


class DeviceWatcher:
    """Poll for devices in a daemon thread; report changes by callback and queue."""

    def __init__(
        self,
        on_event: DeviceCallback | None = None,
        *,
        catalog: Catalog | None = None,
        comports: ComportsFn | None = None,
        registry_folder: Path | None = None,
        options: DetectOptions = DEFAULT_OPTIONS,
        poll_period_s: float = 1.0,
        retry_period_s: float = 2.0,
        max_retries: int = 2,
        in_use: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        self._on_event = on_event
        self._catalog = catalog
        self._comports = comports
        self._registry_folder = registry_folder
        self._options = options
        self.poll_period_s = poll_period_s
        self.retry_period_s = retry_period_s
        self.max_retries = max_retries
        self._in_use = in_use
        self.events: queue.Queue[DeviceEvent] = queue.Queue()
        self._devices: dict[str, DetectedDevice] = {}
        self._retries: dict[str, tuple[int, float]] = {}  # key -> (tries so far, next try time)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._reprobe_all = False
        self._thread: threading.Thread | None = None
        self.scans = 0  # completed polls, for tests and the status bar
        self.last_error: str | None = None

    # -- control (any thread, returns at once) ------------------------------------------------
    def start(self) -> DeviceWatcher:
        """Start polling (idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="DeviceWatcher", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop polling and join the thread."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout_s)

    def rescan(self, *, reprobe: bool = False) -> None:
        """Poll now; with ``reprobe`` also probe the devices already known again."""
        with self._lock:
            self._reprobe_all = self._reprobe_all or reprobe
        self._wake.set()

    def devices(self) -> list[DetectedDevice]:
        """A snapshot of the current list."""
        with self._lock:
            return list(self._devices.values())

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> DeviceWatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the worker ---------------------------------------------------------------------------
    def _emit(self, kind: EventKind, device: DetectedDevice) -> None:
        event = DeviceEvent(kind, device)
        self.events.put(event)
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:  # a faulty listener must not kill hot-plug
                _log.exception("device watcher callback failed")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
                self.last_error = None
            except Exception as exc:  # keep watching: a transient enumeration error is common
                self.last_error = str(exc)
                _log.exception("device poll failed")
            self._wake.wait(self.poll_period_s)
            self._wake.clear()

    def poll_once(self) -> None:
        """One poll: enumerate, probe what is new (or due a retry), emit the changes."""
        catalog = self._catalog or load_catalog()
        busy = frozenset(self._in_use()) if self._in_use else frozenset()
        options = replace(self._options, skip_urls=self._options.skip_urls | busy)
        ports = {
            p.key: p
            for p in list_ports(self._comports, self._registry_folder)
            if p.registered is not None
            or match_catalog(p, catalog)
            or options.include_unknown
            or (p.vid is not None and options.probe_unknown_usb)
        }
        now = time.monotonic()
        with self._lock:
            known = dict(self._devices)
            reprobe_all, self._reprobe_all = self._reprobe_all, False
        to_probe: list[PortInfo] = []
        for key, port in ports.items():
            old = known.get(key)
            if old is None or old.port.url != port.url or reprobe_all:
                to_probe.append(port)
            elif not old.probe.ok and old.probe.status != "busy":
                tries, due = self._retries.get(key, (0, now))
                if tries < self.max_retries and now >= due:
                    self._retries[key] = (tries + 1, now + self.retry_period_s)
                    to_probe.append(port)
        for key, device in known.items():
            if key not in ports:
                with self._lock:
                    self._devices.pop(key, None)
                self._retries.pop(key, None)
                self._emit("removed", device)
        if to_probe:
            for device in identify_all(to_probe, catalog, options):
                with self._lock:
                    previous = self._devices.get(device.key)
                    self._devices[device.key] = device
                if previous is None:
                    self._retries.setdefault(device.key, (0, now + self.retry_period_s))
                    self._emit("added", device)
                elif previous != device:
                    self._emit("updated", device)
        self.scans += 1
