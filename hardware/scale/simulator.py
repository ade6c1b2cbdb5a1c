"""Byte-exact scale simulators on a pseudo-terminal, for tests, the demo mode and the
technician (``kiosk-admin scale simulate``).

A simulator owns a pty pair and a thread that answers requests (or streams, for
Epelsa) exactly as the real scale would. Its port path is a symlink to the pty, so
``unplug()`` can make the path vanish (the open port fails like a pulled USB cable)
and ``replug()`` bring it back on a new pty, as a USB-serial adapter would.

Drive it from Python: ``set_weight(grams)``, ``set_motion(True)``, ``press_tare()``,
``set_fault(Fault.GARBAGE)``, ``scan("7709990000017")`` (Magellan), or with text
commands (``command("w 1.250")``; see ``HELP``).
"""

from __future__ import annotations

import itertools
import os
import select
import tempfile
import threading
import time
import tty
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path

from hardware.scale import adam, cas, cas22, epelsa, magellan, mtsics, stgs, toledo8217, toledo_cont
from hardware.scale.protocols import NAMES
from hardware.scale.reading import WeightUnit, to_grams
from hardware.scale.toledo8217 import (
    CENTRE_OF_ZERO,
    MOTION,
    NET_MODE,
    OUTSIDE_ZERO_RANGE,
    OVER_CAPACITY,
    UNDER_ZERO,
    status_byte,
)
from kiosk.core.units import FACTOR, Uom

STX, ETX, CR, LF = b"\x02", b"\x03", b"\r", b"\n"
DELAYED = b"\x00delayed:"  # marks an answer the scale sends after its reply delay (8217 tare)


class Fault(StrEnum):
    NONE = "none"
    GARBAGE = "garbage"  # bytes that form no frame (wrong baud rate looks like this)
    PARTIAL = "partial"  # every third answer is cut in the middle
    SPLIT = "split"  # answers arrive a few bytes at a time (valid, just slow)
    SILENCE = "silence"  # the scale stops answering
    PARITY = "parity"  # a 7E1 scale read by an 8-bit port: parity shows up as bit 7


# What a scale sounds like at the wrong baud rate: mostly bytes outside printable
# ASCII, never STX, CR or LF, so it can never form a frame by chance.
GARBAGE = bytes([0xFF, 0x7E, 0x13, 0x80, 0x5A, 0x71, 0x9A, 0xC3, 0x11, 0xE7, 0x2B, 0x88] * 4)


@dataclass
class ScaleModel:
    """The scale's physical side: what lies on it and what its keys did."""

    load_g: int = 0  # what lies on the platter, relative to the calibrated zero
    zero_g: int = 0  # offset taken by the zero key
    tare_g: int = 0  # tare taken on the scale (hardware tare)
    motion: bool = False
    capacity_g: int = 30_000

    @property
    def gross_g(self) -> int:
        return self.load_g - self.zero_g

    @property
    def net_g(self) -> int:
        return self.gross_g - self.tare_g

    @property
    def over(self) -> bool:
        return self.gross_g > self.capacity_g

    @property
    def under(self) -> bool:
        return self.gross_g < 0

    def can_zero(self) -> bool:
        return not self.motion and abs(self.gross_g) <= self.capacity_g // 50  # within 2 %


def _in_unit(grams: int, unit: WeightUnit, places: int) -> Decimal:
    uom = {WeightUnit.G: Uom.G, WeightUnit.KG: Uom.KG, WeightUnit.LB: Uom.LB}[unit]
    value = Decimal(grams) / FACTOR[uom]
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


class Device:
    """The protocol side of a simulated scale: bytes in, answers out."""

    streams = False

    def __init__(self, model: ScaleModel, unit: WeightUnit, options: dict):
        self.model = model
        self.unit = unit
        self.options = options
        self.buffer = bytearray()

    def receive(self, data: bytes) -> list[bytes]:
        raise NotImplementedError

    def stream(self) -> bytes | None:
        return None

    def lines(self, data: bytes) -> list[bytes]:
        """Complete command lines (CR, LF or CR LF)."""
        out = []
        for byte in data:
            if byte in (0x0D, 0x0A):
                if self.buffer:
                    out.append(bytes(self.buffer))
                    self.buffer.clear()
            else:
                self.buffer.append(byte)
                del self.buffer[:-64]
        return out


