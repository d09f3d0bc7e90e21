"""The emulated board: QEMU ``mps2-an386`` running a firmware image, reachable over TCP.

Usage::

    with EmulatedBoard(image) as board:          # starts QEMU, connects the pin wire
        link = serial.serial_for_url(board.url)   # "socket://127.0.0.1:PORT" (the DUT UART)
        ...
        events = board.drain_pin_events()         # timestamp / inference pin edges

API (kept small on purpose):

- ``EmulatedBoard(image, icount_shift=3, qemu="qemu-system-arm")``; ``start()`` returns ``url``;
  ``stop()`` shuts QEMU down (also on garbage collection and if this process dies: no orphans).
- ``url``: pyserial URL of the board's UART0, the benchmark protocol. QEMU waits for this
  connection before the firmware runs, so the banner is never lost.
- ``pin_url``: not exposed; the board itself reads UART1 (the pin wire) from ``start()`` on and
  queues :class:`PinEvent` s: ``drain_pin_events()``, ``wait_pin_events(count, timeout_s)``.
- ``tick_hz`` (25 MHz timer0 of the board) and ``instructions(us)``: with ``-icount shift=N``
  every instruction takes 2**N ns of virtual time, so a lap of ``us`` microseconds is
  ``us * 1000 / 2**N`` instructions.

Virtual time: ``-icount shift=N,align=off,sleep=on`` makes the firmware's microsecond timer
count executed instructions, so ``m-lap-us-`` is deterministic. The default shift 3 (8 ns per
instruction) is a 125 MIPS board, close to the 120 MHz NUCLEO-L4R5ZI at CPI 1.
"""

from __future__ import annotations

import contextlib
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinybench_gui.firmware.board_process import BoardProcess, end_process

DEFAULT_ICOUNT_SHIFT = 3
_CONNECT_TIMEOUT_S = 10.0


class EmulatorError(RuntimeError):
    """QEMU is missing, did not start, or the board did not come up."""


@dataclass(frozen=True)
class PinEvent:
    """One edge on a board pin, in the board's own time."""

    pin: str  # "timestamp" or "inference"
    level: int  # 0 or 1 (the timestamp pin's falling edge is level 0)
    tick: int  # timer0 ticks since boot
    time_s: float  # tick / tick_hz


_PIN_NAMES = {"t": "timestamp", "i": "inference"}


def parse_pin_record(line: str, tick_hz: int) -> PinEvent | None:
    """One record of the pin wire (docs/reference/emulated-board-pins.md); None for comments."""
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    head, _, tick_hex = line.partition(" ")
    if len(head) != 2 or head[0] not in _PIN_NAMES or head[1] not in "01" or not tick_hex:
        raise ValueError(f"malformed pin record {line!r}")
    tick = int(tick_hex, 16)
    return PinEvent(_PIN_NAMES[head[0]], int(head[1]), tick, tick / tick_hz)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


# Linux sends PR_SET_PDEATHSIG when the *thread* that forked the child exits, not the
# process: a QEMU started from a short-lived worker would be killed with that worker.
# Every QEMU is therefore forked from this one thread, which an executor keeps alive
# until the interpreter exits, so QEMU lives exactly as long as tinybench.
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qemu-spawner")


def _spawn(cmd: list[str]) -> subprocess.Popen[bytes]:
    """Start ``cmd`` on the spawner thread, dying with this process (Linux)."""
    return _SPAWNER.submit(
        subprocess.Popen,
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        # Runs before exec only (prctl), so the threading caveat of preexec_fn is moot.
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    ).result()


def _shutdown(
    process: subprocess.Popen[bytes], sockets: list[socket.socket], stopping: threading.Event
) -> None:
    """Stop QEMU and close what talks to it; run by stop() or when the board is collected."""
    stopping.set()
    end_process(process)
    if process.stderr is not None:
        process.stderr.close()
    for sock in sockets:
        sock.close()


def _read_stderr(
    process: subprocess.Popen[bytes], lines: list[str], dut_port: int, listening: threading.Event
) -> None:
    if process.stderr is None:
        return
    with contextlib.suppress(ValueError, OSError):  # closed by stop()
        for raw in process.stderr:
            line = raw.decode(errors="replace").rstrip()
            lines.append(line)
            if "waiting for connection" in line and f":{dut_port}," in line:
                listening.set()


def _read_pins(
    sock: socket.socket,
    events: queue.Queue[PinEvent],
    stopping: threading.Event,
    tick_hz: list[int],
) -> None:
    sock.settimeout(0.2)
    pending = b""
    while not stopping.is_set():
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            continue
        except OSError:
            return
        if not chunk:
            return
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for raw in lines:
            text = raw.decode("ascii", errors="replace")
            if text.startswith("# tinybench-pins") and "tick_hz=" in text:
                tick_hz[0] = int(text.split("tick_hz=")[1].split()[0])
                continue
            event = parse_pin_record(text, tick_hz[0])
            if event is not None:
                events.put(event)


