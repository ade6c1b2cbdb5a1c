"""Finding a sale in the history: by its number (typed, or the receipt's barcode
scanned) or by the day it was sold, typed as digits on a keypad in the order the
shop's locale writes dates ("dmy" in Spanish: 0112 is 1 December, 011225 and
01122025 name the year too)."""

from __future__ import annotations

from datetime import date

from kiosk.core.errors import DomainError
from kiosk.core.receipt import parse_sale_reference
from kiosk.i18n import N_

MAX_DATE_DIGITS = 8
MAX_NUMBER_DIGITS = 9


class InvalidDate(DomainError):
    code = "invalid_date"
    template = N_("{typed} is not a date: type day, month and year, e.g. {example}.")


class FutureDate(DomainError):
    code = "future_date"
    template = N_("{typed} has not come yet: there are no sales on it.")


def parse_sale_number(text: str) -> int | None:
    """"42", "#42", "V000042" (the receipt's reference or barcode) -> 42; anything
    else -> None."""
    t = text.strip().lstrip("#")
    if t.isdigit() and len(t) <= MAX_NUMBER_DIGITS:
        return int(t) if int(t) > 0 else None
    number = parse_sale_reference(t)
    return number if number else None


def date_text(digits: str, order: str, sep: str = "/") -> str:
    """Typed digits shown with separators as they come: "0112" -> "01/12",
    "01122025" -> "01/12/2025" (for "ymd": "2025/12/01")."""
    widths = [4 if part == "y" else 2 for part in order]
    out, rest = [], digits
    for i, width in enumerate(widths):
        if not rest:
            break
        take = rest if i == len(widths) - 1 else rest[:width]
        out.append(take)
        rest = rest[len(take):]
    return sep.join(out)


def parse_typed_date(digits: str, order: str, today: date, example: str = "") -> date:
    """The day typed as digits in ``order`` ("dmy", "mdy" or "ymd"): day and month
    (this year, or last year when that day is still to come), or with a year of 2 or
    4 digits. Raises InvalidDate or FutureDate."""
    def bad() -> InvalidDate:
        return InvalidDate(typed=date_text(digits, order) or "-", example=example or date_text("01122025", order))

    if not digits.isdigit() or len(digits) not in (4, 6, 8):
        raise bad()
    year_width = len(digits) - 4
    fields: dict[str, int] = {}
    pos = 0
    parts = order if year_width else order.replace("y", "")
    for part in parts:
        width = year_width if part == "y" else 2
        fields[part] = int(digits[pos:pos + width])
        pos += width
    year = fields.get("y")
    if year is None:
        year = today.year
    elif year_width == 2:
        year += 2000
    try:
        day = date(year, fields["m"], fields["d"])
    except ValueError:
        raise bad() from None
    if "y" not in fields and day > today:
        try:
            day = day.replace(year=year - 1)
        except ValueError:  # 29 February
            raise bad() from None
    if day > today:
        raise FutureDate(typed=date_text(digits, order))
    return day
