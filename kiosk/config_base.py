"""The base class of every configuration section.

It lives in its own tiny module so that section models defined in other modules
(hardware/settings.py, ...) can subclass it while kiosk/config.py imports them to
build ``Settings``: importing kiosk.config from those modules would be an import cycle.
``kiosk.config.Section`` is this same class.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
