"""Find which scale protocol answers on a serial port, without changing anything on
the scale: only weight requests, the 8217 echo test (entered and left at once) and
MT-SICS's immediate-weight request are sent; never tare, zero or reset.

Console ports of a Raspberry Pi (``/dev/ttyAMA0``, ``/dev/ttyAMA10``, ``/dev/serial0``
and what it points to, ``/dev/ttyS0`` when the kernel console is on it) are never
probed: writing to them would type into a login prompt.

A probe only counts when the answer has the protocol's exact shape. Adam scales
answer ``P`` only when they hold a new weight, and some devices echo anything, so a
silent Adam is reported as "maybe", never as found.
"""

from __future__ import annotations

import glob
import os
import re
import termios
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from hardware.scale import adam, cas, cas22, epelsa, magellan, mtsics, stgs, toledo8217, toledo_cont
from hardware.scale.protocol import SerialSettings

CONSOLE_PORTS = ("/dev/ttyAMA0", "/dev/ttyAMA10", "/dev/serial0", "/dev/serial1")
CANDIDATE_GLOBS = ("/dev/serial/by-id/*", "/dev/ttyUSB*", "/dev/ttyACM*", "/dev/ttyS*", "/dev/ttyAMA*")


@dataclass(frozen=True)
class Probe:
    protocol: str
    serial: SerialSettings
    send: bytes | None  # None: only listen
    matches: Callable[[bytes], bool]
    after: bytes = b""  # sent after a successful probe to undo a mode change
    wait_s: float = 0.35
    # Sent when the probe got no matching answer: ends whatever the probe left on the
    # device's command line ("Ehello" for the 8217), so the next probe's request is
    # read on its own (a CAS scale ignores "EhelloW").
    cleanup: bytes = b"\r\n"


@dataclass(frozen=True)
class Detection:
    port: str
    protocol: str | None  # None: nothing recognised
    detail: str
    maybe: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"port": self.port, "protocol": self.protocol, "detail": self.detail, "maybe": list(self.maybe)}


_EPELSA = re.compile(rb"\x02[A-Z!]\s*-?\d*\.?\d+\r\x03")
_MTSICS = re.compile(rb"(?m)^S [SD] +[-+]?\d+(\.\d+)? +\w+\r\n|^S [I+-]\r\n")
_CAS = re.compile(rb"\x02(\d{5}|\d{0,5}\.\d{1,5}|\?.?)\r")
_MAGELLAN = re.compile(rb"S14[0-5]\d*\r")
_ADAM = re.compile(rb"^\s*(?:[GN]\s*)?[-+]?\s*\d+(\.\d+)?\s*(kg|g|lb)\s*\r?\n?$", re.IGNORECASE)
_TOLEDO_ECHO = b"\x02E\rhello"
_TOLEDO_CONT = re.compile(rb"\x02[\x20-\x7f\xa0-\xff]{3}\d{6}[\d ]{6}\r")
_CAS22 = re.compile(rb"(?:ST|US|OL),(?:GS|NT),..,[ \d.+-]{8} [ a-zA-Z]{2}\r\n", re.DOTALL)
_STGS = re.compile(rb"(?:ST|US|OL),(?:GS|NT),[-+ ]?[ \d.]*[A-Za-z.]{1,4}\r\n")

PROBES: tuple[Probe, ...] = (
    # Listening first, each at its usual line settings: a streaming scale identifies
    # itself without being written to.
    Probe(epelsa.NAME, epelsa.SERIAL, None, lambda b: bool(_EPELSA.search(b)), wait_s=0.5),
    Probe(cas22.NAME, cas22.SERIAL, None, lambda b: bool(_CAS22.search(b)), wait_s=0.5),
    Probe(stgs.NAME, stgs.SERIAL, None, lambda b: bool(_STGS.search(b)), wait_s=0.5),
    Probe(toledo_cont.NAME, toledo_cont.SERIAL, None, lambda b: bool(_TOLEDO_CONT.search(b)), wait_s=0.5),
    # A leading line end flushes whatever an earlier probe left in a line-based
    # scale's input buffer.
    Probe(mtsics.NAME, mtsics.SERIAL, b"\r\n" + mtsics.REQUEST, lambda b: bool(_MTSICS.search(b))),
    Probe(toledo8217.NAME, toledo8217.SERIAL, toledo8217.ECHO_ON + b"hello",
          lambda b: b.startswith(_TOLEDO_ECHO), after=toledo8217.ECHO_OFF),
    Probe(cas.NAME, cas.SERIAL, cas.REQUEST, lambda b: bool(_CAS.fullmatch(b))),
    Probe(magellan.NAME, magellan.SERIAL, b"\r" + magellan.MONITOR, lambda b: bool(_MAGELLAN.search(b))),
    Probe(adam.NAME, adam.SERIAL, b"\r\n" + adam.REQUEST, lambda b: bool(_ADAM.match(b)), wait_s=0.5),
)