class Toledo8217(Device):
    def __init__(self, model: ScaleModel, unit: WeightUnit, options: dict):
        super().__init__(model, unit, options)
        self.echo = False
        self.sent_once: int | None = None  # "send once" quirk: last weight already sent

    def flags(self) -> int:
        m = self.model
        flags = NET_MODE if m.tare_g else 0
        if m.motion:
            flags |= MOTION
        if m.over:
            flags |= OVER_CAPACITY
        if m.under or (m.tare_g and m.net_g < 0):
            flags |= UNDER_ZERO
        if m.gross_g == 0 and not m.motion:
            flags |= CENTRE_OF_ZERO
        return flags

    def status(self, extra: int = 0) -> bytes:
        return STX + b"?" + status_byte(self.flags() | extra) + CR

    def weight(self) -> bytes:
        flags = self.flags()
        if flags & (MOTION | OVER_CAPACITY | UNDER_ZERO):
            self.sent_once = None
            return self.status()
        net = self.model.net_g
        if self.options.get("send_once") and self.sent_once == net:
            return self.status()
        self.sent_once = net
        if self.unit is WeightUnit.LB:
            text = f"{_in_unit(net, WeightUnit.LB, 2):05.2f}"
        else:
            text = f"{_in_unit(net, WeightUnit.KG, 3):06.3f}"
        if self.options.get("spaces"):
            # compatible scales that pad with spaces: "01.234" -> " 1.234"
            stripped = text.lstrip("0")
            if stripped.startswith("."):
                stripped = "0" + stripped
            text = stripped.rjust(len(text))
        return STX + text.encode() + (b"N" if self.model.tare_g else b"") + CR

    def receive(self, data: bytes) -> list[bytes]:
        out: list[bytes] = []
        for ch in data:
            c = bytes([ch])
            if self.echo:
                if c == b"F":
                    self.echo = False
                    out.append(STX + b"F" + CR)
                else:
                    out.append(c)
                continue
            if c in (CR, LF):
                continue
            m = self.model
            if c == b"W":
                out.append(self.weight())
            elif c == b"E":
                self.echo = True
                out.append(STX + b"E" + CR)
            elif c == b"F":
                out.append(STX + b"F" + CR)
            elif c == b"T":
                if not m.motion and not m.over and m.gross_g > 0:
                    m.tare_g = m.gross_g
                out.append(DELAYED + self.status())
            elif c == b"Z":
                if m.can_zero():
                    m.zero_g = m.load_g
                    out.append(self.status())
                else:
                    out.append(self.status(OUTSIDE_ZERO_RANGE))
            elif c == b"C":
                m.tare_g = 0
                out.append(self.status())
            else:
                out.append(self.status())
        return out


class MtSics(Device):
    def number(self, grams: int) -> bytes:
        places = {WeightUnit.G: 2, WeightUnit.KG: 5, WeightUnit.LB: 5}[self.unit]
        return f"{_in_unit(grams, self.unit, places):>11} {self.unit.value}".encode()

    def receive(self, data: bytes) -> list[bytes]:
        out = []
        m = self.model
        for line in self.lines(data):
            cmd = line.decode("ascii", "replace").strip()
            if cmd in ("SI", "S") and self.options.get("error"):
                out.append(str(self.options["error"]).encode())  # ES / ET / EL: the balance refuses
            elif cmd in ("SI", "S"):
                if m.over:
                    out.append(b"S +")
                elif m.under:
                    out.append(b"S -")
                elif m.motion:
                    out.append(b"S I" if cmd == "S" else b"S D " + self.number(m.net_g))
                else:
                    out.append(b"S S " + self.number(m.net_g))
            elif cmd in ("T", "TI"):
                if m.motion and cmd == "T":
                    out.append(b"T I")
                elif m.over or m.under:
                    out.append(b"T +" if m.over else b"T -")
                else:
                    m.tare_g = m.gross_g
                    out.append(b"T S " + self.number(m.tare_g))
            elif cmd == "TA":
                out.append(b"TA A " + self.number(m.tare_g))
            elif cmd == "TAC":
                m.tare_g = 0
                out.append(b"TAC A")
            elif cmd in ("Z", "ZI"):
                if m.motion and cmd == "Z":
                    out.append(b"Z I")
                elif not m.can_zero():
                    out.append(b"Z +" if m.gross_g > 0 else b"Z -")
                else:
                    m.zero_g = m.load_g
                    out.append(b"Z A")
            elif cmd in ("I4", "@"):
                out.append(b'I4 A "SIM0000001"')
            else:
                out.append(b"ES")
        return [line + CR + LF for line in out]


