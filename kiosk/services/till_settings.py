"""The ``[till]`` section of kiosk.toml: the shop day (till sessions, closing, daily
report). Imported by kiosk.config; read it as ``settings.till``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator

from kiosk.config_base import Section


class TillSettings(Section):
    # Selling with no open session: "refuse" (the cashier is told to open the till) or
    # "open" (a session opens itself with a float of 0 and says so; the demo shop).
    without_session: Literal["refuse", "open"] = "refuse"
    # A difference at closing larger than this (major units) needs a note.
    note_over: Decimal = Field(Decimal(0), ge=0, description="an amount in major units, 0 or more")
    # Coins counted at closing besides the notes of [currency] cash_notes (major units;
    # empty: the currency's usual coins).
    coins: list[Decimal] = Field(default_factory=list)
    # The daily report file is also made at this local time ("HH:MM"; "" = only at the
    # last closing of the day).
    report_at: str = Field("", description='a time "HH:MM" or ""')
    # Formats of the daily report file made automatically.
    report_formats: list[Literal["pdf", "xlsx", "csv"]] = Field(default_factory=lambda: ["pdf", "xlsx"])
    # Make the daily report file when the last till session of the day closes.
    report_on_close: bool = True
    # Copy the automatic report to a mounted USB stick ([inventory] media_globs).
    report_to_usb: bool = True
    # On a till with a shop server: documents waiting to go up longer than this many
    # minutes are shown on the selling screen ("3 ventas sin enviar desde 10:42");
    # 0: as soon as one waits. Cerrar caja always lists them.
    unsent_after_min: int = Field(5, ge=0, le=1440)

    @field_validator("report_at")
    @classmethod
    def _hh_mm(cls, v: str) -> str:
        if v and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", v):
            raise ValueError('use "HH:MM" (24 hours) or ""')
        return v

    @field_validator("coins")
    @classmethod
    def _positive(cls, v: list[Decimal]) -> list[Decimal]:
        if any(c <= 0 for c in v):
            raise ValueError("every coin must be a positive amount")
        return v
