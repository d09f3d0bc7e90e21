"""The device end of a pseudo-terminal, for simulators that serve real bytes.

The driver opens ``path`` (``/dev/pts/N``) with pyserial exactly as it would a
USB VCP. The simulator reads and writes the master side. Writes never block the
simulator: bytes the reader does not take are buffered up to ``max_backlog``
bytes, like an instrument's USB buffer; beyond that ``write`` refuses them and
the simulator decides what a full buffer means (the PPK2 loses samples).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import select
import termios
import tty


class PtyEndpoint:
    """A pty pair; the simulator owns the master, the driver opens ``path``."""

    def __init__(self, *, max_backlog: int = 1 << 20) -> None:
        self.master_fd, self._slave_fd = os.openpty()
        # Raw mode on both sides: no echo, no CR/LF translation, 8-bit clean.
        tty.setraw(self._slave_fd, termios.TCSANOW)
        tty.setraw(self.master_fd, termios.TCSANOW)
        flags = fcntl.fcntl(self.master_fd, fcntl.F_GETFL)
        fcntl.fcntl(self.master_fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        self.path = os.ttyname(self._slave_fd)
        self.max_backlog = max_backlog
        self._backlog = bytearray()
        self.closed = False

    @property
    def backlog(self) -> int:
        """Bytes written but not yet taken by the pty."""
        return len(self._backlog)

    def write(self, data: bytes) -> bool:
        """Queue ``data``; False (nothing queued) if the backlog would overflow."""
        if len(self._backlog) + len(data) > self.max_backlog:
            self.flush()
            if len(self._backlog) + len(data) > self.max_backlog:
                return False
        self._backlog += data
        self.flush()
        return True

    def flush(self) -> None:
        """Move as much of the backlog into the pty as it takes."""
        while self._backlog and not self.closed:
            try:
                n = os.write(self.master_fd, self._backlog[:65536])
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in (errno.EIO, errno.EBADF):
                    return
                raise
            del self._backlog[:n]

    def read(self, timeout_s: float) -> bytes:
        """Bytes the driver sent, waiting at most ``timeout_s`` (b"" if none)."""
        if self.closed:
            return b""
        ready, _, _ = select.select([self.master_fd], [], [], timeout_s)
        if not ready:
            return b""
        try:
            return os.read(self.master_fd, 4096)
        except (BlockingIOError, OSError):
            return b""

    def discard_backlog(self) -> None:
        """Forget bytes not yet taken (an instrument reset)."""
        self._backlog.clear()

    def close(self) -> None:
        """Close both sides."""
        if self.closed:
            return
        self.closed = True
        for fd in (self.master_fd, self._slave_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
