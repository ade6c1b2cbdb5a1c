"""Epson's real-time drawer pulse (DLE DC4 1 m t): the bytes, the decoder, and the
simulated printer acting on it in any mode, even split across TCP segments."""

from __future__ import annotations

import socket

import pytest

from hardware.printer.decode import decode
from hardware.printer.receipt_printer import kick_in_job, realtime_kick_command
from tests.hardware.conftest import wait_until


def test_realtime_kick_bytes_and_decoding():
    assert realtime_kick_command(2, 100) == b"\x10\x14\x01\x00\x01"
    assert realtime_kick_command(5, 250) == b"\x10\x14\x01\x01\x02"
    assert realtime_kick_command(2, 5000) == b"\x10\x14\x01\x00\x08"  # t is at most 8 (800 ms)
    kick = decode(realtime_kick_command(5, 300)).kicks[0]
    assert (kick.pin, kick.on_ms, kick.realtime) == (5, 300, True)
    with pytest.raises(ValueError):
        realtime_kick_command(3, 100)


def test_kick_in_a_receipt_job_is_found():
    assert kick_in_job(b"\x1b@\x1bt\x02\x1bp\x01\x64\x32Recibo") == (5, 200)
    assert kick_in_job(b"\x1b@Recibo sin cajon") is None


def test_simulated_printer_opens_on_a_split_realtime_pulse_even_out_of_paper(sim_printer):
    sim_printer.set_mode("paper_out")
    with socket.create_connection(("127.0.0.1", sim_printer.port)) as sock:
        sock.sendall(b"\x10\x14\x01\x00\x09")  # t out of range: ignored, as a printer does
        sock.sendall(b"\x10\x14")
        sock.sendall(b"\x01\x00\x03")
        wait_until(lambda: sim_printer.realtime_kicks)
    assert sim_printer.realtime_kicks == [(2, 300, 300)] and sim_printer.drawer_open
