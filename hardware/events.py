"""Events that device adapters hand to the rest of the kiosk. They are plain values
defined in kiosk.core (so the UI needs nothing from hardware/ to receive them);
this module names them for the adapters."""

from __future__ import annotations

from kiosk.core.scanning import ScanEvent, ScanHandler

__all__ = ["ScanEvent", "ScanHandler"]
