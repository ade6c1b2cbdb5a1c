"""Adam Equipment scales. 4800 8N1 by default; commands end with CR LF. The command
set differs by model family (``[scale] adam_model``; docs/scales.md has the table):

- ``azextra`` (AZextra and scales with the same T / Z / P set): ``P`` sends the
  weight, ``T`` tares (pressing it again clears), ``Z`` zeroes. Output only on
  request or the Print key (no continuous mode in its RS-232 menu), so the weight is
  asked **on demand**: only while something needs a weight (the calculator's scale
  panel is open), with a pause of ``[scale] request_ms`` between requests. The scale
  beeps at every request for a weight it already sent, hence never 6 times a second.
- ``cpwplus`` (CPWplus): ``G`` / ``N`` send the gross / net weight, ``Z`` is the
  Tare/Zero key, ``H`` hold, and ``T`` *sends the tare weight* (it does not tare). No
  ``P``. Asked on demand with ``G`` like the AZextra; tare is done by the kiosk.
- ``continuous`` (models whose RS-232 menu has a continuous print mode, set there,
  e.g. the CBK/CBC counting scales): the scale sends its reading by itself, the kiosk
  sends no requests at all; silence then means "unplugged", as with other streams.

Answers look like ``  1.250kg``, ``G + 2.00 kg`` (``N`` instead of ``G`` when net) or,
in label formats, ``Gross Wt 1.234 kg`` / ``Net Wt. 1.234 kg`` among date, time and
count lines (ignored). On request the scale stays silent unless it has a new non-zero
weight and never reports zero after the goods are taken off, so silence means "no
change" there, not a fault; the adapter drops the held weight after ``hold_ms``.
"""

from __future__ import annotations

import re
from dataclasses import replace

from hardware.scale.framing import LineFramer, framed
from hardware.scale.protocol import DecoderOptions, ScaleProtocol, SerialSettings
from hardware.scale.reading import Event, Noise, ScaleReading, parse_unit, to_grams

NAME = "adam"
SERIAL = SerialSettings(4800, 8, "N", 1)
EOL = b"\r\n"
REQUEST = b"P" + EOL
GROSS_REQUEST = b"G" + EOL  # CPWplus: send the gross weight (it has no P)
TARE, ZERO = b"T" + EOL, b"Z" + EOL
MODELS = ("azextra", "cpwplus", "continuous")
REQUESTS = (b"P", b"G", b"N")  # what asks an Adam for a weight (the simulator counts them)

_LINE = re.compile(rb"^\s*(?:(G|N|T|Gross\s*Wt\.?|Net\s*Wt\.?|Wt\.?)\s*)?([-+])?\s*(\d+(?:\.\d+)?)\s*"
                   rb"(kg|g|lb|lbs)\s*$", re.IGNORECASE)
# Lines of a label printout that carry no weight of the goods (date, time, count,
# unit weight, memory number, totals) and blank lines: not noise, just not a weight.
_OTHER = re.compile(rb"^\s*(date|time|pcs|unit\s*wt|no\.|total|tare\b|\s*$)", re.IGNORECASE)


def parse_line(line: bytes, options: DecoderOptions = DecoderOptions()) -> Event | None:
    m = _LINE.match(line)
    if not m:
        return None if _OTHER.match(line) else Noise(len(line) + 2)
    kind, sign, number, unit_text = m.groups()
    kind = (kind or b"")[:1] or None
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
    silent_when_unchanged=True, confirm_frames=1, reports_net_mode=True, on_demand=True,
)
AZEXTRA = PROTOCOL
# CPWplus: G asks for the gross weight; Z is its Tare/Zero key, so it is not sent as
# "zero" (it would tare with goods on the platter); T only reports the tare.
CPWPLUS = replace(PROTOCOL, title="Adam Equipment CPWplus", poll=GROSS_REQUEST, commands={},
                  silent_commands=frozenset())
# A continuous print mode sends every reading (zero too) by itself: nothing is asked,
# two equal frames make a weight stable, and silence means the scale is gone.
CONTINUOUS = replace(PROTOCOL, title="Adam Equipment (continuous output)", poll=None, on_demand=False,
                     silent_when_unchanged=False, confirm_frames=2)
FAMILIES = {"azextra": AZEXTRA, "cpwplus": CPWPLUS, "continuous": CONTINUOUS}


def for_model(model: str) -> ScaleProtocol:
    """The protocol variant of an Adam model family (``[scale] adam_model``)."""
    try:
        return FAMILIES[model]
    except KeyError:
        raise ValueError(f"unknown Adam model family {model!r}; expected one of {', '.join(MODELS)}") from None
