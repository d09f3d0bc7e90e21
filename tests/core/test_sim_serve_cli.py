"""``tinybench sim serve`` prints where to connect, and any client can; Ctrl-C stops it."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import serial


def test_sim_serve_prints_pty_and_socket_and_answers() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tinybench_gui",
            "sim",
            "serve",
            "--benchmark",
            "vww01",
            "--no-wire-time",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(3)]  # type: ignore[union-attr]
        pty = re.search(r"pty:\s+(\S+)", lines[1])
        sock = re.search(r"socket:\s+(socket://\S+)", lines[2])
        assert pty, lines
        assert sock, lines
        for url in (pty.group(1), sock.group(1)):
            port = serial.serial_for_url(url, 115200, timeout=1)
            time.sleep(0.2)
            port.reset_input_buffer()
            port.write(b"profile%")
            got = b""
            deadline = time.monotonic() + 5
            while b"m-ready" not in got and time.monotonic() < deadline:
                got += port.read(64)
            port.close()
            assert b"m-model-[vww01]\r\nm-ready\r\n" in got
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert code == 0
