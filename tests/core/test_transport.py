"""SerialLink's raw I/O on each kind of port: a pty, a socket, and one without a descriptor."""

from __future__ import annotations

import pytest

from tests.core.scripted import ScriptedPty
from tinybench_gui.bench import simulated_bench
from tinybench_gui.devices.dut import DutClient
from tinybench_gui.devices.transport import LinkTimeoutError, SerialLink


def test_a_pty_link_reads_lines_split_across_reads() -> None:
    replies = {"name": b"m-name-dut-", "rest": b"[scripted]\r\nm-ready\r\n"}
    dut = ScriptedPty(replies.get)
    try:
        with SerialLink(dut.url, 115200, line_timeout_s=0.3) as link:
            link.send("name")
            with pytest.raises(LinkTimeoutError, match="partial 'm-name-dut-'"):
                link.read_line()
            link.send("rest")
            assert link.read_until_ready("name") == ["m-name-dut-[scripted]", "m-ready"]
    finally:
        dut.close()


def test_a_socket_link_transacts() -> None:
    with simulated_bench("ad01", realtime=False, wire_time=False, transport="tcp") as bench:
        url = bench.dut_server.url
        assert url.startswith("socket://")
        with SerialLink(url, 115200, line_timeout_s=5.0) as link:
            # pyserial empties a socket's input when it opens: the banner may be gone.
            identity = DutClient(link).identify()
            assert identity.model == "ad01"
            assert link.transact("db load 8").lines == ("m-[Expecting 8 bytes]", "m-ready")


def test_a_port_without_a_descriptor_goes_through_pyserial() -> None:
    with SerialLink("loop://", 115200, line_timeout_s=0.3) as link:
        link.write_raw(b"m-lap-us-12\r\nm-ready\r\n")
        assert link.read_until_ready("timestamp") == ["m-lap-us-12", "m-ready"]
        with pytest.raises(LinkTimeoutError):
            link.read_line()
