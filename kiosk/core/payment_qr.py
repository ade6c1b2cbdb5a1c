"""The text of the QR code shown for a QR payment, from the shop's template.

Each wallet or bank reads its own format (a payment link with the amount in it, a
transfer text ...). The shop writes it once as ``[payments.qr] template`` with
placeholders, and the checkout screen fills them for the amount being charged:

- ``{amount}``: minor units, digits only ("1230" for $12,30; "12300" for COP 12.300);
- ``{amount_major}``: major units with a "." decimal point and exactly the currency's
  decimals, no grouping ("12.30"; "12300" with 0 decimals);
- ``{currency}``: the ISO code ("COP");
- ``{reference}``: the sale's reference as printed on the receipt ("V000042");
- ``{sale}``: the sale's number ("42").

Every value is digits, letters and "." only, so a template that is a URL needs no
escaping. ``{{`` and ``}}`` write a brace. Format specifications work as in Python
(``{amount:012d}`` pads to 12 digits). An empty template means no code is generated
(the shop shows its printed QR sticker).
"""

from __future__ import annotations

import string
from kiosk.core.money import plain_amount
from kiosk.core.receipt import sale_reference

QR_FIELDS = ("amount", "amount_major", "currency", "reference", "sale")
MAX_TEMPLATE = 1000  # characters; the rendered text must still fit a readable QR code


def qr_values(amount: int, decimals: int, currency: str, sale_number: int) -> dict[str, object]:
    return {"amount": amount, "amount_major": plain_amount(amount, decimals), "currency": currency,
            "reference": sale_reference(sale_number), "sale": sale_number}


def check_qr_template(template: str) -> None:
    """Raise ValueError saying what is wrong: an unknown placeholder, an unmatched
    brace, a spec that does not fit the value, or a template too long."""
    if len(template) > MAX_TEMPLATE:
        raise ValueError(f"at most {MAX_TEMPLATE} characters (got {len(template)})")
    known = ", ".join("{" + f + "}" for f in QR_FIELDS)
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"{exc} (write {{{{ or }}}} for a brace; placeholders: {known})") from None
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in QR_FIELDS:
            shown = "{" + field + "}" if field else "{}"
            raise ValueError(f"unknown placeholder {shown}: use {known}")
        if conversion:
            raise ValueError(f"{{{field}!{conversion}}}: conversions are not supported; write {{{field}}}")
        if spec and ("{" in spec):
            raise ValueError(f"{{{field}:{spec}}}: nested placeholders are not supported")
    try:
        render_qr(template, amount=123456, decimals=2, currency="COP", sale_number=42)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"cannot be filled in ({exc}); placeholders: {known}") from None


def render_qr(template: str, *, amount: int, decimals: int, currency: str, sale_number: int) -> str:
    """The QR code's text for ``amount`` minor units of the sale ``sale_number``."""
    return template.format(**qr_values(amount, decimals, currency, sale_number))
