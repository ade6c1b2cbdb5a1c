"""The daily report: a business date (or a range) read from the database into a
kiosk.core.day_report.DayReport (sales, cash, inventory), then written as files by
kiosk/services/report_files.py, saved under ``<state>/reports/`` and copied to a
mounted USB stick.

It is made by ``kiosk-admin report daily``, when the last till session of a day
closes (``on_closed``) and at ``[till] report_at``; the automatic ones run in a worker
thread (``ReportWorker``) with progress, so the till keeps selling: the report only
reads, in short read transactions that never block a sale (WAL).

Completed sales count in gross; voided ones are listed apart (Sale.status); money
given back for returns and voids comes from kiosk.services.till_sessions.refund_rows
through the Z figures, the one place the returns/voids documents are added.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlalchemy import text

from db.engine import Database
from db.raw_sql import stamp
from kiosk.core.day_report import Cell, Column, DayReport, Table
from kiosk.core.units import FACTOR, Uom
from kiosk.formatting import local_day_bounds, local_now, to_local
from kiosk.i18n import N_
from kiosk.services.media_files import places

log = logging.getLogger(__name__)

MONEY, INT, QTY, TEXT, RATE = Cell.MONEY, Cell.INT, Cell.QUANTITY, Cell.TEXT, Cell.RATE


def _bounds(first: date, last: date) -> tuple[str, str]:
    start, _ = local_day_bounds(first)
    _, end = local_day_bounds(last)
    return stamp(start), stamp(end)


def _utc(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _value_at_cost(stock: int, cost: int, uom: str) -> int:
    """Stock (base sub-units) x cost (minor units per uom), half-up; integer arithmetic
    when the unit's factor is whole (every unit but the gallon and the pound)."""
    if stock <= 0 or not cost:
        return 0
    factor = FACTOR[Uom(uom)]
    if factor == factor.to_integral_value():
        f = int(factor)
        return (2 * stock * cost + f) // (2 * f)
    return int((Decimal(stock) * cost / factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


_WHOLE = " ".join(f"WHEN '{u.value}' THEN {int(f)}" for u, f in FACTOR.items() if f == f.to_integral_value())
_END_STOCK = "(p.stock - COALESCE(a.q, 0))"
# The stock at the end of the day: now, less what moved after the day's end.
_STOCK_SQL = (
    f"SELECT p.sku, p.name, COALESCE(c.name, ''), p.uom, {_END_STOCK}, COALESCE(p.cost, 0), "
    f"CASE WHEN {_END_STOCK} <= 0 OR COALESCE(p.cost, 0) = 0 THEN 0 "
    f"WHEN p.cost > 0 AND (CASE p.uom {_WHOLE} END) IS NOT NULL "
    f"THEN (2 * {_END_STOCK} * p.cost + (CASE p.uom {_WHOLE} END)) / (2 * (CASE p.uom {_WHOLE} END)) END "
    "FROM products p LEFT JOIN categories c ON c.id = p.category_id "
    "LEFT JOIN (SELECT product_id, SUM(quantity) AS q FROM stock_movements WHERE created_at >= :end "
    "GROUP BY product_id) a ON a.product_id = p.id "
    "WHERE p.active = 1 AND COALESCE(p.sale_mode, '') != 'service' ORDER BY p.sku")


# Completed sales grouped in SQL by quarter hour of UTC: every time zone's offset is a
# whole number of quarter hours, so each group falls in one local hour and day, and
# a month of sales is at most 2,880 rows to convert instead of one per sale.
_QUARTERS_SQL = (
    "SELECT substr(created_at, 1, 14) || printf('%02d', CAST(substr(created_at, 15, 2) AS INTEGER) / 15 * 15), "
    "COUNT(*), SUM(total) FROM sales WHERE created_at >= :a AND created_at < :b AND status = 'completed' "
    "GROUP BY 1")


def _quarters(s, start: str, end: str) -> list[tuple[datetime, int, int]]:  # noqa: ANN001 - a Session
    """(local start of the quarter hour, sales, total) for the completed sales in [start, end)."""
    return [(to_local(_utc(q)), int(c), int(t or 0))
            for q, c, t in s.execute(text(_QUARTERS_SQL), {"a": start, "b": end})]


class DailyReports:
    def __init__(self, db: Database, state_dir: Path, *, shop: str = "", low_stock: Callable[[], list] | None = None,
                 mount_globs: tuple[str, ...] = (), decimals: int = 2, clock: Callable[[], datetime] = local_now):
        self.db = db
        self.state_dir = state_dir
        self.shop = shop
        self.low_stock = low_stock
        self.mount_globs = mount_globs
        self.clock = clock
        self.decimals = decimals
        self.usb_require_mount = True  # tests point the globs at plain folders

    @property
    def folder(self) -> Path:
        return self.state_dir / "reports"

    # --- the content ---------------------------------------------------------------------
    def build(self, first: date, last: date | None = None, progress: Callable[[int, str], None] | None = None
              ) -> DayReport:
        last = last or first
        if last < first:
            first, last = last, first
        step = progress or (lambda _p, _w: None)
        start, end = _bounds(first, last)
        p = {"start": start, "end": end}
        rep = DayReport(first, last, self.shop, self.clock(), self.decimals)
        with self.db.read() as s:
            q = lambda sql: s.execute(text(sql), p).all()  # noqa: E731
            step(5, "sales")
            head = q("SELECT s.status, COUNT(*), COALESCE(SUM(s.total), 0), COALESCE(SUM(s.tax_total), 0) "
                     "FROM sales s WHERE s.created_at >= :start AND s.created_at < :end GROUP BY s.status")
            by = {st: (int(n), int(t), int(tx)) for st, n, t, tx in head}
            n, gross, tax = by.get("completed", (0, 0, 0))
            vn, vt, _ = by.get("voided", (0, 0, 0))
            z = s.execute(text("SELECT number, figures FROM z_reports WHERE business_date >= :d1 "
                               "AND business_date <= :d2 ORDER BY number"),
                          {"d1": first.isoformat(), "d2": last.isoformat()}).all()
            zfig = [(int(num), json.loads(f)) for num, f in z]
            returns = sum(f.get("returns", 0) for _, f in zfig)
            rep.summary = {"sales_count": n, "gross": gross, "tax": tax, "voids_count": vn, "voids_total": vt,
                           "returns": returns, "net": gross - returns,
                           "average_ticket": (gross + n // 2) // n if n else 0}
            hours = Table("sales_by_hour", N_("Sales by hour"), "sales",
                          [Column("hour", N_("Hour"), INT), Column("count", N_("Sales"), INT),
                           Column("total", N_("Total"), MONEY)])
            hour_rows: dict[int, tuple[int, int]] = {}
            for at, c, t in _quarters(s, p["start"], p["end"]):
                h = at.hour  # the shop's time zone, not the machine's
                c0, t0_ = hour_rows.get(h, (0, 0))
                hour_rows[h] = (c0 + c, t0_ + t)
            hours.rows = [(h, *hour_rows[h]) for h in sorted(hour_rows)]
            rep.add(hours)
            cat = rep.add(Table("sales_by_category", N_("Sales by category"), "sales",
                                [Column("category", N_("Category")), Column("lines", N_("Lines"), INT),
                                 Column("total", N_("Total"), MONEY)]))
            cat.rows = [(c or "-", int(k), int(t)) for c, k, t in q(
                "SELECT c.name, COUNT(*), SUM(l.line_total) FROM sale_lines l JOIN sales s ON s.id = l.sale_id "
                "LEFT JOIN products p ON p.id = l.product_id LEFT JOIN categories c ON c.id = p.category_id "
                "WHERE s.created_at >= :start AND s.created_at < :end AND s.status = 'completed' "
                "GROUP BY c.name ORDER BY 3 DESC")]
            step(15, "products")
            prod = rep.add(Table("sales_by_product", N_("Sales by product"), "sales",
                                 [Column("sku", N_("SKU")), Column("name", N_("Product")),
                                  Column("uom", N_("Unit")), Column("quantity", N_("Quantity"), QTY),
                                  Column("total", N_("Total"), MONEY)], pdf_rows=50))
            prod.rows = [(sku, name, uom, int(qty), int(t)) for sku, name, uom, qty, t in q(
                "SELECT l.sku, MAX(l.name), MAX(l.uom), SUM(l.quantity), SUM(l.line_total) FROM sale_lines l "
                "JOIN sales s ON s.id = l.sale_id WHERE s.created_at >= :start AND s.created_at < :end "
                "AND s.status = 'completed' GROUP BY l.sku ORDER BY 5 DESC, 1")]
            cashier = rep.add(Table("sales_by_cashier", N_("Sales by cashier"), "sales",
                                    [Column("cashier", N_("Cashier")), Column("count", N_("Sales"), INT),
                                     Column("total", N_("Total"), MONEY)]))
            cashier.rows = [(u or "-", int(c), int(t)) for u, c, t in q(
                "SELECT u.name, COUNT(*), SUM(s.total) FROM sales s LEFT JOIN users u ON u.id = s.user_id "
                "WHERE s.created_at >= :start AND s.created_at < :end AND s.status = 'completed' "
                "GROUP BY u.name ORDER BY 3 DESC")]
            pay = rep.add(Table("sales_by_payment", N_("Payments by method"), "sales",
                                [Column("method", N_("Method")), Column("count", N_("Payments"), INT),
                                 Column("amount", N_("Amount"), MONEY)]))
            pay.rows = [(m, int(c), int(a)) for m, c, a in q(
                "SELECT p.method, COUNT(*), SUM(p.amount) FROM payments p JOIN sales s ON s.id = p.sale_id "
                "WHERE s.created_at >= :start AND s.created_at < :end AND s.status = 'completed' "
                "GROUP BY p.method ORDER BY 3 DESC")]
            rate = rep.add(Table("sales_by_tax_rate", N_("Sales by tax rate"), "sales",
                                 [Column("rate", N_("Rate"), RATE), Column("base", N_("Base"), MONEY),
                                  Column("tax", N_("Tax"), MONEY), Column("gross", N_("Total"), MONEY)]))
            rate.rows = [(int(r), int(g) - int(t), int(t), int(g)) for r, g, t in q(
                "SELECT t.rate_bp, SUM(t.gross), SUM(t.tax) FROM sale_taxes t JOIN sales s ON s.id = t.sale_id "
                "WHERE s.created_at >= :start AND s.created_at < :end AND s.status = 'completed' "
                "GROUP BY t.rate_bp ORDER BY 1")]
            voids = rep.add(Table("voids", N_("Voided sales"), "sales",
                                  [Column("number", N_("Number"), INT), Column("time", N_("Time"), Cell.DATETIME),
                                   Column("total", N_("Total"), MONEY)]))
            voids.rows = [(int(num), to_local(_utc(t)).replace(tzinfo=None), int(tot))
                          for num, t, tot in q("SELECT number, created_at, total FROM sales WHERE created_at >= :start "
                                               "AND created_at < :end AND status = 'voided' ORDER BY number")]
            step(30, "cash")
            sessions = rep.add(Table("cash_sessions", N_("Till sessions"), "cash",
                                     [Column("z", N_("Z"), INT), Column("date", N_("Date"), Cell.DATE),
                                      Column("opened_by", N_("Opened by")), Column("closed_by", N_("Closed by")),
                                      Column("float", N_("Opening float"), MONEY),
                                      Column("cash_sales", N_("Cash sales"), MONEY),
                                      Column("cash_in", N_("Cash in"), MONEY), Column("cash_out", N_("Cash out"), MONEY),
                                      Column("expected", N_("Expected cash"), MONEY),
                                      Column("counted", N_("Counted cash"), MONEY),
                                      Column("difference", N_("Difference"), MONEY), Column("note", N_("Note"))]))
            for num, f in zfig:
                c, h = f["cash"], f.get("header", {})
                sessions.rows.append((num, date.fromisoformat(h.get("business_date", first.isoformat())),
                                      h.get("opened_by", ""), h.get("closed_by", ""), c["float"], c["cash_sales"],
                                      c["cash_in"], c["cash_out"], c["expected"], c.get("counted", 0),
                                      c.get("difference", 0), f.get("note", "")))
            rep.summary["sessions"] = len(zfig)
            rep.summary["cash_difference"] = sum(r[10] for r in sessions.rows)
            moves = rep.add(Table("cash_movements", N_("Cash in and out"), "cash",
                                  [Column("time", N_("Time"), Cell.DATETIME), Column("kind", N_("Kind")),
                                   Column("amount", N_("Amount"), MONEY), Column("reason", N_("Reason")),
                                   Column("user", N_("By"))]))
            moves.rows = [(to_local(_utc(t)).replace(tzinfo=None), k, int(a), r, u or "")
                          for t, k, a, r, u in q(
                              "SELECT m.created_at, m.kind, m.amount, m.reason, u.name FROM cash_movements m "
                              "LEFT JOIN users u ON u.id = m.user_id WHERE m.created_at >= :start "
                              "AND m.created_at < :end ORDER BY m.id")]
            step(45, "stock")
            stock = rep.add(Table("stock", N_("Stock at the end of the day"), "inventory",
                                  [Column("sku", N_("SKU")), Column("name", N_("Product")),
                                   Column("category", N_("Category")), Column("uom", N_("Unit")),
                                   Column("stock", N_("Stock"), QTY), Column("cost", N_("Cost"), MONEY),
                                   Column("value", N_("Value at cost"), MONEY)], pdf=False))
            # One query for every product (100,000 in a big shop), rows as plain tuples from
            # the driver; the value at cost in SQL where the unit's factor is whole.
            cur = s.connection().connection.cursor()
            try:
                rows = cur.execute(_STOCK_SQL, p).fetchall()
            finally:
                cur.close()
            for k, row in enumerate(rows):
                if row[6] is None:  # gallons, pounds, a negative cost: in Python, as _value_at_cost says
                    rows[k] = (*row[:6], _value_at_cost(row[4], row[5], row[3]))
            value_total = sum(r[6] for r in rows)
            stock.rows = rows
            rep.summary["stock_value"] = value_total
            step(60, "movements")
            mv = rep.add(Table("stock_movements", N_("Stock movements by reason"), "inventory",
                               [Column("reason", N_("Reason")), Column("count", N_("Movements"), INT),
                                Column("products", N_("Products"), INT)]))
            mv.rows = [(r, int(c), int(k)) for r, c, k in q(
                "SELECT reason, COUNT(*), COUNT(DISTINCT product_id) FROM stock_movements "
                "WHERE created_at >= :start AND created_at < :end GROUP BY reason ORDER BY reason")]
            trend_start = last - timedelta(days=29)
            t0, t1 = _bounds(trend_start, last)
            daily: dict[date, int] = {}
            for at, _c, tot in _quarters(s, t0, t1):
                daily[at.date()] = daily.get(at.date(), 0) + tot
            trend = rep.add(Table("last_30_days", N_("Last 30 days"), "sales",
                                  [Column("date", N_("Date"), Cell.DATE), Column("total", N_("Total"), MONEY)]))
            trend.rows = [(trend_start + timedelta(days=i), daily.get(trend_start + timedelta(days=i), 0))
                          for i in range(30)]
        step(70, "low stock")
        low = rep.add(Table("low_stock", N_("Low stock and reorder suggestion"), "inventory",
                            [Column("sku", N_("SKU")), Column("name", N_("Product")), Column("uom", N_("Unit")),
                             Column("stock", N_("Stock"), QTY), Column("level", N_("Low level"), QTY),
                             Column("suggested", N_("Order"), QTY)]))
        if self.low_stock is not None:
            low.rows = [(i.product.sku, i.product.name, i.product.uom.value, i.product.stock, i.product.low_stock,
                         i.suggested) for i in self.low_stock()]
        return rep

    # --- the files -----------------------------------------------------------------------
    def make(self, first: date, last: date | None = None, formats: tuple[str, ...] = ("pdf", "xlsx", "csv"),
             folder: Path | None = None, progress: Callable[[int, str], None] | None = None) -> list[Path]:
        from kiosk.services.report_files import write_report

        rep = self.build(first, last, progress)
        out = folder or self.folder
        out.mkdir(parents=True, exist_ok=True)
        paths = write_report(rep, out, formats, progress)
        if progress:
            progress(100, "done")
        return paths

    def copy_to_usb(self, paths: list[Path]) -> tuple[Path | None, str]:
        """Copy the files to the first mounted, writable USB stick; (folder, "") or
        (None, why not). A stick pulled mid-copy leaves no half file under its name
        (written as .part, then renamed)."""
        for place in places(self.mount_globs, require_mount=self.usb_require_mount):
            mount = place.path
            target = Path(mount) / "kiosk-reports"
            part = None
            try:
                target.mkdir(exist_ok=True)
                for p in paths:
                    part = target / (p.name + ".part")
                    shutil.copyfile(p, part)
                    part.replace(target / p.name)
                    part = None
                return target, ""
            except OSError as exc:
                log.warning("report not copied to %s: %s", mount, exc)
                if part is not None:
                    try:
                        part.unlink(missing_ok=True)
                    except OSError:
                        pass  # the stick is gone
                return None, f"{mount}: {exc.strerror or exc}"
        return None, "no USB stick mounted"


@dataclass
class ReportJob:
    first: date
    last: date
    percent: int = 0
    stage: str = ""
    paths: list[Path] | None = None
    usb: Path | None = None
    error: str = ""
    done: bool = False


class ReportWorker:
    """Makes reports in a background thread, one at a time, with progress; the till
    keeps selling. ``listener(job)`` is called (from the worker thread) as it goes."""

    def __init__(self, reports: DailyReports, formats: tuple[str, ...] = ("pdf", "xlsx"), to_usb: bool = True):
        self.reports = reports
        self.formats = formats
        self.to_usb = to_usb
        self.listeners: list[Callable[[ReportJob], None]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, first: date, last: date | None = None) -> ReportJob:
        job = ReportJob(first, last or first)
        thread = threading.Thread(target=self._run, args=(job,), name="daily-report", daemon=True)
        with self._lock:
            previous = self._thread
            self._thread = thread
        if previous is not None:
            previous.join()
        thread.start()
        return job

    def schedule_daily(self, at: str, clock: Callable[[], datetime] = local_now,
                       every_s: float = 30.0) -> threading.Event:
        """Make the day's report every day at ``at`` ("HH:MM", shop time) while the
        kiosk runs ([till] report_at); returns the Event that stops the timer."""
        hour, minute = (int(x) for x in at.split(":"))
        stop = threading.Event()

        def loop() -> None:
            done: date | None = None
            while not stop.wait(every_s):
                now = clock()
                if done != now.date() and (now.hour, now.minute) >= (hour, minute):
                    done = now.date()
                    self.start(now.date())

        threading.Thread(target=loop, name="daily-report-timer", daemon=True).start()
        return stop

    def wait(self, timeout: float | None = None) -> None:
        t = self._thread
        if t is not None:
            t.join(timeout)

    def _tell(self, job: ReportJob) -> None:
        for cb in list(self.listeners):
            try:
                cb(job)
            except Exception:  # noqa: BLE001
                log.exception("report listener failed")

    def _run(self, job: ReportJob) -> None:
        def progress(pct: int, stage: str) -> None:
            job.percent, job.stage = pct, stage
            self._tell(job)

        try:
            job.paths = self.reports.make(job.first, job.last, self.formats, progress=progress)
            if self.to_usb:
                job.usb, why = self.reports.copy_to_usb(job.paths)
                if job.usb is None and why != "no USB stick mounted":
                    job.error = why
        except Exception as exc:  # noqa: BLE001 - shown on screen, logged
            log.exception("daily report %s failed", job.first)
            job.error = str(exc)
        job.done = True
        self._tell(job)
