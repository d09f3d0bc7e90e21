"""A scripted device on a real pty, for the failure cases a healthy simulator never shows."""

from __future__ import annotations

import contextlib
import os
import select
import threading
import tty
from collections.abc import Callable

Script = Callable[[str], bytes | None]  # command -> reply bytes (None: say nothing)


class ScriptedPty:
    """Answers each ``%``-terminated command with ``script(command)`` on a pty."""

    def __init__(self, script: Script, *, greeting: bytes = b"") -> None:
        self.script = script
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.url = os.ttyname(self.slave)
        self.commands: list[str] = []
        self._stop = threading.Event()
        if greeting:
            os.write(self.master, greeting)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        pending = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                pending += os.read(self.master, 4096)
            except OSError:
                return
            while b"%" in pending:
                raw, pending = pending.split(b"%", 1)
                command = raw.decode(errors="replace")
                self.commands.append(command)
                reply = self.script(command)
                if reply:
                    os.write(self.master, reply)

    def vanish(self) -> None:
        """The device is unplugged: both ends of the pty go away."""
        self._stop.set()
        self._thread.join(2)
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def close(self) -> None:
        self.vanish()


def healthy(command: str) -> bytes | None:
    """A minimal performance-build DUT for name, profile and timestamp."""
    if command == "name":
        return b"m-name-dut-[scripted]\r\nm-ready\r\n"
    if command == "profile":
        return b"m-profile-[ULPMark for tinyML Firmware V0.0.1]\r\nm-model-[kws01]\r\nm-ready\r\n"
    if command == "timestamp":
        return b"m-lap-us-1000\r\nm-ready\r\n"
    return None
