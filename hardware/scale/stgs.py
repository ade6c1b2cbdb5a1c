"""The generic "ST,GS" continuous output of many weighing indicators (Selleton,
Triner, Vector, Salter Brecknell, Kern, Tiger and countless unbranded ones). Streams
without being asked, 9600 8N1 by default; one line per reading, ended by CR LF::

    ST,GS,+  1.234kg        ST stable, US unstable, OL overload
    US,NT,-0000.250 kg      GS gross, NT net (TR: a tare line, ignored)

The sign may be ``+``, ``-`` or a space; the number carries its decimal point, padded
with spaces or zeros; the unit (``kg``, ``g``, ``lb``) follows with or without a
space. An overload line may carry no number at all. A unit the kiosk cannot sell in
(``oz``, ``t``, ``tl.g``) is reported as an error with the unit named, never guessed.
"""

from __future__ import annotations

import re

from hardware.scale.framing import LineFramer, framed
from hardware.scale.protocol import DecoderOptions, ScaleProtocol, SerialSettings
from hardware.scale.reading import Event, Noise, ScaleReading, ScaleState, WeightUnit, parse_unit, to_grams
from kiosk.i18n import N_

NAME = "stgs"
SERIAL = SerialSettings(9600, 8, "N", 1)

_LINE = re.compile(r"^(ST|US|OL),(GS|NT|TR),\s*([-+]?)\s*(\d+(?:\.\d*)?|\.\d+)?\s*([A-Za-z][A-Za-z.]{0,3})?\s*$")


def parse_line(line: bytes, options: DecoderOptions = DecoderOptions()) -> Event | None:
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        return Noise(len(line) + 2)
    m = _LINE.match(text)
    if m is None:
        return Noise(len(line) + 2)
    head, mode, sign, number, unit_text = m.groups()
    if mode == "TR":
        return None  # the tare, printed on its own line by some indicators
    net = mode == "NT"
    unit, early = read_header(head, net, unit_text)
    if early is not None:
        return early
    if number is None or unit is None:
        return Noise(len(line) + 2)
    grams = to_grams(number.rstrip(".") or "0", unit) * (-1 if sign == "-" else 1)
    state = ScaleState.STABLE if head == "ST" else ScaleState.MOTION
    return ScaleReading.weighed(grams, unit, state, net_mode=net)


def read_header(head: str, net: bool, unit_text: str | None) -> tuple[WeightUnit | None, Event | None]:
    """The unit of an "ST,GS"-style frame, and the reading when the header alone says
    it all: a unit the kiosk cannot sell in (an error naming it) or an overload."""
    unit = parse_unit(unit_text) if unit_text else None
    if unit_text and unit is None:
        return None, ScaleReading.failed(N_("the scale sends its weight in {unit}, which the kiosk does not "
                                            "accept (set it to g, kg or lb)"), unit=unit_text)
    if head == "OL":
        return unit, ScaleReading.without_weight(ScaleState.OVER_CAPACITY, unit, net_mode=net)
    return unit, None


# The decoder: printable lines (CR LF), each read by parse_line().
Decoder = framed(lambda: LineFramer(max_len=40), parse_line)

PROTOCOL = ScaleProtocol(name=NAME, title="ST,GS indicator (continuous)", serial=SERIAL, poll=None,
                         decoder=Decoder, reports_net_mode=True)
