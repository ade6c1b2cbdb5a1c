"""How quantities, unit prices and times read on screen and on receipts, in the
configured locale. Everything that turns a domain number into text lives here."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

# Quantities and unit prices are formatted in kiosk.core (error messages need them too).
from kiosk.core.quantities import display_uom, format_quantity, format_unit_price
from kiosk.i18n import format_decimal, format_money

_zone: tzinfo | None = None


def set_timezone(name: str) -> None:
    global _zone
    _zone = ZoneInfo(name) if name else None


def local_zone() -> tzinfo:
    return _zone or datetime.now().astimezone().tzinfo or UTC


def to_local(utc_naive: datetime) -> datetime:
    """Stored times are naive UTC; show them in the shop's zone."""
    return utc_naive.replace(tzinfo=UTC).astimezone(local_zone())


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC (naive) interval covering ``day`` in the shop's zone."""
    zone = local_zone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = start + timedelta(days=1)
    return (start.astimezone(UTC).replace(tzinfo=None), end.astimezone(UTC).replace(tzinfo=None))


_UNIT_AFTER_NUMBER = re.compile(r"(\d)\s+(%|ml|cc|l|kg|g|gal|lb|oz|u|und|uds)(?=$|[\s).,;])", re.IGNORECASE)


def keep_units_together(text: str) -> str:
    """A product name for a wrapped label: "Alcohol 70 %" or "Atomizador 500 ml" must
    not leave the unit alone on the next line, so that space becomes a no-break space."""
    return _UNIT_AFTER_NUMBER.sub("\\1\u00a0\\2", text)


def format_rate(rate_bp: int) -> str:
    return format_decimal(Decimal(rate_bp) / 100, max_decimals=2) + " %"


__all__ = [
    "display_uom", "format_money", "format_quantity", "format_unit_price", "format_rate", "to_local",
    "local_day_bounds", "set_timezone",
]
