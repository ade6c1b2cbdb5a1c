"""An X or Z report laid out as lines of text for the receipt printer and the
screen, from the figures of kiosk/core/till_day.py (a dict, as stored with a Z)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.core.payments import METHOD_LABELS
from kiosk.i18n import N_, format_money, translate

CASH_LINES = (
    ("float", N_("Opening float")),
    ("cash_received", N_("Cash received")),
    ("change_given", N_("Change given")),
    ("cash_refunds", N_("Cash refunds")),
    ("cash_in", N_("Cash in")),
    ("cash_out", N_("Cash out")),
    ("expected", N_("Expected cash")),
    ("counted", N_("Counted cash")),
    ("difference", N_("Difference")),
)


def two_columns(left: str, right: str, width: int) -> str:
    room = width - len(right) - 1
    if room < 1:
        return f"{left} {right}"
    return f"{left[:room]:<{room}} {right}"


def _rate(rate_bp: int) -> str:
    whole, frac = divmod(rate_bp, 100)
    return f"{whole}%" if not frac else f"{whole},{frac:02d}%"


def _method(method: str) -> str:
    label = METHOD_LABELS.get(method)  # type: ignore[call-overload]
    return translate(label) if label else method


def report_lines(header: Mapping[str, Any], figures: Mapping[str, Any], width: int = 48) -> list[str]:
    """``header``: till, business_date, opened_by, opened_at, closed_by, closed_at,
    z_number (strings, already formatted; missing keys are left out)."""
    m = format_money
    out: list[str] = []
    rule = "-" * width

    def row(label: str, value: str) -> None:
        out.append(two_columns(label, value, width))

    for key, label in (("z_number", N_("Z number")), ("till", N_("Till")), ("business_date", N_("Business date")),
                       ("opened_by", N_("Opened by")), ("opened_at", N_("Opened at")),
                       ("closed_by", N_("Closed by")), ("closed_at", N_("Closed at"))):
        if header.get(key) not in (None, ""):
            row(translate(label), str(header[key]))
    out.append(rule)
    out.append(translate(N_("Documents")))
    first, last = figures.get("first_number"), figures.get("last_number")
    row(translate(N_("Sales")), str(figures.get("sales_count", 0)))
    if first is not None:
        row(translate(N_("Numbers")), f"{first} - {last}")
    row(translate(N_("Voids")), f"{figures.get('voids_count', 0)}  {m(figures.get('voids_total', 0))}")
    row(translate(N_("Returns")), str(figures.get("returns_count", 0)))
    for doc in figures.get("documents", []):
        row(f"{doc['kind']} {doc.get('prefix', '')}".strip(),
            f"{doc['count']}  {doc['first']}-{doc['last']}" if doc.get("count") else "0")
    out.append(rule)
    row(translate(N_("Gross sales")), m(figures.get("gross", 0)))
    row(translate(N_("Discounts")), m(figures.get("discounts", 0)))
    row(translate(N_("Returns")), m(-figures.get("returns", 0)))
    row(translate(N_("Net sales")), m(figures.get("net", 0)))
    out.append(rule)
    out.append(translate(N_("By tax rate (base / tax)")))
    for r in figures.get("by_rate", []):
        row(_rate(r["rate_bp"]), f"{m(r['base'])} / {m(r['tax'])}")
    out.append(rule)
    out.append(translate(N_("By category")))
    for c in figures.get("by_category", []):
        row(c["category"] or translate(N_("No category")), m(c["total"]))
    out.append(rule)
    out.append(translate(N_("By cashier")))
    for c in figures.get("by_cashier", []):
        row(f"{c['cashier']} ({c['count']})", m(c["total"]))
    out.append(rule)
    out.append(translate(N_("Payments (refunds included)")))
    for p in figures.get("payments", []):
        row(_method(p["method"]), m(p["net"]))
    out.append(rule)
    out.append(translate(N_("Cash")))
    cash = figures.get("cash", {})
    for key, label in CASH_LINES:
        if key in cash:
            row(translate(label), m(cash[key]))
    return out
