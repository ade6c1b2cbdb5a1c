"""CAS "ECR type 2" (PD-II and similar). 9600 7E1. The host sends ``W``; the scale
answers ``STX ddddd CR``: five digits, by default thousandths of a kilo
(``STX 01450 CR`` = 1.450 kg). The decimal placement depends on the ECR type set on
the scale, so it is configurable (``[scale] cas_decimals``); firmware that sends the
decimal point itself is read as sent. ``?`` right after STX means no valid weight;
when a status byte follows it is read like the 8217's. Some models also stream a
frame on every change: frames are accepted whenever they arrive.
"""

from __future__ import annotations

import re
from decimal import Decimal

from hardware.scale.framing import StxFramer, framed
from hardware.scale.protocol import DecoderOptions, ScaleProtocol, SerialSettings
from hardware.scale.reading import Event, Noise, ScaleReading, ScaleState, WeightUnit, parse_unit, to_grams
from hardware.scale.toledo8217 import status_event

NAME = "cas"
SERIAL = SerialSettings(9600, 7, "E", 1)
REQUEST = b"W"

_DIGITS = re.compile(rb"^\d{5,6}$")
_POINTED = re.compile(rb"^\d{0,5}\.\d{1,5}$")


def parse_frame(frame: bytes, options: DecoderOptions = DecoderOptions()) -> Event:
    unit = parse_unit(options.unit) if options.unit != "auto" else None
    unit = unit or WeightUnit.KG
    if _DIGITS.match(frame):
        value = Decimal(int(frame)).scaleb(-options.cas_decimals)
        return ScaleReading.weighed(to_grams(value, unit), unit)
    if _POINTED.match(frame) and 5 <= len(frame) <= 7:
        return ScaleReading.weighed(to_grams(frame.decode(), unit), unit)
    if frame[:1] == b"?":
        if len(frame) == 2 and 0x40 <= frame[1] < 0x80:
            event = status_event(frame[1])
            if isinstance(event, ScaleReading):
                return event
        return ScaleReading.without_weight(ScaleState.MOTION, unit)
    return Noise(len(frame) + 2)


# The decoder: frames cut by the framer, each read by parse_frame().
Decoder = framed(lambda: StxFramer(max_len=10), parse_frame)


PROTOCOL = ScaleProtocol(name=NAME, title="CAS ECR type 2", serial=SERIAL, poll=REQUEST, decoder=Decoder)
