"""Events that device adapters hand to the rest of the kiosk. Every scanner kind
(keyboard wedge, evdev HID, serial/CDC-ACM, the Magellan scanner-scale's shared port)
produces the same ``ScanEvent``; the UI receives them on its main thread."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.core.barcodes import Symbology


@dataclass(frozen=True)
class ScanEvent:
    code: str
    source: str  # "wedge", "evdev", "serial", "magellan", ...
    symbology: Symbology | None = None  # when the device reports it (Magellan S08A/F/E...)
    at: float = field(default_factory=time.monotonic)


ScanHandler = Callable[[ScanEvent], None]
