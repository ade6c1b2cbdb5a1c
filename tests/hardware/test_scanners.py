"""Scanners: key codes -> characters for US, Spanish and Latin-American layouts from
recorded evdev events; serial framing fed byte by byte (CR, LF, CRLF, pause, prefix,
garbage, partial codes); the serial adapter over a pseudo-terminal with unplug and
replug; the evdev adapter with a grabbed (replayed) device."""

from __future__ import annotations

import errno
import os
from collections import namedtuple
from pathlib import Path

import pytest

from hardware.events import ScanEvent
from hardware.registry import Registry
from hardware.scanner_evdev import EV_KEY, KEY, EvdevScanner, KeyDecoder, decode_events, parse_recording
from hardware.scanner_serial import Frame, SerialFramer, SerialScanner
from hardware.sim_scanner import SimSerialScanner
from tests.hardware.conftest import wait_until

DATA = Path(__file__).parent / "data"


def keys(*spec: str) -> list[tuple[int, int, int]]:
    """Press/release events: "A" taps A, "+SHIFT" holds, "-SHIFT" releases."""
    out = []
    for k in spec:
        if k[0] in "+-" and len(k) > 1:
            out.append((EV_KEY, KEY[k[1:]], 1 if k[0] == "+" else 0))
        else:
            out += [(EV_KEY, KEY[k], 1), (EV_KEY, KEY[k], 0)]
    return out


SHIFT, ALTGR = "LEFTSHIFT", "RIGHTALT"


def test_key_codes_are_the_linux_ones():
    from evdev import ecodes

    for name, code in KEY.items():
        assert ecodes.ecodes[f"KEY_{name}"] == code, name


def test_recorded_us_scanner():
    events = parse_recording((DATA / "us_scanner_ean13.evtest").read_text())
    assert len(events) == 28
    assert decode_events(events, "us") == ["7701234567890"]


def test_spanish_layout_turns_key_codes_back_into_symbols():
    # A scanner set to the Spanish keyboard typing "AB-12/ñ:" then Enter.
    events = keys(f"+{SHIFT}", "A", "B", f"-{SHIFT}", "SLASH", "1", "2", f"+{SHIFT}", "7", f"-{SHIFT}",
                  "SEMICOLON", f"+{SHIFT}", "DOT", f"-{SHIFT}", "ENTER")
    assert decode_events(events, "es") == ["AB-12/ñ:"]
    assert decode_events(events, "us") == ["AB/12&;>"]  # the garbling a wrong layout gives
    at = keys(f"+{ALTGR}", "2", f"-{ALTGR}", "ENTER")
    assert decode_events(at, "es") == ["@"]


def test_latin_american_layout():
    events = keys(f"+{ALTGR}", "Q", f"-{ALTGR}", f"+{SHIFT}", "3", f"-{SHIFT}", "SLASH", "MINUS",
                  f"+{SHIFT}", "MINUS", f"-{SHIFT}", "APOSTROPHE", "ENTER")
    assert decode_events(events, "latam") == ["@#-'?{"]
    assert decode_events(events, "es") == ["·-'?"]  # AltGr+Q is nothing on es


def test_keypad_and_alt_codes_are_layout_independent():
    events = keys("KP7", "KP0") + [(EV_KEY, KEY["LEFTALT"], 1)] + keys("KP6", "KP5") + \
        [(EV_KEY, KEY["LEFTALT"], 0)] + keys("KPENTER")
    for layout in ("us", "es", "latam"):
        assert decode_events(events, layout) == ["70A"]


def test_text_without_enter_is_not_a_code():
    assert decode_events(keys("1", "2", "3"), "us") == []
    with pytest.raises(ValueError, match="unknown keyboard layout 'fr'"):
        KeyDecoder("fr")


# --- serial framing -----------------------------------------------------------------------

def feed_bytewise(framer: SerialFramer, data: bytes, t0: float = 0.0, gap: float = 0.001) -> list[Frame]:
    out, t = [], t0
    for b in data:
        out += framer.feed(bytes([b]), t)
        t += gap
    return out + framer.poll(t)