class Cas(Device):
    def __init__(self, model: ScaleModel, unit: WeightUnit, options: dict):
        super().__init__(model, unit, options)
        self.streaming = bool(options.get("cas_stream"))
        self.last_streamed: bytes | None = None

    def frame(self) -> bytes:
        m = self.model
        flags = (MOTION if m.motion else 0) | (OVER_CAPACITY if m.over else 0) | (UNDER_ZERO if m.under else 0)
        if flags or m.net_g < 0:
            return STX + b"?" + status_byte(flags or UNDER_ZERO) + CR
        decimals = int(self.options.get("cas_decimals", 3))
        value = _in_unit(m.net_g, self.unit, decimals)
        if self.options.get("cas_point"):
            text = f"{value:0{6 if decimals else 5}.{decimals}f}"
        else:
            text = f"{int(value.scaleb(decimals)):05d}"
        return STX + text.encode() + CR

    def receive(self, data: bytes) -> list[bytes]:
        out = []
        for ch in data:
            if ch == ord("W"):
                # A bare W is the request; a W after other bytes on the same line
                # (another protocol's probe, "Ehello") is an unknown command: ignored
                # until a line end clears it.
                if not self.buffer:
                    out.append(self.frame())
            elif ch in (0x0D, 0x0A):
                self.buffer.clear()
                if ch == 0x0D:
                    self.streaming = False  # streaming models stop when the host sends CR
            else:
                self.buffer.append(ch)
                del self.buffer[:-64]
        return out

    @property
    def streams(self) -> bool:  # type: ignore[override]
        return self.streaming

    def stream(self) -> bytes | None:
        frame = self.frame()
        if frame == self.last_streamed:
            return None
        self.last_streamed = frame
        return frame


class Magellan(Device):
    def digits(self) -> bytes:
        if self.unit is WeightUnit.LB:
            return f"{int(_in_unit(self.model.net_g, WeightUnit.LB, 2).scaleb(2)):04d}".encode()
        return f"{int(_in_unit(self.model.net_g, WeightUnit.KG, 3).scaleb(3)):05d}".encode()

    def receive(self, data: bytes) -> list[bytes]:
        out = []
        m = self.model
        for line in self.lines(data):
            if line == b"S14":
                if self.options.get("no_zero"):
                    out.append(b"S140")  # the scale cannot find zero (switched on with a load)
                elif m.motion:
                    out.append(b"S141")
                elif m.over:
                    out.append(b"S142")
                elif m.under or m.net_g < 0:
                    out.append(b"S145")
                elif m.net_g == 0:
                    out.append(b"S143")
                else:
                    out.append(b"S144" + self.digits())
            elif line == b"S11":
                if not (m.motion or m.over or m.under) and m.net_g > 0:
                    out.append(b"S11" + self.digits())
            # S334 (beep) and anything else: no answer
        return [line + CR for line in out]


class Epelsa(Device):
    streams = True

    def __init__(self, model: ScaleModel, unit: WeightUnit, options: dict):
        super().__init__(model, unit, options)
        self.initial = 3  # the first frames after power-on are "I"

    def receive(self, data: bytes) -> list[bytes]:
        return []  # Auto mode: the scale ignores the host

    def stream(self) -> bytes | None:
        m = self.model
        if self.initial:
            self.initial -= 1
            kind = b"I"
        else:
            kind = b"!" if m.motion or m.over else b"A"
        value = _in_unit(m.net_g, self.unit, 3)
        return STX + kind + f"{value:7.3f}".encode() + CR + ETX


