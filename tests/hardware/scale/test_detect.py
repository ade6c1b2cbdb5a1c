"""Protocol detection against the simulators, console-port exclusion, and devices that
answer anything (which must not count as a scale)."""

from __future__ import annotations

import os
import threading
from dataclasses import replace

import pytest

from hardware.scale.detect import PROBES, console_ports, detect_port, is_console

# The simulators answer within milliseconds: shorter waits keep the test fast.
QUICK = tuple(replace(p, wait_s=0.15) for p in PROBES)
NO_CONSOLES: set[str] = set()


@pytest.mark.parametrize("protocol", ["toledo8217", "mtsics", "cas", "magellan", "epelsa", "adam", "cas22", "stgs",
                                      "toledo_cont"])
def test_each_protocol_is_recognised(make_sim, protocol):
    sim = make_sim(protocol, weight_g=1500)
    found = detect_port(sim.path, QUICK, NO_CONSOLES)
    assert found.protocol == protocol, found.detail


def test_detection_changes_nothing_on_the_scale(make_sim):
    sim = make_sim("toledo8217", weight_g=1500)
    detect_port(sim.path, QUICK, NO_CONSOLES)
    assert not sim.device.echo  # echo mode entered for the test and left again
    assert sim.model.tare_g == 0 and sim.model.zero_g == 0
    for destructive in (b"T", b"Z", b"C"):
        assert destructive not in sim.received


def test_a_silent_adam_is_only_a_maybe(make_sim):
    sim = make_sim("adam", weight_g=0)
    found = detect_port(sim.path, QUICK, NO_CONSOLES)
    assert found.protocol is None and found.maybe == ("adam",)


def test_a_device_that_echoes_everything_is_not_a_scale():
    master, slave = os.openpty()
    import tty

    tty.setraw(slave)
    stop = threading.Event()

    def echo() -> None:
        import select

        while not stop.is_set():
            if select.select([master], [], [], 0.02)[0]:
                os.write(master, os.read(master, 256))

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    try:
        found = detect_port(os.ttyname(slave), QUICK, NO_CONSOLES)
    finally:
        stop.set()
        thread.join()
        os.close(master)
        os.close(slave)
    assert found.protocol is None and "not like any supported scale" in found.detail


def test_console_ports_are_never_probed(tmp_path):
    consoles = console_ports(cmdline="console=serial0,115200 console=tty1 root=/dev/mmcblk0p2",
                             dev=str(tmp_path))
    assert {"/dev/ttyAMA0", "/dev/ttyAMA10", "/dev/serial0"} <= consoles
    assert "/dev/ttyS0" not in consoles
    assert "/dev/ttyS0" in console_ports(cmdline="console=ttyS0,115200", dev=str(tmp_path))
    found = detect_port("/dev/ttyAMA10", QUICK, consoles)
    assert found.protocol is None and "console" in found.detail


def test_an_alias_of_the_console_is_recognised(tmp_path):
    target = tmp_path / "ttyAMA0"
    target.write_text("")
    (tmp_path / "serial0").symlink_to(target)
    consoles = console_ports(cmdline="", dev=str(tmp_path))
    assert str(target) in consoles
    other = tmp_path / "my-scale"
    other.symlink_to(target)
    assert is_console(str(other), consoles)


def test_missing_port_is_reported(tmp_path):
    found = detect_port(str(tmp_path / "ttyUSB9"), QUICK, NO_CONSOLES)
    assert found.protocol is None and "No such file" in found.detail


def test_the_8217_probe_leaves_the_line_clean_for_a_cas_scale(make_sim):
    """The 8217 probe writes "Ehello" with no line end; a CAS scale takes a W after it
    as part of an unknown command ("EhelloW") and stays silent. The probe ends what it
    left on the line, so the CAS probe that follows is answered."""
    sim = make_sim("cas", weight_g=1450)
    found = detect_port(sim.path, QUICK, NO_CONSOLES)
    assert found.protocol == "cas", found.detail
    toledo = sim.received.index(b"Ehello")
    assert b"\r" in sim.received[toledo:sim.received.index(b"W", toledo + 6)]
