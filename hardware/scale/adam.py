"""Adam Equipment (AZextra, CPWplus). 4800 8N1; commands end with CR LF: ``P`` sends
the weight, ``T`` tares (pressing it again clears), ``Z`` zeroes.

Answers look like ``  1.250kg`` or ``G + 2.00 kg`` (``N`` instead of ``G`` when net).
The scale stays silent unless it has a new non-zero weight and never reports zero
after the goods are taken off, so silence means "no change" here, not a fault; the
adapter drops the held weight after a configurable time.
"""

from __future__ import annotations

import re

from hardware.scale.framing import LineFramer, framed
from hardware.scale.protocol import DecoderOptions, ScaleProtocol, SerialSettings
from hardware.scale.reading import Event, Noise, ScaleReading, parse_unit, to_grams

NAME = "adam"
SERIAL = SerialSettings(4800, 8, "N", 1)
EOL = b"\r\n"
REQUEST = b"P" + EOL
TARE, ZERO = b"T" + EOL, b"Z" + EOL

_LINE = re.compile(rb"^\s*(?:([GNT])\s*)?([-+])?\s*(\d+(?:\.\d+)?)\s*(kg|g|lb|lbs)\s*$", re.IGNORECASE)


def parse_line(line: bytes, options: DecoderOptions = DecoderOptions()) -> Event | None:
    m = _LINE.match(line)
    if not m:
        return Noise(len(line) + 2)
    kind, sign, number, unit_text = m.groups()
    if kind and kind.upper() == b"T":
        return None  # a printed tare line, not a weight
    unit = parse_unit(unit_text.decode())
    grams = to_grams(number.decode(), unit)
    if sign == b"-":
        grams = -grams
    return ScaleReading.weighed(grams, unit, net_mode=bool(kind and kind.upper() == b"N"))


# The decoder: frames cut by the framer, each read by parse_line().
Decoder = framed(lambda: LineFramer(max_len=40), parse_line)


PROTOCOL = ScaleProtocol(
    name=NAME, title="Adam Equipment", serial=SERIAL, poll=REQUEST, decoder=Decoder,
    commands={"zero": ZERO}, silent_commands=frozenset({"zero"}),
    silent_when_unchanged=True, confirm_frames=1, reports_net_mode=True,
)
