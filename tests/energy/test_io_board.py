"""Interface board clients against the simulated boards relaying to the simulated DUT."""

from __future__ import annotations

import pytest

from tinybench_gui.devices.dut import DutClient
from tinybench_gui.devices.io_board import (
    ArduinoIoManager,
    InterfaceBoard,
    IoBoardError,
    open_io_board,
)
from tinybench_gui.devices.sim.clock import SimClock
from tinybench_gui.devices.sim.serve import SimDutServer
from tinybench_gui.devices.sim.sim_dut import SimDut
from tinybench_gui.devices.sim.sim_io_board import SimIoBoard
from tinybench_gui.devices.transport import LinkTimeoutError


@pytest.fixture
def dut_server():
    dut = SimDut("ad01", energy_mode=True, clock=SimClock(realtime=False), profile="fast-m7")
    server = SimDutServer(dut, wire_time=True).start()
    assert server.baud_rate == 9600
    yield server
    server.stop()


def test_enhanced_board_relays_the_dut(dut_server) -> None:
    sim = SimIoBoard(dut_server.url)
    board = open_io_board("stm32h573i-dk", sim.path)
    try:
        assert isinstance(board, InterfaceBoard)
        assert board.name() == "tinyML Enhanced Interface Board"
        assert board.check_baud() == 9600
        assert board.sync_baud(9600) is False
        client = DutClient(board)
        identity = client.identify()
        assert identity.model == "ad01"
        assert identity.timestamp_mode == "energy"
        assert board.chunk_bytes == 26
        assert "dut name" in sim.commands
    finally:
        board.close()
        sim.close()


def test_setbaud_resets_and_checkbaud_confirms(dut_server) -> None:
    sim = SimIoBoard(dut_server.url, dut_baud=115200, actual_dut_baud=9600, reset_s=0.1)
    board = InterfaceBoard(sim.path, reset_s=0.2).open()
    try:
        assert board.check_baud() == 115200
        assert board.sync_baud(9600) is True
        assert board.check_baud() == 9600
        assert "setbaud 9600" in sim.commands
    finally:
        board.close()
        sim.close()


def test_board_answering_for_a_dut_that_is_not_there() -> None:
    sim = SimIoBoard(None)
    board = open_io_board("stm32h573i-dk", sim.path, line_timeout_s=0.5)
    try:
        with pytest.raises(LinkTimeoutError, match=r"relayed 'name' but the DUT did not answer"):
            board.transact("name")
    finally:
        board.close()
        sim.close()


def test_a_dut_port_is_not_an_interface_board(dut_server) -> None:
    board = InterfaceBoard(dut_server.url, baud_rate=9600, line_timeout_s=1.0).open()
    try:
        with pytest.raises(IoBoardError, match="not the tinyML Enhanced Interface Board"):
            board.name()
    finally:
        board.close()


def test_arduino_io_manager(dut_server) -> None:
    sim = SimIoBoard(dut_server.url, kind="arduino")
    board = open_io_board("arduino", sim.path)
    try:
        assert isinstance(board, ArduinoIoManager)
        assert "m-name-io" in board.name()
        assert board.version() == "m-version-1.0.3"
        board.timestamp_on_falling_edge()
        board.enable_timer()
        assert DutClient(board).identify().model == "ad01"
        with pytest.raises(IoBoardError, match="cannot relay at 115200"):
            board.sync_baud(115200)
    finally:
        board.close()
        sim.close()