class Adam(Device):
    """An Adam scale of one model family (option ``adam_model``: docs/scales.md):

    - ``azextra``: answers ``P`` with the net weight when it is new, stable and not
      zero; asked again for a weight it already sent, it beeps and sends nothing;
      ``T`` tares (again: clears), ``Z`` zeroes;
    - ``cpwplus``: ``G`` / ``N`` send the gross / net weight (``G + 2.00 kg``) with the
      same silence rules, ``T`` sends the tare weight (``T + 0.50 kg``), ``Z`` is the
      Tare/Zero key; ``P`` means nothing to it;
    - ``continuous``: streams the displayed weight (zero too) every interval.

    ``requests`` counts the weight requests received and ``beeps`` the beeps (tests)."""

    def __init__(self, model: ScaleModel, unit: WeightUnit, options: dict):
        super().__init__(model, unit, options)
        self.family = str(options.get("adam_model") or ("cpwplus" if options.get("adam_cpw") else "azextra"))
        if self.family not in adam.MODELS:
            raise ValueError(f"unknown Adam model family {self.family!r}; expected one of {', '.join(adam.MODELS)}")
        self.streams = self.family == "continuous"
        self.last_sent: int | None = None
        self.beeps = 0
        self.requests = 0
        self._wobble = 0

    def _value(self, grams: int) -> Decimal:
        return _in_unit(grams, self.unit, 3 if self.unit is WeightUnit.KG else 2)

    def _labelled(self, kind: str, grams: int) -> bytes:
        value = self._value(grams)
        sign = "-" if value < 0 else "+"
        return f"{kind} {sign} {abs(value)} {self.unit.value}".encode()

    def receive(self, data: bytes) -> list[bytes]:
        out = []
        m = self.model
        cpw = self.family == "cpwplus"
        for line in self.lines(data):
            cmd = line.strip()
            request = cmd in ((b"G", b"N") if cpw else (b"P",))
            if request:
                self.requests += 1
                if m.motion or m.over:
                    continue
                net = m.net_g if cmd != b"G" else m.gross_g
                if net == 0 or net == self.last_sent:
                    self.beeps += 1  # it beeps and sends nothing
                    continue
                self.last_sent = net
                if cpw:
                    out.append(self._labelled("N" if cmd == b"N" and m.tare_g else "G", net))
                else:
                    out.append(f"{self._value(net):7}{self.unit.value}".encode())
            elif cmd == b"T":
                if cpw:
                    out.append(self._labelled("T", m.tare_g))
                else:
                    m.tare_g = 0 if m.tare_g else m.gross_g
            elif cmd == b"Z":
                if cpw and m.gross_g and not m.can_zero():
                    m.tare_g = m.gross_g  # the CPWplus's Tare/Zero key with goods on it
                elif m.can_zero():
                    m.zero_g = m.load_g
        return [line + CR + LF for line in out]

    def stream(self) -> bytes | None:
        m = self.model
        if not self.streams:
            return None
        grams = m.net_g
        if m.motion:  # a moving display: no two frames agree
            self._wobble = (self._wobble + 1) % 7
            grams += self._wobble + 1
        kind = "Net Wt." if m.tare_g else "Gross Wt"
        return f"{kind} {self._value(grams)} {self.unit.value}".encode() + CR + LF


class Streaming(Device):
    """An indicator that streams its frames and ignores the host."""

    streams = True

    def receive(self, data: bytes) -> list[bytes]:
        return []

    def status(self) -> tuple[str, str]:
        """The "ST,GS" header words: stable / unstable / overload, gross / net."""
        m = self.model
        return "OL" if m.over else ("US" if m.motion else "ST"), "NT" if m.tare_g else "GS"


class Cas22(Streaming):
    """CAS indicator streaming its 22-byte frames."""

    def stream(self) -> bytes | None:
        m = self.model
        head, mode = self.status()
        lamp = 0x80 | (cas22.LAMP_STABLE if not m.motion else 0) | (cas22.LAMP_GROSS if not m.tare_g else 0) | \
            (cas22.LAMP_TARE if m.tare_g else 0) | (cas22.LAMP_ZERO if m.gross_g == 0 else 0)
        value = _in_unit(m.net_g, self.unit, 3 if self.unit is not WeightUnit.G else 0)
        data = "" if m.over else f"{value:08.3f}" if self.unit is not WeightUnit.G else f"{value:08d}"
        return cas22.frame_for(data, head=head, mode=mode, unit=self.unit.value, lamp=lamp)


