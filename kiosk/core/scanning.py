"""What a scanner hands to the rest of the kiosk, whatever kind it is (keyboard
wedge, evdev HID, serial/CDC-ACM, a Magellan scanner-scale's shared port): a
``ScanEvent`` with the code as read and, when the device says so, its symbology.

``read_code`` cleans what a scanner sent before anything looks at it: the configured
prefix and suffix text go, line ends and Tabs go, and an AIM symbology identifier
(``]E0`` EAN-13/UPC-A, ``]E4`` EAN-8, ``]C1`` GS1-128 ...), which many scanners can
put in front of every code, is stripped and kept as the symbology hint.

The check digit is judged once per scan (``ScanEvent.barcode``): the hardware layer
does it for the beeps and passes the verdict along, so the counter does not do it
again."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from kiosk.core.barcodes import BarcodeInfo, Symbology, classify

# ]Xm: "]", a symbology letter, a modifier character (ISO/IEC 15424).
_AIM = re.compile(r"^\]([A-Za-z])([0-9A-Za-z])")
# What an AIM identifier says about a retail code (others carry no check digit we verify).
_AIM_RETAIL = {"E0": None, "E4": Symbology.EAN8}
_ENDS = "\r\n\t"


@dataclass(frozen=True)
class ScannedCode:
    code: str
    symbology: Symbology | None = None
    aim: str = ""  # the identifier that was stripped ("E0"), if any


def read_code(raw: str, *, prefix: str = "", suffix: str = "") -> ScannedCode:
    """The code in what a scanner sent: without line ends, Tabs, the configured
    ``prefix``/``suffix`` text (removed when present) and an AIM identifier."""
    text = raw.strip(_ENDS)
    if prefix and text.startswith(prefix):
        text = text[len(prefix):]
    if suffix and text.endswith(suffix):
        text = text[:-len(suffix)]
    text = text.strip(_ENDS + " ")
    m = _AIM.match(text)
    if m is None:
        return ScannedCode(text)
    aim = m[1] + m[2]
    code = text[3:]
    hint = _AIM_RETAIL.get(aim) if aim in _AIM_RETAIL else Symbology.OTHER
    if aim == "E0" and code.isdigit():
        hint = {13: Symbology.EAN13, 12: Symbology.UPCA}.get(len(code))
    return ScannedCode(code, hint, aim)


@dataclass(frozen=True)
class ScanEvent:
    code: str
    source: str  # "wedge", "evdev", "serial", "magellan", ...
    symbology: Symbology | None = None  # when the device reports it (AIM identifier, Magellan S08A/F/E...)
    at: float = field(default_factory=time.monotonic)
    info: BarcodeInfo | None = None  # the check-digit verdict, once judged (``judged()``)

    @classmethod
    def read(cls, raw: str, source: str, *, prefix: str = "", suffix: str = "",
             symbology: Symbology | None = None) -> ScanEvent:
        """An event from what the scanner sent (see ``read_code``)."""
        scanned = read_code(raw, prefix=prefix, suffix=suffix)
        hint = symbology if symbology is not None else scanned.symbology
        return cls(scanned.code, source, None if hint is Symbology.OTHER else hint)

    @property
    def barcode(self) -> BarcodeInfo:
        """Symbology, check digit and look-up key: worked out once per scan."""
        return self.info if self.info is not None else classify(self.code, self.symbology)

    def judged(self) -> ScanEvent:
        """This event with its verdict attached (the first to judge it does this)."""
        return self if self.info is not None else replace(self, info=classify(self.code, self.symbology))


ScanHandler = Callable[[ScanEvent], None]
