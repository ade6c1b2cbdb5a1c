"""MT-SICS (Mettler-Toledo Standard Interface Command Set, laboratory and bench
balances). 9600 8N1; commands and answers are lines ended by CR LF.

``SI`` asks for the weight now: ``S S <weight> <unit>`` stable, ``S D ...`` dynamic
(moving), ``S I`` busy, ``S +`` overload, ``S -`` underload. ``T`` tares
(``T S <tare> <unit>``), ``Z`` zeroes (``Z A``), ``TAC`` clears the tare (``TAC A``).
``ES``/``ET``/``EL`` are syntax, transmission and logical errors. Padding varies
between models, so answers are split on whitespace.
"""

from __future__ import annotations

import re

from hardware.scale.framing import LineFramer, framed
from hardware.scale.protocol import DecoderOptions, ScaleProtocol, SerialSettings
from hardware.scale.reading import (
    Event,
    Noise,
    Reply,
    ScaleReading,
    ScaleState,
    parse_unit,
    to_grams,
)
from kiosk.i18n import N_

NAME = "mtsics"
SERIAL = SerialSettings(9600, 8, "N", 1)
EOL = b"\r\n"
REQUEST = b"SI" + EOL
STABLE_REQUEST = b"S" + EOL
TARE, ZERO, CLEAR_TARE = b"T" + EOL, b"Z" + EOL, b"TAC" + EOL
SERIAL_NUMBER = b"I4" + EOL

_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?$")
ERRORS = {
    "ES": N_("the balance did not understand the command"),
    "ET": N_("transmission error"),
    "EL": N_("the balance cannot do that now"),
}
_REFUSED = {"I": N_("the balance is busy or not stable"), "+": N_("above the allowed range"),
            "-": N_("below the allowed range"), "L": N_("the balance cannot do that now")}
_COMMANDS = {"T": "tare", "Z": "zero", "TAC": "clear_tare"}


def _weight(number: str, unit_text: str) -> int | None:
    unit = parse_unit(unit_text)
    if unit is None or not _NUMBER.match(number):
        return None
    return to_grams(number, unit)


def parse_line(line: bytes, options: DecoderOptions = DecoderOptions()) -> Event | None:
    """One answer line (without CR LF) -> an event; None for answers the adapter does
    not use (serial number, tare value)."""
    try:
        tokens = line.decode("ascii").split()
    except UnicodeDecodeError:
        return Noise(len(line))
    if not tokens:
        return None
    head = tokens[0]
    if head in ERRORS and len(tokens) == 1:
        return ScaleReading.failed(ERRORS[head])
    if head == "S":
        if len(tokens) == 2:
            state = {"I": ScaleState.MOTION, "+": ScaleState.OVER_CAPACITY,
                     "-": ScaleState.UNDER_ZERO}.get(tokens[1])
            return ScaleReading.without_weight(state) if state else Noise(len(line))
        if len(tokens) == 4 and tokens[1] in ("S", "D"):
            unit = parse_unit(tokens[3])
            if unit is None and _NUMBER.match(tokens[2]):
                return ScaleReading.failed(N_("the balance uses a unit the kiosk does not accept "
                                              "(set it to g, kg or lb)"))
            grams = _weight(tokens[2], tokens[3])
            if grams is None:
                return Noise(len(line))
            state = ScaleState.STABLE if tokens[1] == "S" else ScaleState.MOTION
            return ScaleReading.weighed(grams, unit, state)
        return Noise(len(line))
    if head in _COMMANDS:
        command = _COMMANDS[head]
        if len(tokens) >= 2 and tokens[1] in ("S", "A"):
            tare = _weight(tokens[2], tokens[3]) if len(tokens) == 4 else None
            if len(tokens) not in (2, 4) or (len(tokens) == 4 and tare is None):
                return Noise(len(line))
            return Reply(command, True, tare_g=tare)
        if len(tokens) == 2 and tokens[1] in _REFUSED:
            return Reply(command, False, why=_REFUSED[tokens[1]])
        return Noise(len(line))
    if head in ("I4", "TA", "I2", "I3"):
        return None
    return Noise(len(line))


# The decoder: frames cut by the framer, each read by parse_line().
Decoder = framed(lambda: LineFramer(max_len=64), parse_line)


def reply_for(command: str, event: Event) -> Reply | None:
    if isinstance(event, Reply) and event.command == command:
        return event
    if isinstance(event, ScaleReading) and event.state is ScaleState.ERROR:
        return Reply(command, False, why=event.error)
    return None


PROTOCOL = ScaleProtocol(
    name=NAME, title="Mettler-Toledo MT-SICS", serial=SERIAL, poll=REQUEST, decoder=Decoder,
    commands={"tare": TARE, "zero": ZERO, "clear_tare": CLEAR_TARE}, reply_for=reply_for,
)