class EmulatedBoard(BoardProcess):
    """QEMU mps2-an386 with a firmware image; see the module docstring."""

    machine = "mps2-an386"

    def __init__(
        self,
        image: Path,
        *,
        icount_shift: int = DEFAULT_ICOUNT_SHIFT,
        qemu: str = "qemu-system-arm",
    ) -> None:
        self.image = Path(image)
        self.icount_shift = icount_shift
        self.qemu = qemu
        self._tick_hz = [25_000_000]  # the pin reader updates it from the wire's header
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._pin_socket: socket.socket | None = None
        self._pin_thread: threading.Thread | None = None
        self._events: queue.Queue[PinEvent] = queue.Queue()
        self._stopping = threading.Event()
        self._stderr_lines: list[str] = []
        self._sockets: list[socket.socket] = []
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._dut_listening = threading.Event()

    def start(self) -> str:
        """Start QEMU and connect the pin wire; returns the DUT URL (``socket://...``)."""
        if self._process is not None:
            return self.url
        if shutil.which(self.qemu) is None:
            raise EmulatorError(
                f"{self.qemu} not found: install QEMU (Debian: apt-get install qemu-system-arm)"
            )
        if not self.image.is_file():
            raise EmulatorError(f"firmware image {self.image} does not exist; build it first")
        dut_port, pin_port = _free_port(), _free_port()
        self._stopping = threading.Event()  # fresh state: a stopped board may be started again
        self._sockets = []
        self._stderr_lines = []
        self._dut_listening = threading.Event()
        cmd = [
            self.qemu,
            "-M", self.machine,
            "-kernel", str(self.image),
            "-display", "none", "-monitor", "none", "-parallel", "none",
            "-icount", f"shift={self.icount_shift},align=off,sleep=on",
            # The pin wire is created (and waited for) first, so it is connected before the
            # firmware's first edge; the DUT UART then waits for the user's connection.
            "-chardev", f"socket,id=pins,host=127.0.0.1,port={pin_port},server=on,wait=on",
            "-chardev",
            f"socket,id=dut,host=127.0.0.1,port={dut_port},server=on,wait=on,nodelay=on",
            "-serial", "chardev:dut", "-serial", "chardev:pins",
        ]  # fmt: skip
        self._process = _spawn(cmd)
        self._finalizer = weakref.finalize(
            self, _shutdown, self._process, self._sockets, self._stopping
        )
        # The reader threads get only what they need, never self: a thread holding the board
        # would keep it from being collected, and its finalizer from stopping QEMU.
        threading.Thread(
            target=_read_stderr,
            args=(self._process, self._stderr_lines, dut_port, self._dut_listening),
            name="qemu-stderr",
            daemon=True,
        ).start()
        try:
            self._pin_socket = self._connect(pin_port)
            self._sockets.append(self._pin_socket)
            # QEMU announces each waiting server socket on stderr once it listens; probing the
            # DUT port instead would use up the one connection it waits for.
            if not self._dut_listening.wait(_CONNECT_TIMEOUT_S):
                raise EmulatorError(
                    f"QEMU did not open the DUT socket on port {dut_port}: "
                    + " ".join(self._stderr_lines).strip()
                )
        except EmulatorError:
            self.stop()
            raise
        self._pin_thread = threading.Thread(
            target=_read_pins,
            args=(self._pin_socket, self._events, self._stopping, self._tick_hz),
            name=f"pins:{pin_port}",
            daemon=True,
        )
        self._pin_thread.start()
        self.url = f"socket://127.0.0.1:{dut_port}"
        return self.url

    def _connect(self, port: int) -> socket.socket:
        deadline = time.monotonic() + _CONNECT_TIMEOUT_S
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                time.sleep(0.1)  # let the stderr reader collect QEMU's last words
                err = " ".join(self._stderr_lines).strip()
                raise EmulatorError(f"QEMU exited with code {self._process.returncode}: {err}")
            try:
                return socket.create_connection(("127.0.0.1", port), timeout=1.0)
            except OSError:
                if time.monotonic() > deadline:
                    raise EmulatorError(
                        f"QEMU did not open its pin socket on port {port} within "
                        f"{_CONNECT_TIMEOUT_S:.0f} s"
                    ) from None
                time.sleep(0.02)

    def drain_pin_events(self) -> list[PinEvent]:
        """All pin events received so far and not yet drained."""
        events = []
        with contextlib.suppress(queue.Empty):
            while True:
                events.append(self._events.get_nowait())
        return events

    def wait_pin_events(self, count: int, timeout_s: float) -> list[PinEvent]:
        """Wait until ``count`` events arrived (or the timeout); returns those drained."""
        deadline = time.monotonic() + timeout_s
        events: list[PinEvent] = []
        while len(events) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                events.append(self._events.get(timeout=remaining))
            except queue.Empty:
                break
        return events

    @property
    def tick_hz(self) -> int:
        """The board timer's rate (from the pin wire's header once it arrived)."""
        return self._tick_hz[0]

    def instructions(self, elapsed_us: int) -> int:
        """Guest instructions executed in ``elapsed_us`` of virtual time."""
        return elapsed_us * 1000 // (1 << self.icount_shift)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """Stop QEMU and the pin reader. Safe to call twice."""
        if self._finalizer is not None:
            self._finalizer()
        if self._pin_thread is not None:
            self._pin_thread.join(timeout=2)
        self._process = None
        self._pin_socket = None
        self._pin_thread = None
