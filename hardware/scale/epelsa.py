"""Epelsa scales in Auto mode: they stream without being asked. 9600 8N1.
Frames: ``STX I  0.000 CR ETX`` initial, ``STX A -0.450 CR ETX`` stable,
``STX ! -0.250 CR ETX`` changing. Weights are kilos (configurable). Only ``A``
frames are a confirmed weight; ``I``, ``!`` and any other letter mean "not settled".
"""

from __future__ import annotations

import re

from hardware.scale.framing import StxFramer, framed
from hardware.scale.protocol import DecoderOptions, ScaleProtocol, SerialSettings
from hardware.scale.reading import Event, Noise, ScaleReading, ScaleState, WeightUnit, parse_unit, to_grams

NAME = "epelsa"
SERIAL = SerialSettings(9600, 8, "N", 1)
ETX = b"\x03"

_FRAME = re.compile(rb"^([A-Z!])\s*(-?\d*\.?\d+)$")


def parse_frame(frame: bytes, options: DecoderOptions = DecoderOptions()) -> Event:
    m = _FRAME.match(frame)
    if not m:
        return Noise(len(frame) + 3)
    kind, number = m.groups()
    unit = (parse_unit(options.unit) if options.unit != "auto" else None) or WeightUnit.KG
    state = ScaleState.STABLE if kind == b"A" else ScaleState.MOTION
    return ScaleReading.weighed(to_grams(number.decode(), unit), unit, state)


# The decoder: frames cut by the framer, each read by parse_frame().
Decoder = framed(lambda: StxFramer(max_len=16, ignore=ETX), parse_frame)


PROTOCOL = ScaleProtocol(name=NAME, title="Epelsa (streaming)", serial=SERIAL, poll=None, decoder=Decoder)
