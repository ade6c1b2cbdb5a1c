"""How quantities, unit prices and times read on screen and on receipts, in the
configured locale. Everything that turns a domain number into text lives here."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

# Quantities and unit prices are formatted in kiosk.core (error messages need them too).
from kiosk.core.quantities import display_uom, format_quantity, format_unit_price
from kiosk import i18n
from kiosk.i18n import decimal_mark, format_decimal, format_money

_zone: tzinfo | None = None


def apply_locale(settings) -> None:  # noqa: ANN001 - kiosk.config.Settings (imports this module)
    """The language, number and money formats and the time zone of the settings."""
    i18n.configure(language=settings.locale.language, locale=settings.locale.formats,
                   money=settings.currency.money_format())
    set_timezone(settings.locale.timezone)


def set_timezone(name: str) -> None:
    global _zone
    _zone = ZoneInfo(name) if name else None


def local_zone() -> tzinfo:
    return _zone or datetime.now().astimezone().tzinfo or UTC


def local_now() -> datetime:
    """Now in the shop's zone (aware): the screens' clock and dates, "today"."""
    return datetime.now(local_zone())


def local_today() -> date:
    return local_now().date()


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


def date_order() -> str:
    """The order a person of the configured locale writes a date in: "dmy" (es, es_CO),
    "mdy" (en_US) or "ymd", from the locale's short date pattern."""
    from babel.dates import get_date_format

    from kiosk.i18n import babel_locale

    pattern = get_date_format("short", locale=babel_locale()).pattern.lower()
    positions = {part: pattern.find(part) for part in "dmy"}
    return "".join(sorted(positions, key=lambda part: positions[part]))


def keypad_text(value: Decimal | int, max_decimals: int = 3) -> str:
    """A number as a person types it on a keypad, which ``parse_decimal`` reads back the
    same: the locale's decimal mark, no thousands grouping, no trailing zeros
    (2000 -> "2000", never "2.000", which reads back as 2; 1.5 -> "1,5")."""
    step = Decimal(1).scaleb(-max_decimals)
    text = f"{Decimal(value).quantize(step, rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", decimal_mark())


def format_rate(rate_bp: int) -> str:
    return format_decimal(Decimal(rate_bp) / 100, max_decimals=2) + " %"


__all__ = [
    "display_uom", "format_money", "format_quantity", "format_unit_price", "format_rate", "to_local",
    "local_day_bounds", "local_now", "local_today", "set_timezone", "date_order", "keypad_text",
]
