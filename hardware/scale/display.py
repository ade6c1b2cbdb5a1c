"""How a scale reading reads on screen lives in kiosk.core.scale_text (the UI needs
it without importing hardware/); named here for the hardware layer and kiosk-admin."""

from kiosk.core.scale_text import *  # noqa: F401,F403
from kiosk.core.scale_text import STATE_LABELS, format_reading, format_tare, format_weight, state_label  # noqa: F401