class StGs(Streaming):
    """A generic indicator streaming "ST,GS,+  1.234kg" lines (option ``stgs_unit``
    sends another unit, e.g. "oz", as some are set up)."""

    def stream(self) -> bytes | None:
        m = self.model
        head, mode = self.status()
        unit = str(self.options.get("stgs_unit") or self.unit.value)
        if m.over:
            return f"{head},{mode},+        {unit}".encode() + CR + LF
        value = _in_unit(abs(m.net_g), self.unit, 3 if self.unit is not WeightUnit.G else 0)
        sign = "-" if m.net_g < 0 else "+"
        return f"{head},{mode},{sign}{value:>8}{unit}".encode() + CR + LF


class ToledoCont(Streaming):
    """Mettler-Toledo continuous output, with the checksum unless ``checksum=False``."""

    def stream(self) -> bytes | None:
        m = self.model
        decimals = {WeightUnit.KG: 3, WeightUnit.LB: 2, WeightUnit.G: 0}[self.unit]
        digits = int(_in_unit(abs(m.net_g), self.unit, decimals).scaleb(decimals))
        tare = int(_in_unit(m.tare_g, self.unit, decimals).scaleb(decimals))
        return toledo_cont.build_frame(
            min(digits, 999_999), decimals=decimals, kg=self.unit is WeightUnit.KG, grams=self.unit is WeightUnit.G,
            net=bool(m.tare_g), negative=m.net_g < 0, motion=m.motion, out_of_range=m.over,
            tare_digits=min(tare, 999_999), with_checksum=bool(self.options.get("checksum", True)))


DEVICES: dict[str, type[Device]] = {
    toledo8217.NAME: Toledo8217, mtsics.NAME: MtSics, cas.NAME: Cas,
    magellan.NAME: Magellan, epelsa.NAME: Epelsa, adam.NAME: Adam,
    cas22.NAME: Cas22, stgs.NAME: StGs, toledo_cont.NAME: ToledoCont,
}
DEFAULT_UNIT = {mtsics.NAME: WeightUnit.G}

HELP = """commands:
  w KG | weight KG      put KG kilos on the scale (e.g. "w 1.25"; "w -0.1" below zero)
  g GRAMS               the same in grams
  motion on|off         the weight keeps moving / settles
  tare | zero | clear   press the scale's tare, zero or clear-tare key
  fault NAME            none, garbage, partial, split, silence, parity
  unplug | replug       pull the cable out / plug it back
  over                  put more than the capacity on the scale
  scan CODE [A|F|E|R|B] a barcode read by a Magellan scanner-scale
  status                show the simulated scale
  help | quit"""


