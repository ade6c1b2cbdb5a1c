"""CAS indicators' 22-byte continuous format (CI-200/CI-600 series, NT-200, PDI, many
CAS bench and floor scales set to "CAS 22 byte"). Streams without being asked, 9600
8N1 by default. Every frame is exactly 22 bytes::

    S S , M M , I L , D D D D D D D D _ U U CR LF
    ST,GS,  device id, lamp,  8 data bytes, blank, unit

* ``ST`` stable, ``US`` unstable, ``OL`` overload; ``GS`` gross, ``NT`` net;
* the device id (one byte, "1" = 0x31 ...) and the lamp-status byte (bit 7 set,
  bit 6 stable, bit 2 gross, bit 1 tare, bit 0 zero) — a binary byte, so lines are
  not limited to printable ASCII here and the frame's exact shape is checked instead;
* eight data bytes with the decimal point and sign as displayed (``0013.500``,
  ``-000.250``); the unit ``kg`` (`` t`` and ``lb`` on some models).
"""

from __future__ import annotations

import re

from hardware.scale.framing import LineFramer, framed
from hardware.scale.protocol import DecoderOptions, ScaleProtocol, SerialSettings
from hardware.scale.reading import Event, Noise, ScaleReading, ScaleState, to_grams
from hardware.scale.stgs import read_header

NAME = "cas22"
SERIAL = SerialSettings(9600, 8, "N", 1)
FRAME_LEN = 20  # without CR LF

_DATA = re.compile(r"^ *([-+]?) *(\d+(?:\.\d+)?|\.\d+) *$")
LAMP_STABLE, LAMP_GROSS, LAMP_TARE, LAMP_ZERO = 0x40, 0x04, 0x02, 0x01


def parse_frame(frame: bytes, options: DecoderOptions = DecoderOptions()) -> Event:
    """The 20 bytes before CR LF -> a reading, or noise when the shape is wrong."""
    if len(frame) != FRAME_LEN or frame[2:3] != b"," or frame[5:6] != b"," or frame[8:9] != b",":
        return Noise(len(frame) + 2)
    try:
        head, mode = frame[0:2].decode("ascii"), frame[3:5].decode("ascii")
        data, unit_text = frame[9:17].decode("ascii"), frame[17:20].decode("ascii").strip()
    except UnicodeDecodeError:
        return Noise(len(frame) + 2)
    if head not in ("ST", "US", "OL") or mode not in ("GS", "NT"):
        return Noise(len(frame) + 2)
    net = mode == "NT"
    unit, early = read_header(head, net, unit_text)  # the same header words as "ST,GS" indicators
    if early is not None:
        return early
    m = _DATA.match(data)
    if m is None or unit is None:
        return Noise(len(frame) + 2)
    sign, number = m.groups()
    grams = to_grams(number, unit) * (-1 if sign == "-" else 1)
    state = ScaleState.STABLE if head == "ST" else ScaleState.MOTION
    return ScaleReading.weighed(grams, unit, state, net_mode=net)


def frame_for(grams_text: str, *, head: str = "ST", mode: str = "GS", unit: str = "kg", device: bytes = b"1",
              lamp: int = 0x80 | LAMP_STABLE | LAMP_GROSS) -> bytes:
    """A 22-byte frame (the simulator's): ``grams_text`` is the 8 data bytes as displayed."""
    return (f"{head},{mode},".encode() + device + bytes([lamp]) + b"," + grams_text.rjust(8).encode()
            + b" " + unit.rjust(2).encode() + b"\r\n")


# The decoder: 22-byte lines (CR LF) with the binary lamp byte allowed.
Decoder = framed(lambda: LineFramer(max_len=24, printable_only=False), parse_frame)

PROTOCOL = ScaleProtocol(name=NAME, title="CAS 22-byte (continuous)", serial=SERIAL, poll=None, decoder=Decoder,
                         reports_net_mode=True)
