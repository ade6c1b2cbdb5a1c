"""The daily report of a whole shop (every till), from the documents the tills pushed
to the shop server: the same DayReport (kiosk.core.day_report) a till makes of its own
day, with the shop's totals in its summary and one row per till in its ``tills``
table. Pure: the documents (their JSON payloads, as kiosk/services/sync_push.py sends
them) come from kiosk/services/shop_report.py.

The same rules as a till's own report (kiosk/services/daily_report.py): a sale counts
in gross when it is not voided (a void that went up later cancels it here, since a
document on the server is never updated), returns and cash differences come from the
Z reports of the dates, cash movements by their time."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from kiosk.core.day_report import Cell, Column, DayReport, Table
from kiosk.i18n import N_

MONEY, INT, TEXT, QTY = Cell.MONEY, Cell.INT, Cell.TEXT, Cell.QUANTITY

# The kinds of document the report reads, and the summary keys each till gets.
KINDS = ("sale", "void", "z_report", "cash_movement")
TILL_KEYS = ("sales_count", "gross", "tax", "voids_count", "voids_total", "returns", "net", "sessions",
             "cash_in", "cash_out", "cash_difference")


@dataclass(frozen=True)
class ShopDocument:
    till: str  # the till's name on the server
    kind: str  # sale | void | z_report | cash_movement
    payload: dict


@dataclass
class TillDay:
    """One till's figures for the dates (minor units)."""

    till: str
    figures: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TILL_KEYS, 0))
    payments: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))


def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _figures(z: dict) -> dict:
    f = z.get("figures") or {}
    return json.loads(f) if isinstance(f, str) else f


def till_days(docs: Iterable[ShopDocument], first: date, last: date, start: datetime, end: datetime
              ) -> dict[str, TillDay]:
    """Each till's figures: sales created in [start, end) (UTC), Z reports of business
    dates first..last, cash movements in [start, end). Voids may be later than the day
    (a void of the day's sale made the next morning cancels it, as on the till)."""
    docs = list(docs)
    voided = {d.payload.get("sale_uuid") for d in docs if d.kind == "void"}
    tills: dict[str, TillDay] = {}

    def day(name: str) -> TillDay:
        return tills.setdefault(name, TillDay(name))

    for d in docs:
        p = d.payload
        if d.kind == "sale" and start <= _when(p["created_at"]) < end:
            f = day(d.till).figures
            if p.get("status") == "voided" or p.get("uuid") in voided:
                f["voids_count"] += 1
                f["voids_total"] += int(p["total"])
                continue
            f["sales_count"] += 1
            f["gross"] += int(p["total"])
            f["tax"] += int(p.get("tax_total") or 0)
            for pay in p.get("payments", ()):
                mix = day(d.till).payments[pay["method"]]
                mix[0] += 1
                mix[1] += int(pay["amount"])
        elif d.kind == "z_report" and first.isoformat() <= str(p.get("business_date"))[:10] <= last.isoformat():
            f, z = day(d.till).figures, _figures(p)
            f["sessions"] += 1
            f["returns"] += int(z.get("returns", 0))
            f["cash_difference"] += int(z.get("cash", {}).get("difference", 0))
        elif d.kind == "cash_movement" and start <= _when(p["created_at"]) < end:
            key = "cash_in" if p.get("kind") == "in" else "cash_out"
            day(d.till).figures[key] += int(p["amount"])
    for t in tills.values():
        t.figures["net"] = t.figures["gross"] - t.figures["returns"]
    return dict(sorted(tills.items()))