@pytest.mark.parametrize("suffix", [b"\r", b"\n", b"\r\n"])
def test_terminated_frames_byte_by_byte(suffix):
    framer = SerialFramer(b"", suffix)
    frames = feed_bytewise(framer, b"7701234567890" + suffix + b"04210009" + suffix)
    assert [f.code for f in frames] == ["7701234567890", "04210009"]


def test_cr_setting_accepts_a_scanner_that_sends_crlf():
    assert [f.code for f in feed_bytewise(SerialFramer(b"", b"\r"), b"123\r\n456\r\n")] == ["123", "456"]


def test_pause_framing():
    framer = SerialFramer(b"", b"", pause_s=0.03)
    assert feed_bytewise(framer, b"7701234567890") == []  # still typing
    assert [f.code for f in framer.poll(1.0)] == ["7701234567890"]
    # the next code after a pause is a new code
    assert [f.code for f in framer.feed(b"123", 2.0) + framer.poll(2.1)] == ["123"]


def test_prefix_is_removed_and_required():
    framer = SerialFramer(b"\x02", b"\r")
    frames = feed_bytewise(framer, b"\x027701234567890\r" + b"999\r")
    assert frames[0] == Frame(code="7701234567890")
    assert "sin el prefijo esperado" in frames[1].error


def test_garbage_is_refused_and_the_next_code_still_reads():
    framer = SerialFramer(b"", b"\r", max_length=20)
    frames = feed_bytewise(framer, b"\x00\xff\x1b[2J\r" + b"A" * 60 + b"\r" + b"7701234567890\r")
    assert "datos ilegibles" in frames[0].error
    assert "sin fin de código tras 20 caracteres" in frames[1].error
    assert frames[2:] == [Frame(code="7701234567890")]  # the tail of the long run was not taken as a code


def test_partial_code_is_dropped_not_glued_to_the_next():
    framer = SerialFramer(b"", b"\r", frame_timeout_s=0.2)
    assert framer.feed(b"77012", 0.0) == []
    frames = framer.feed(b"04210009\r", 1.0)  # the rest of the first scan never came
    assert "código incompleto descartado" in frames[0].error and "77012" in frames[0].error
    assert frames[1] == Frame(code="04210009")


# --- the serial adapter on a pseudo-terminal ----------------------------------------------------

def test_serial_scanner_reads_reconnects_and_reports(tmp_path):
    link = tmp_path / "ttyACM0"  # like a udev by-id link that follows the device
    sim = SimSerialScanner(suffix=b"\r\n")
    link.symlink_to(sim.path)
    registry = Registry()
    got: list[ScanEvent] = []
    errors: list[str] = []
    scanner = SerialScanner("caja", str(link), got.append, registry, suffix=b"\r", reconnect_s=0.1,
                            on_error=lambda name, msg: errors.append(msg))
    scanner.start()
    try:
        wait_until(lambda: registry.get("caja").connected)
        sim.scan("7701234567890")
        wait_until(lambda: got)
        assert got[0].code == "7701234567890" and got[0].source == "serial"
        sim.send(b"\x00\x01\xfe\r\n")
        wait_until(lambda: errors)
        assert "datos ilegibles" in errors[0] and "rechazado" in registry.get("caja").last_event

        sim.unplug()
        state = wait_until(lambda: (s := registry.get("caja")) and not s.connected and s)
        assert "disconnected" in state.last_error or "not found" in state.last_error

        sim2 = SimSerialScanner(suffix=b"\r")  # plugged in again
        link.unlink()
        link.symlink_to(sim2.path)
        wait_until(lambda: registry.get("caja").connected, timeout=5)
        sim2.scan("04210009")
        wait_until(lambda: len(got) == 2)
        assert got[1].code == "04210009"
        sim2.close()
    finally:
        scanner.stop()
        sim.close()


