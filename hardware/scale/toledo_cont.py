"""Mettler-Toledo continuous output (and the many indicators that offer "Toledo
continuous": Cardinal, Fairbanks, Rice Lake, Kern, Avery). Streams about 7 to 10
frames a second without being asked; 9600 7E1 by default. A frame is 17 bytes, and
an 18th when the checksum is switched on::

    STX SWA SWB SWC wwwwww tttttt CR [CHK]

* SWA: bits 0-2 where the decimal point goes in both six-digit fields
  (0 = two dummy zeros, 1 = one, 2 = none, 3..7 = 1..5 decimals); bits 3-4 the
  display increment (x1, x2, x5); bit 5 always 1;
* SWB: bit 0 net, bit 1 negative, bit 2 out of range (overload or underload),
  bit 3 motion, bit 4 kg (else lb), bit 6 "powered up, not zeroed yet";
* SWC: bit 0 grams (then SWB's kg/lb bit is ignored);
* the checksum is the two's complement of the 7-bit sum of every byte before it,
  STX and CR included: (sum + CHK) & 0x7F == 0.

The checksum is optional on the scale, so the decoder accepts both: after a frame's
CR, a byte that makes the sum come out right is its checksum; STX is the next frame
(no checksum); anything else means the frame was damaged and it is dropped.
"""

from __future__ import annotations

from decimal import Decimal

from hardware.scale.protocol import DecoderOptions, ScaleProtocol, SerialSettings
from hardware.scale.reading import Event, Noise, ScaleReading, ScaleState, WeightUnit, to_grams
from kiosk.i18n import N_

NAME = "toledo_cont"
SERIAL = SerialSettings(9600, 7, "E", 1)
STX, CR = 0x02, 0x0D
FRAME_LEN = 17  # STX .. CR

SWB_NET, SWB_NEGATIVE, SWB_OUT_OF_RANGE, SWB_MOTION, SWB_KG, SWB_POWER_UP = 0x01, 0x02, 0x04, 0x08, 0x10, 0x40
SWC_GRAMS = 0x01
# SWA bits 0-2 -> power of ten of the last digit
_SCALE = {0: 2, 1: 1, 2: 0, 3: -1, 4: -2, 5: -3, 6: -4, 7: -5}


def checksum(data: bytes) -> int:
    """The byte that makes the 7-bit sum of ``data`` + it come to zero."""
    return (-sum(data)) & 0x7F


def parse_frame(frame: bytes, options: DecoderOptions = DecoderOptions()) -> Event:
    """17 bytes STX .. CR -> a reading, or noise."""
    if len(frame) != FRAME_LEN or frame[0] != STX or frame[-1] != CR:
        return Noise(len(frame))
    swa, swb, swc = (b & 0x7F for b in frame[1:4])
    weight, tare = frame[4:10], frame[10:16]
    if not (swa & 0x20) or not weight.isdigit() or not tare.replace(b" ", b"0").isdigit():
        return Noise(len(frame))
    if swc & SWC_GRAMS:
        unit = WeightUnit.G
    else:
        unit = WeightUnit.KG if swb & SWB_KG else WeightUnit.LB
    net = bool(swb & SWB_NET)
    if swb & SWB_OUT_OF_RANGE:
        state = ScaleState.UNDER_ZERO if swb & SWB_NEGATIVE else ScaleState.OVER_CAPACITY
        return ScaleReading.without_weight(state, unit, net_mode=net)
    if swb & SWB_POWER_UP:
        return ScaleReading.failed(N_("the scale was switched on but not zeroed yet: empty it and press zero"))
    value = Decimal(int(weight)).scaleb(_SCALE[swa & 0x07])
    grams = to_grams(value, unit) * (-1 if swb & SWB_NEGATIVE else 1)
    state = ScaleState.MOTION if swb & SWB_MOTION else ScaleState.STABLE
    return ScaleReading.weighed(grams, unit, state, net_mode=net)


def build_frame(value_digits: int, *, decimals: int = 3, kg: bool = True, grams: bool = False, net: bool = False,
                negative: bool = False, motion: bool = False, out_of_range: bool = False, power_up: bool = False,
                tare_digits: int = 0, with_checksum: bool = True) -> bytes:
    """A frame as the scale sends it (the simulator's): ``value_digits`` is the
    six-digit field as an integer (1234 with 3 decimals = 1.234)."""
    swa = 0x20 | 0x08 | {-2: 0, -1: 1, 0: 2, 1: 3, 2: 4, 3: 5, 4: 6, 5: 7}[decimals]
    swb = 0x20 | (SWB_NET if net else 0) | (SWB_NEGATIVE if negative else 0) | \
        (SWB_OUT_OF_RANGE if out_of_range else 0) | (SWB_MOTION if motion else 0) | (SWB_KG if kg else 0) | \
        (SWB_POWER_UP if power_up else 0)
    swc = 0x20 | (SWC_GRAMS if grams else 0)
    body = bytes([STX, swa, swb, swc]) + f"{value_digits:06d}{tare_digits:06d}".encode() + bytes([CR])
    return body + (bytes([checksum(body)]) if with_checksum else b"")


class Decoder:
    """Positional framing: a frame is the 17 bytes from STX, then maybe a checksum."""

    def __init__(self, options: DecoderOptions = DecoderOptions()):
        self.options = options
        self._buf: bytearray | None = None
        self._pending: bytes | None = None  # a complete frame waiting to see what follows it

    def feed(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        noise = 0
        for byte in data:
            if self._pending is not None:
                frame, self._pending = self._pending, None
                if (sum(frame) + byte) & 0x7F == 0:
                    events.append(parse_frame(frame, self.options))  # verified by its checksum
                    continue
                if byte == STX:
                    events.append(parse_frame(frame, self.options))  # a scale without checksum
                else:
                    noise += len(frame) + 1  # the checksum does not match: damaged on the line
                    continue
            if self._buf is None:
                if byte == STX:
                    self._buf = bytearray([byte])
                else:
                    noise += 1
                continue
            if byte == STX and len(self._buf) < FRAME_LEN - 1:
                noise += len(self._buf)  # a frame cut short by the next one
                self._buf = bytearray([byte])
                continue
            self._buf.append(byte)
            if len(self._buf) == FRAME_LEN:
                frame, self._buf = bytes(self._buf), None
                if frame[-1] == CR:
                    self._pending = frame
                else:
                    noise += len(frame)
        if noise:
            events.append(Noise(noise))
        return events

    def drop_partial(self) -> bool:
        """A pause: a frame still being read lost its end. A complete frame waiting for
        its checksum is kept (the next byte decides)."""
        if self._buf is None:
            return False
        self._buf = None
        return True


PROTOCOL = ScaleProtocol(name=NAME, title="Mettler-Toledo continuous", serial=SERIAL, poll=None, decoder=Decoder,
                         reports_net_mode=True)