def shop_day(docs: Iterable[ShopDocument], first: date, last: date, start: datetime, end: datetime, *,
             shop: str, generated_at: Any, decimals: int, local: Callable[[datetime], datetime],
             categories: dict[str, str] | None = None) -> DayReport:
    """The shop's report: its totals (the sum of every till's) in ``summary``, one row
    per till in the ``tills`` table, and the tables a till's report has (sales by hour,
    by product, payments, Z reports, cash movements) over every till. ``local`` turns a
    stored UTC time into the shop's."""
    docs = list(docs)
    tills = till_days(docs, first, last, start, end)
    rep = DayReport(first, last, shop, generated_at, decimals)
    total = dict.fromkeys(TILL_KEYS, 0)
    for t in tills.values():
        for k in TILL_KEYS:
            total[k] += t.figures[k]
    n = total["sales_count"]
    rep.summary = {k: total[k] for k in ("sales_count", "gross", "tax", "voids_count", "voids_total", "returns",
                                         "net", "sessions", "cash_difference")}
    rep.summary["average_ticket"] = (total["gross"] + n // 2) // n if n else 0
    per_till = rep.add(Table("tills", N_("Tills"), "sales", [
        Column("till", N_("Till")), Column("sales_count", N_("Sales"), INT), Column("gross", N_("Gross sales"), MONEY),
        Column("tax", N_("Tax"), MONEY), Column("returns", N_("Returns"), MONEY),
        Column("voids_count", N_("Voids"), INT), Column("net", N_("Net sales"), MONEY),
        Column("cash_in", N_("Cash in"), MONEY), Column("cash_out", N_("Cash out"), MONEY),
        Column("sessions", N_("Z reports"), INT)]))
    per_till.rows = [(t.till, *(t.figures[c.key] for c in per_till.columns[1:])) for t in tills.values()]

    voided = {d.payload.get("sale_uuid") for d in docs if d.kind == "void"}
    sales = [d for d in docs if d.kind == "sale" and start <= _when(d.payload["created_at"]) < end
             and d.payload.get("status") != "voided" and d.payload.get("uuid") not in voided]
    hours: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    products: dict[str, list] = {}
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    categories = categories or {}  # SKU -> category name, from the server's catalog
    for d in sales:
        h = hours[local(_when(d.payload["created_at"])).hour]
        h[0] += 1
        h[1] += int(d.payload["total"])
        for line in d.payload.get("lines", ()):
            row = products.setdefault(line["sku"], [line["sku"], line.get("name", ""), line.get("uom", "unit"), 0, 0])
            row[3] += int(line["quantity"])
            row[4] += int(line["line_total"])
            cat = by_category[categories.get(line["sku"]) or "-"]
            cat[0] += 1
            cat[1] += int(line["line_total"])
    rep.add(Table("sales_by_hour", N_("Sales by hour"), "sales",
                  [Column("hour", N_("Hour"), INT), Column("count", N_("Sales"), INT),
                   Column("total", N_("Total"), MONEY)], rows=[(h, *hours[h]) for h in sorted(hours)]))
    rep.add(Table("sales_by_category", N_("Sales by category"), "sales",
                  [Column("category", N_("Category")), Column("lines", N_("Lines"), INT),
                   Column("total", N_("Total"), MONEY)],
                  rows=sorted(((c, n, t) for c, (n, t) in by_category.items()), key=lambda r: (-r[2], r[0]))))
    rep.add(Table("sales_by_product", N_("Sales by product"), "sales",
                  [Column("sku", N_("SKU")), Column("name", N_("Product")), Column("uom", N_("Unit")),
                   Column("quantity", N_("Quantity"), QTY), Column("total", N_("Total"), MONEY)],
                  rows=sorted((tuple(r) for r in products.values()), key=lambda r: (-r[4], r[0])), pdf_rows=50))
    mix: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for t in tills.values():
        for method, (c, a) in t.payments.items():
            mix[method][0] += c
            mix[method][1] += a
    rep.add(Table("sales_by_payment", N_("Payments by method"), "sales",
                  [Column("method", N_("Method")), Column("count", N_("Payments"), INT),
                   Column("amount", N_("Amount"), MONEY)],
                  rows=sorted(((m, c, a) for m, (c, a) in mix.items()), key=lambda r: (-r[2], r[0]))))
    payments = rep.add(Table("payments_by_till", N_("Payments by till"), "sales",
                             [Column("till", N_("Till")), Column("method", N_("Method")),
                              Column("count", N_("Payments"), INT), Column("amount", N_("Amount"), MONEY)]))
    payments.rows = [(t.till, m, c, a) for t in tills.values() for m, (c, a) in sorted(t.payments.items())]
    zs = sorted((d for d in docs if d.kind == "z_report"
                 and first.isoformat() <= str(d.payload.get("business_date"))[:10] <= last.isoformat()),
                key=lambda d: (d.till, int(d.payload.get("number") or 0)))
    sessions = rep.add(Table("cash_sessions", N_("Till sessions"), "cash",
                             [Column("till", N_("Till")), Column("z", N_("Z"), INT),
                              Column("date", N_("Date"), Cell.DATE), Column("expected", N_("Expected cash"), MONEY),
                              Column("counted", N_("Counted cash"), MONEY),
                              Column("difference", N_("Difference"), MONEY)]))
    for d in zs:
        cash = _figures(d.payload).get("cash", {})
        sessions.rows.append((d.till, int(d.payload.get("number") or 0),
                              date.fromisoformat(str(d.payload["business_date"])[:10]), int(cash.get("expected", 0)),
                              int(cash.get("counted", 0)), int(cash.get("difference", 0))))
    moves = rep.add(Table("cash_movements", N_("Cash in and out"), "cash",
                          [Column("till", N_("Till")), Column("time", N_("Time"), Cell.DATETIME),
                           Column("kind", N_("Kind")), Column("amount", N_("Amount"), MONEY),
                           Column("reason", N_("Reason")), Column("user", N_("By"))]))
    moves.rows = sorted(((d.till, local(_when(d.payload["created_at"])).replace(tzinfo=None), d.payload.get("kind", ""),
                          int(d.payload["amount"]), d.payload.get("reason", ""), d.payload.get("user") or "")
                         for d in docs if d.kind == "cash_movement"
                         and start <= _when(d.payload["created_at"]) < end), key=lambda r: (r[1], r[0]))
    return rep