def test_serial_scanner_missing_device_says_so(tmp_path):
    registry = Registry()
    scanner = SerialScanner("s", str(tmp_path / "ttyACM9"), lambda e: None, registry, reconnect_s=0.1)
    scanner.start()
    try:
        state = wait_until(lambda: (s := registry.get("s")) and s.last_error and s)
        assert "ttyACM9: not found (unplugged?)" in state.last_error and not state.connected
    finally:
        scanner.stop()


# --- the evdev adapter with a replayed device -----------------------------------------------------

Event = namedtuple("Event", "type code value")


class ReplayDevice:
    """Stands in for python-evdev's InputDevice: a pipe makes it selectable, recorded
    events come out of read(); it can be grabbed, be busy or vanish."""

    def __init__(self, busy: bool = False):
        self.r, self.w = os.pipe()
        self.fd = self.r
        self.pending: list[Event] = []
        self.grabbed = False
        self.busy = busy
        self.gone = False
        self.closed = False

    def push(self, events):
        self.pending += [Event(*e) for e in events]
        os.write(self.w, b"x")

    def vanish(self):
        self.gone = True
        os.write(self.w, b"x")

    def read(self):
        os.read(self.r, 4096)
        if self.gone:
            raise OSError(errno.ENODEV, "No such device")
        out, self.pending = self.pending, []
        return out

    def grab(self):
        if self.busy:
            raise OSError(errno.EBUSY, "Device or resource busy")
        self.grabbed = True

    def ungrab(self):
        self.grabbed = False

    def close(self):
        self.closed = True
        for fd in (self.r, self.w):
            try:
                os.close(fd)
            except OSError:
                pass


def test_evdev_scanner_grabs_translates_and_reconnects():
    devices = [ReplayDevice(busy=True), ReplayDevice(), ReplayDevice()]
    opened = []

    def opener(path):
        dev = devices[len(opened)]
        opened.append(dev)
        return dev
    registry = Registry()
    got: list[ScanEvent] = []
    scanner = EvdevScanner("hid", "/dev/input/by-id/usb-Scanner-event-kbd", got.append, registry, layout="es",
                           reconnect_s=0.05, opener=opener, finder=lambda match: "/dev/input/event7")
    scanner.start()
    try:
        wait_until(lambda: "another program holds the scanner" in registry.get("hid").last_error
                   or registry.get("hid").connected)
        wait_until(lambda: registry.get("hid").connected)
        dev = opened[1]
        assert dev.grabbed  # keystrokes never reach the UI
        dev.push(keys("7", "7", "0", "SLASH", "1", "ENTER"))
        wait_until(lambda: got)
        assert got[0] == ScanEvent("770-1", "evdev", at=got[0].at)
        dev.vanish()  # unplugged
        wait_until(lambda: len(opened) == 3 and registry.get("hid").connected)
        assert dev.closed and not dev.grabbed
        opened[2].push(keys("4", "2", "ENTER"))
        wait_until(lambda: len(got) == 2)
        assert got[1].code == "42"
    finally:
        scanner.stop()


def test_evdev_partial_code_is_dropped():
    dev = ReplayDevice()
    registry = Registry()
    got, errors = [], []
    scanner = EvdevScanner("hid", "/dev/input/event3", got.append, registry, frame_timeout_ms=100,
                           opener=lambda p: dev, finder=lambda m: m, on_error=lambda n, m: errors.append(m))
    scanner.start()
    try:
        wait_until(lambda: registry.get("hid").connected)
        dev.push(keys("1", "2", "3"))
        wait_until(lambda: errors)
        assert "código incompleto descartado" in errors[0] and "'123'" in errors[0]
        dev.push(keys("9", "ENTER"))
        wait_until(lambda: got)
        assert got[0].code == "9"
    finally:
        scanner.stop()


def test_evdev_scanner_not_plugged_in():
    registry = Registry()
    scanner = EvdevScanner("hid", "/dev/input/by-id/usb-Nothing-event-kbd", lambda e: None, registry,
                           reconnect_s=0.05)
    scanner.start()
    try:
        state = wait_until(lambda: (s := registry.get("hid")) and s.last_error and s)
        assert "not found (scanner unplugged?)" in state.last_error
    finally:
        scanner.stop()