class ScaleSimulator:
    def __init__(self, protocol: str, *, weight_g: int = 0, unit: WeightUnit | str | None = None,
                 link: str | os.PathLike | None = None, capacity_g: int = 30_000,
                 stream_interval_s: float = 0.1, reply_delay_s: float = 0.15, **options: object):
        if protocol not in DEVICES:
            raise ValueError(f"unknown scale protocol {protocol!r}; expected one of {', '.join(NAMES)}")
        self.protocol = protocol
        self.unit = WeightUnit(unit) if unit else DEFAULT_UNIT.get(protocol, WeightUnit.KG)
        self.model = ScaleModel(load_g=weight_g, capacity_g=capacity_g)
        self.device = DEVICES[protocol](self.model, self.unit, dict(options))
        self.stream_interval_s = stream_interval_s
        self.reply_delay_s = reply_delay_s
        self._own_dir: str | None = None
        if link is None:
            self._own_dir = tempfile.mkdtemp(prefix="kiosk-scale-")
            link = Path(self._own_dir) / f"tty{protocol}"
        self.link = Path(link)
        self.fault = Fault.NONE
        self.received = bytearray()  # everything the host sent, for tests
        self._lock = threading.RLock()
        self._outbox: list[tuple[float, bytes]] = []
        self._answers = itertools.count(1)
        self._master: int | None = None
        self._slave: int | None = None
        self._detached: list[tuple[int, int]] = []  # quietly unplugged ptys, closed at stop()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- life cycle -------------------------------------------------------------------
    @property
    def path(self) -> str:
        return str(self.link)

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def start(self) -> str:
        self._plug()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"scale-sim-{self.protocol}", daemon=True)
        self._thread.start()
        return self.path

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
        self._unplug()
        self._close_detached()
        if self._own_dir:
            try:
                os.rmdir(self._own_dir)
            except OSError:
                pass

    def __enter__(self) -> ScaleSimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _plug(self) -> None:
        with self._lock:
            if self._master is not None:
                return
            master, slave = os.openpty()
            tty.setraw(slave)  # no echo, no line editing: a plain byte pipe like a UART
            os.set_blocking(master, False)
            tmp = self.link.with_name(self.link.name + ".new")
            try:
                tmp.unlink()
            except FileNotFoundError:
                pass
            os.symlink(os.ttyname(slave), tmp)
            os.replace(tmp, self.link)
            self._master, self._slave = master, slave
            self.device.buffer.clear()
            self._outbox.clear()

    def _unplug(self) -> None:
        with self._lock:
            try:
                self.link.unlink()
            except FileNotFoundError:
                pass
            for fd in (self._master, self._slave):
                if fd is not None:
                    os.close(fd)
            self._master = self._slave = None

    def _close_detached(self) -> None:
        with self._lock:
            for pair in self._detached:
                for fd in pair:
                    os.close(fd)
            self._detached.clear()

    # --- driving it -------------------------------------------------------------------
    def set_weight(self, grams: int) -> None:
        """What the scale shows as gross (negative: below zero)."""
        with self._lock:
            self.model.load_g = self.model.zero_g + grams

    def set_weight_kg(self, kg: Decimal | str | float) -> None:
        self.set_weight(to_grams(Decimal(str(kg)), WeightUnit.KG))

    def set_motion(self, moving: bool) -> None:
        with self._lock:
            self.model.motion = moving

    def set_fault(self, fault: Fault | str) -> None:
        with self._lock:
            self.fault = Fault(fault)

    def press_tare(self) -> None:
        with self._lock:
            self.model.tare_g = self.model.gross_g

    def press_zero(self) -> None:
        with self._lock:
            if self.model.can_zero():
                self.model.zero_g = self.model.load_g

    def clear_tare(self) -> None:
        with self._lock:
            self.model.tare_g = 0

    def overload(self) -> None:
        self.set_weight(self.model.capacity_g + 1000)

    def unplug(self, quietly: bool = False) -> None:
        """Pull the cable. ``quietly``: like USB-serial drivers that leave the open port
        alive but silent (no error for the reader) instead of failing it."""
        if not quietly:
            self._unplug()
            return
        with self._lock:
            try:
                self.link.unlink()
            except FileNotFoundError:
                pass
            if self._master is not None:
                self._detached.append((self._master, self._slave))
            self._master = self._slave = None

    def replug(self) -> None:
        self._plug()

    def scan(self, code: str, ident: str = "") -> None:
        """A barcode read by the scanner half of a Magellan (``S08`` + identifier + code)."""
        if self.protocol != magellan.NAME:
            raise ValueError("only a Magellan scanner-scale reads barcodes")
        if not ident:
            ident = {12: "A", 13: "A", 8: "F"}.get(len(code), "B1") if code.isdigit() else "B1"
        self._send(b"S08" + ident.encode() + code.encode() + CR)

    def status(self) -> dict[str, object]:
        with self._lock:
            m = self.model
            counted = {k: getattr(self.device, k) for k in ("requests", "beeps") if hasattr(self.device, k)}
            return {"protocol": self.protocol, "port": self.path, "plugged": self.plugged,
                    "gross_g": m.gross_g, "tare_g": m.tare_g, "net_g": m.net_g, "motion": m.motion,
                    "fault": self.fault.value, "unit": self.unit.value, **counted}

    def command(self, line: str) -> str:
        """One text command (the ``kiosk-admin scale simulate`` prompt). Returns a reply."""
        words = line.strip().split()
        if not words:
            return ""
        verb, args = words[0].lower(), words[1:]
        try:
            if verb in ("w", "weight", "kg") and len(args) == 1:
                self.set_weight_kg(args[0].replace(",", "."))
            elif verb in ("g", "grams") and len(args) == 1:
                self.set_weight(int(args[0]))
            elif verb == "motion" and args and args[0] in ("on", "off"):
                self.set_motion(args[0] == "on")
            elif verb == "tare":
                self.press_tare()
            elif verb == "zero":
                self.press_zero()
            elif verb == "clear":
                self.clear_tare()
            elif verb == "fault" and len(args) == 1:
                self.set_fault(args[0])
            elif verb == "unplug":
                self.unplug()
            elif verb == "replug":
                self.replug()
            elif verb == "over":
                self.overload()
            elif verb == "scan" and args:
                self.scan(args[0], args[1] if len(args) > 1 else "")
            elif verb == "status":
                pass
            elif verb in ("help", "?"):
                return HELP
            else:
                return "unknown command (try: help)"
        except (ValueError, ArithmeticError) as exc:
            return f"error: {exc}"
        return " ".join(f"{k}={v}" for k, v in self.status().items())

    # --- the thread that plays the scale ----------------------------------------------
    def _send(self, data: bytes, delay: float = 0.0) -> None:
        with self._lock:
            self._queue(time.monotonic() + delay, data)

    def _queue(self, due: float, data: bytes) -> None:
        """A serial line sends one thing after the other: nothing overtakes what is queued."""
        if self._outbox:
            due = max(due, self._outbox[-1][0])
        self._outbox.append((due, data))

    def _shape(self, answer: bytes) -> list[tuple[float, bytes]]:
        """Apply the current fault to one answer: (delay, bytes) pieces to send."""
        delay = 0.0
        if answer.startswith(DELAYED):
            answer, delay = answer[len(DELAYED):], self.reply_delay_s
        fault = self.fault
        if fault is Fault.SILENCE:
            return []
        if fault is Fault.GARBAGE:
            return [(delay, GARBAGE[: max(4, len(answer))] + b"\x88")]
        if fault is Fault.PARITY:
            return [(delay, bytes(b | 0x80 if bin(b & 0x7F).count("1") % 2 else b & 0x7F for b in answer))]
        if fault is Fault.PARTIAL and next(self._answers) % 3 == 1 and len(answer) > 2:
            return [(delay, answer[: len(answer) // 2])]
        if fault is Fault.SPLIT:
            step = max(1, -(-len(answer) // 4))
            return [(delay + n * 0.004, answer[i:i + step])
                    for n, i in enumerate(range(0, len(answer), step))]
        return [(delay, answer)]

    def _run(self) -> None:
        next_stream = time.monotonic()
        while not self._stop.is_set():
            with self._lock:
                master = self._master
                due = min((t for t, _ in self._outbox), default=None)
            if master is None:
                self._stop.wait(0.02)
                continue
            now = time.monotonic()
            wait = 0.05
            if due is not None:
                wait = max(0.0, min(wait, due - now))
            if self.device.streams:
                wait = max(0.0, min(wait, next_stream - now))
            try:
                ready, _, _ = select.select([master], [], [], wait)
            except (OSError, ValueError):
                continue  # unplugged meanwhile
            with self._lock:
                if self._master != master:
                    continue
                if ready:
                    try:
                        data = os.read(master, 1024)
                    except (BlockingIOError, OSError):
                        data = b""
                    if data:
                        self.received += data
                        del self.received[:-4096]
                        for answer in self.device.receive(data):
                            for delay, piece in self._shape(answer):
                                self._queue(time.monotonic() + delay, piece)
                now = time.monotonic()
                if self.device.streams and now >= next_stream:
                    next_stream = now + self.stream_interval_s
                    frame = self.device.stream()
                    if frame:
                        for delay, piece in self._shape(frame):
                            self._queue(now + delay, piece)
                self._flush(master, now)

    def _flush(self, master: int, now: float) -> None:
        while self._outbox and self._outbox[0][0] <= now:
            _, data = self._outbox.pop(0)
            try:
                os.write(master, data)
            except BlockingIOError:
                pass  # nobody reads the port: the bytes are lost, as on a real line
            except OSError:
                break

