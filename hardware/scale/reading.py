"""What a scale reports (readings, replies, scans on the scale's port) is plain data
defined in kiosk.core.scale, so the UI and the services receive it without importing
hardware/; the adapters and protocol decoders name it from here."""

from kiosk.core.scale import *  # noqa: F401,F403
from kiosk.core.scale import (  # noqa: F401
    UOM_OF,
    EchoMode,
    Event,
    NoChange,
    Noise,
    Reply,
    ScaleReading,
    ScaleState,
    ScanCode,
    WeightUnit,
    parse_unit,
    to_grams,
)
