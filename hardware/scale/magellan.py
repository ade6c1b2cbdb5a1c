"""Datalogic Magellan scanner-scale (SCI protocol): one port for weight and barcodes.
9600 7O1 (programmable). Commands start with ``S`` and end with CR.

``S14`` (monitor) is answered with ``S140`` can't find zero, ``S141`` motion,
``S142`` over capacity, ``S143`` stable zero, ``S144`` + digits stable weight,
``S145`` under zero. ``S11`` is answered only with a stable weight: ``S11`` + digits.
Digits carry no decimal point: four digits are hundredths of a pound, five digits
are grams (thousandths of a kilo).

Barcodes arrive unasked on the same port: ``S08A`` UPC-A/EAN-13, ``S08F`` EAN-8
(also seen as ``S08FF`` + EAN-8 and ``S08F`` + EAN-13: told apart by length),
``S08E`` UPC-E, ``S08R`` GS1 DataBar, ``S08B`` + one identifier digit + data
(Code 128 and other symbologies).
"""

from __future__ import annotations

import re
from decimal import Decimal

from hardware.scale.framing import LineFramer, framed
from hardware.scale.protocol import DecoderOptions, ScaleProtocol, SerialSettings
from hardware.scale.reading import (
    Event,
    Noise,
    ScaleReading,
    ScaleState,
    ScanCode,
    WeightUnit,
    to_grams,
)
from kiosk.core.barcodes import Symbology
from kiosk.i18n import N_

NAME = "magellan"
SERIAL = SerialSettings(9600, 7, "O", 1)
MONITOR = b"S14\r"
WEIGH = b"S11\r"
BEEP = b"S334\r"

_WEIGHT = re.compile(rb"^S1(?:1|44)(\d{4,5})$")
_MONITOR = re.compile(rb"^S14([0-35])$")


def weight_from_digits(digits: bytes) -> ScaleReading:
    if len(digits) == 4:
        unit = WeightUnit.LB
        value = Decimal(int(digits)).scaleb(-2)
    else:
        unit = WeightUnit.KG
        value = Decimal(int(digits)).scaleb(-3)
    return ScaleReading.weighed(to_grams(value, unit), unit)


def scan_from(frame: bytes) -> ScanCode | None:
    """``S08`` + identifier + data -> the code and, when the identifier says, its symbology."""
    try:
        text = frame.decode("ascii")
    except UnicodeDecodeError:
        return None
    if not text.startswith("S08") or len(text) < 5:
        return None
    ident, data = text[3], text[4:]
    symbology: Symbology | None = None
    if ident == "A":
        symbology = {12: Symbology.UPCA, 13: Symbology.EAN13, 8: Symbology.EAN8}.get(len(data))
    elif ident == "F":
        if data[:1] == "F" and len(data) == 9:
            data = data[1:]
        symbology = {8: Symbology.EAN8, 13: Symbology.EAN13}.get(len(data))
    elif ident == "E":
        symbology = Symbology.UPCE if len(data) == 8 else None
    elif ident == "R":
        symbology = Symbology.OTHER
    elif ident == "B":
        if len(data) >= 2 and data[0].isdigit():
            data = data[1:]  # the identifier digit (1 Code 128 per the reference)
        symbology = Symbology.OTHER
    else:
        return None
    if not data or not data.isprintable():
        return None
    return ScanCode(data, symbology)


def parse_frame(frame: bytes, options: DecoderOptions = DecoderOptions()) -> Event:
    m = _WEIGHT.match(frame)
    if m:
        return weight_from_digits(m.group(1))
    m = _MONITOR.match(frame)
    if m:
        code = m.group(1)
        if code == b"0":
            return ScaleReading.failed(N_("the scale cannot find zero"))
        if code == b"1":
            return ScaleReading.without_weight(ScaleState.MOTION)
        if code == b"2":
            return ScaleReading.without_weight(ScaleState.OVER_CAPACITY)
        if code == b"3":
            return ScaleReading(ScaleState.STABLE)  # zero, unit not said
        return ScaleReading.without_weight(ScaleState.UNDER_ZERO)
    if frame.startswith(b"S08"):
        scan = scan_from(frame)
        if scan is not None:
            return scan
    return Noise(len(frame) + 1)


# The decoder: frames cut by the framer, each read by parse_frame().
Decoder = framed(lambda: LineFramer(max_len=80), parse_frame)


PROTOCOL = ScaleProtocol(name=NAME, title="Datalogic Magellan", serial=SERIAL, poll=MONITOR, decoder=Decoder)
