"""Mettler-Toledo 8217 ("Toledo" protocol, also PSC/Datalogic scanner-scales in SASI
mode). 9600 7E1. The host sends ``W``; the scale answers ``STX 01.234 CR`` (kg, three
decimals), ``STX 01.23 CR`` or ``STX 001.23 CR`` (lb, two decimals; some compatible
scales pad with spaces instead of zeros: ``STX  1.234 CR``), with ``N`` before
the CR when the weight is net of a tare taken on the scale. When it has no valid
weight it answers ``STX ? status CR``; the status byte is ``0x40 | flags``.
``T``, ``Z`` and ``C`` (tare, zero, clear tare) are answered with a status frame.
``E`` enters echo mode (every byte comes back) and ``F`` leaves it.
"""

from __future__ import annotations

import re

from hardware.scale.framing import FramedDecoder, StxFramer
from hardware.scale.protocol import DecoderOptions, ScaleProtocol, SerialSettings
from hardware.scale.reading import (
    EchoMode,
    Event,
    NoChange,
    Noise,
    Reply,
    ScaleReading,
    ScaleState,
    WeightUnit,
    parse_unit,
    to_grams,
)
from kiosk.i18n import N_

NAME = "toledo8217"
SERIAL = SerialSettings(9600, 7, "E", 1)
REQUEST = b"W"
TARE, ZERO, CLEAR_TARE = b"T", b"Z", b"C"
ECHO_ON, ECHO_OFF = b"E", b"F"

MOTION = 0x01
OVER_CAPACITY = 0x02
UNDER_ZERO = 0x04
OUTSIDE_ZERO_RANGE = 0x08
CENTRE_OF_ZERO = 0x10
NET_MODE = 0x20
ALWAYS = 0x40

# Some 8217-compatible scales pad with spaces where the 8217 sends leading zeros
# ("  1.234", " 0.50"): the field is still 5 or 6 characters wide.
_WEIGHT = re.compile(rb"^( {0,3}\d{1,4})\.(\d{2,3})(N?)$")


def status_byte(flags: int) -> bytes:
    return bytes([ALWAYS | (flags & 0x3F)])


def parse_frame(frame: bytes, options: DecoderOptions = DecoderOptions()) -> Event:
    """Bytes between STX and CR -> a reading, a status, or noise."""
    m = _WEIGHT.match(frame)
    if m:
        whole, decimals, net = m.groups()
        unit = parse_unit(options.unit) if options.unit != "auto" else None
        if unit is None:
            # The format implies the unit: three decimals kg, two decimals lb.
            unit = WeightUnit.KG if len(decimals) == 3 else WeightUnit.LB
        if len(whole) > 4:  # spaces only stand in for leading zeros of the 4-digit field
            return Noise(len(frame) + 2)
        grams = to_grams((whole.strip() + b"." + decimals).decode(), unit)
        return ScaleReading.weighed(grams, unit, net_mode=bool(net))
    if len(frame) == 2 and frame[:1] == b"?" and 0x40 <= frame[1] < 0x80:
        return status_event(frame[1])
    if frame == b"E":
        return EchoMode(True)
    if frame == b"F":
        return EchoMode(False)
    return Noise(len(frame) + 2)


def status_event(status: int) -> Event:
    net = bool(status & NET_MODE)
    if status & OVER_CAPACITY:
        return ScaleReading.without_weight(ScaleState.OVER_CAPACITY, net_mode=net)
    if status & UNDER_ZERO:
        return ScaleReading.without_weight(ScaleState.UNDER_ZERO, net_mode=net)
    if status & MOTION:
        return ScaleReading.without_weight(ScaleState.MOTION, net_mode=net)
    return NoChange(net_mode=net, flags=status & 0x3F)


class Decoder(FramedDecoder):
    def __init__(self, options: DecoderOptions = DecoderOptions()):
        super().__init__(StxFramer(max_len=12), parse_frame, options)

    def outside_frames(self) -> list[Event]:
        if REQUEST in self.framer.outside:
            # Our own request came back outside any frame: the scale is in echo mode.
            self.framer.outside.clear()
            return [EchoMode(True)]
        return []


def reply_for(command: str, event: Event) -> Reply | None:
    """The 8217 answers T/Z/C with a status frame; read the verdict from its flags."""
    if isinstance(event, ScaleReading):
        if event.weight_known:
            return None  # a weight frame from an earlier W, not the answer
        why = {ScaleState.MOTION: N_("the scale is not stable"),
               ScaleState.OVER_CAPACITY: N_("the scale is overloaded"),
               ScaleState.UNDER_ZERO: N_("the scale is below zero")}.get(event.state, "")
        return Reply(command, False, why=why)
    if not isinstance(event, NoChange):
        return None
    if command == "tare":
        return Reply(command, event.net_mode, why="" if event.net_mode else N_("the scale refused the tare"))
    if command == "zero":
        ok = not event.flags & OUTSIDE_ZERO_RANGE
        return Reply(command, ok, why="" if ok else N_("the weight is outside the zero range"))
    if command == "clear_tare":
        return Reply(command, not event.net_mode, why="" if not event.net_mode else N_("the tare is still set"))
    return None


PROTOCOL = ScaleProtocol(
    name=NAME, title="Mettler-Toledo 8217", serial=SERIAL, poll=REQUEST, decoder=Decoder,
    commands={"tare": TARE, "zero": ZERO, "clear_tare": CLEAR_TARE},
    reports_net_mode=True, reply_for=reply_for,
)