def console_ports(cmdline: str | None = None, dev: str = "/dev") -> set[str]:
    """Ports the Pi uses as a console (with the devices the serial0/1 aliases point to)."""
    ports = set(CONSOLE_PORTS)
    for alias in ("serial0", "serial1"):
        target = Path(dev) / alias
        if target.is_symlink():
            ports.add(os.path.realpath(target))
    if cmdline is None:
        try:
            cmdline = Path("/proc/cmdline").read_text()
        except OSError:
            cmdline = ""
    for m in re.finditer(r"console=(tty[A-Za-z]+\d+)", cmdline):
        ports.add(f"/dev/{m.group(1)}")
    return ports


def is_console(port: str, consoles: set[str] | None = None) -> bool:
    consoles = console_ports() if consoles is None else consoles
    return port in consoles or os.path.realpath(port) in consoles


def candidate_ports(globs: Iterable[str] = CANDIDATE_GLOBS, consoles: set[str] | None = None) -> list[str]:
    """Serial ports worth probing, each device once (by-id names preferred), no consoles."""
    consoles = console_ports() if consoles is None else consoles
    seen: set[str] = set()
    out: list[str] = []
    for pattern in globs:
        for port in sorted(glob.glob(pattern)):
            real = os.path.realpath(port)
            if real in seen or is_console(port, consoles):
                continue
            if port.startswith("/dev/ttyS") and not _uart_present(port):
                continue
            seen.add(real)
            out.append(port)
    return out


def _uart_present(port: str) -> bool:
    """/dev/ttyS0..31 exist on most PCs whether or not a UART is behind them."""
    name = os.path.basename(port)
    try:
        return Path(f"/sys/class/tty/{name}/device/driver").exists() and \
            Path(f"/sys/class/tty/{name}/type").read_text().strip() != "0"
    except OSError:
        return False


def _exchange(port: str, probe: Probe) -> bytes:
    import serial

    with serial.serial_for_url(port, timeout=0.05, write_timeout=0.5, exclusive=True,
                               **probe.serial.for_port(port).kwargs()) as ser:
        ser.reset_input_buffer()
        if probe.send:
            ser.write(probe.send)
        got = bytearray()
        deadline = time.monotonic() + probe.wait_s
        while time.monotonic() < deadline:
            got += ser.read(ser.in_waiting or 1)
            if probe.send and probe.matches(bytes(got)):
                break
        matched = probe.matches(bytes(got))
        if probe.after and matched:
            ser.write(probe.after)
            time.sleep(0.05)
            ser.reset_input_buffer()
        elif probe.send and not matched and probe.cleanup:
            ser.write(probe.cleanup)  # leave the device's command line clean
            ser.flush()
            time.sleep(0.05)
            ser.reset_input_buffer()
        return bytes(got)


def detect_port(port: str, probes: Iterable[Probe] = PROBES, consoles: set[str] | None = None) -> Detection:
    import serial

    if is_console(port, consoles):
        return Detection(port, None, "skipped: this is the system console port")
    heard_something = False
    for probe in probes:
        try:
            answer = _exchange(port, probe)
        except (serial.SerialException, OSError, termios.error) as exc:
            reason = os.strerror(exc.errno) if getattr(exc, "errno", None) else str(exc)
            return Detection(port, None, f"cannot open: {reason}")
        if probe.matches(answer):
            return Detection(port, probe.protocol,
                             f"answered {probe.send!r} at {probe.serial.describe()}" if probe.send
                             else f"streams frames at {probe.serial.describe()}")
        heard_something = heard_something or bool(answer)
    if heard_something:
        return Detection(port, None, "something answers, but not like any supported scale")
    return Detection(port, None, "no answer (an Adam scale stays silent until it has a new weight)",
                     maybe=(adam.NAME,))


def detect(ports: Iterable[str] | None = None, probes: Iterable[Probe] = PROBES) -> list[Detection]:
    consoles = console_ports()
    ports = list(ports) if ports else candidate_ports(consoles=consoles)
    return [detect_port(p, probes, consoles) for p in ports]
