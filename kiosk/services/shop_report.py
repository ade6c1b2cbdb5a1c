"""Reports across tills: the day of the whole shop, read from the shop server's tables
(``kiosk-admin report daily --all-tills`` and the manager's *Resumen*).

A till's own role may not read documents; these reads use a reader's login (a member
of the server's ``<database>_report`` role, made by ``kiosk-admin server reader``),
given as ``--server URL`` or kept on a till in ``report-server.json`` (mode 0600, in
the state directory). The figures are worked out by kiosk.core.shop_day, the files
written by kiosk.services.report_files as for a till's own report."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from kiosk.core.day_report import Cell, Column, DayReport, Table
from kiosk.core.shop_day import KINDS, ShopDocument, TillDay, shop_day, till_days
from kiosk.formatting import local_day_bounds, local_now, to_local
from kiosk.i18n import N_, translate

READER_FILE = "report-server.json"


class NoReportAccess(Exception):
    """No reader's URL for the shop server, or the server refused it (in words);
    ``offline``: the server could not be reached."""

    def __init__(self, message: str, *, offline: bool = False):
        super().__init__(message)
        self.offline = offline


def reader_path(state_dir: Path) -> Path:
    return Path(state_dir) / READER_FILE


def save_reader_url(state_dir: Path, url: str) -> Path:
    from kiosk.services.sync_link import write_private

    return write_private(reader_path(state_dir), {"url": url})


def reader_url(state_dir: Path) -> str:
    path = reader_path(state_dir)
    try:
        return str(json.loads(path.read_text())["url"])
    except FileNotFoundError:
        raise NoReportAccess(f"no reader's login for the shop server ({path} is missing): "
                             "kiosk-admin server reader --url OWNER_URL --name NAME --save, "
                             "or give --server URL") from None
    except PermissionError:
        raise NoReportAccess(f"{path} cannot be read by this user (it is readable by its owner only)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise NoReportAccess(f"{path} is damaged ({exc}): run kiosk-admin server reader ... --save again") from None


# The day's documents: sales and cash movements by their time, voids from the day's
# start on (a later void cancels the day's sale), Z reports by their business date.
_DAY_DOCUMENTS = text(
    "SELECT t.name, d.kind, d.payload FROM documents d JOIN tills t ON t.id = d.till_id "
    "WHERE (d.kind IN ('sale', 'cash_movement') AND d.created_at >= :start AND d.created_at < :end) "
    "OR (d.kind = 'void' AND d.created_at >= :start) "
    "OR (d.kind = 'z_report' AND substr(d.payload->>'business_date', 1, 10) BETWEEN :first AND :last)")
# The category of each product sold (the lines carry the SKU; the shop's catalog the category).
_CATEGORIES = text("SELECT sku, category FROM products WHERE sku = ANY(:skus) AND category IS NOT NULL")
# Sales by quarter hour of UTC (every zone's offset is whole quarters), for the trend.
_QUARTERS = text(
    "SELECT date_bin('15 minutes', d.created_at, TIMESTAMP '2000-01-01'), sum((d.payload->>'total')::bigint) "
    "FROM documents d WHERE d.kind = 'sale' AND d.created_at >= :start AND d.created_at < :end "
    "AND d.payload->>'status' <> 'voided' AND NOT EXISTS (SELECT 1 FROM documents v WHERE v.kind = 'void' "
    "AND v.payload->>'sale_uuid' = d.uuid) GROUP BY 1")


@dataclass(frozen=True)
class ShopToday:
    """The dashboard's line: the shop's total and each till's, today so far."""

    tills: dict[str, TillDay]

    @property
    def total(self) -> int:
        return sum(t.figures["gross"] for t in self.tills.values())

    @property
    def count(self) -> int:
        return sum(t.figures["sales_count"] for t in self.tills.values())


class ShopReports:
    def __init__(self, url: str, *, shop: str = "", decimals: int = 2,
                 clock: Callable[[], datetime] = local_now, connect_timeout: int = 10):
        self.url = url
        self.shop = shop
        self.decimals = decimals
        self.clock = clock
        self.connect_timeout = connect_timeout

    def _read(self, first: date, last: date, trend: bool
              ) -> tuple[list[ShopDocument], list, datetime, datetime, dict[str, str]]:
        from db.server.admin import ServerError, explain, make_server_engine, parse_url

        try:
            engine = make_server_engine(parse_url(self.url), connect_timeout=self.connect_timeout)
        except ServerError as exc:
            raise NoReportAccess(str(exc)) from None
        start, _ = local_day_bounds(first)
        _, end = local_day_bounds(last)
        try:
            with engine.connect() as conn:
                rows = conn.execute(_DAY_DOCUMENTS, {"start": start, "end": end, "first": first.isoformat(),
                                                     "last": last.isoformat()}).all()
                quarters, categories = [], {}
                if trend:  # the whole report (not Resumen's line): the trend and the categories too
                    t0, _ = local_day_bounds(last - timedelta(days=29))
                    quarters = conn.execute(_QUARTERS, {"start": t0, "end": end}).all()
                    skus = sorted({line["sku"] for _t, kind, payload in rows if kind == "sale"
                                   for line in payload.get("lines", ())})
                    if skus:
                        categories = dict(conn.execute(_CATEGORIES, {"skus": skus}).all())
        except Exception as exc:  # noqa: BLE001 - the network's and the server's faults, in words
            why = explain(exc, self.url)
            raise NoReportAccess(why, offline="cannot be reached" in why) from None
        finally:
            engine.dispose()
        docs = [ShopDocument(name, kind, payload) for name, kind, payload in rows if kind in KINDS]
        return docs, quarters, start, end, categories

    def build(self, first: date, last: date | None = None) -> DayReport:
        last = last or first
        docs, quarters, start, end, categories = self._read(first, last, trend=True)
        shop = translate(N_("{shop} (all tills)")).format(shop=self.shop) if self.shop else self.shop
        rep = shop_day(docs, first, last, start, end, shop=shop, generated_at=self.clock(),
                       decimals=self.decimals, local=to_local, categories=categories)
        rep.file_prefix = "report-all-tills"
        daily: dict[date, int] = {}
        for at, total in quarters:
            d = to_local(at).date()
            daily[d] = daily.get(d, 0) + int(total or 0)
        trend_start = last - timedelta(days=29)
        rep.add(Table("last_30_days", N_("Last 30 days"), "sales",
                      [Column("date", N_("Date"), Cell.DATE), Column("total", N_("Total"), Cell.MONEY)],
                      rows=[(trend_start + timedelta(days=i), daily.get(trend_start + timedelta(days=i), 0))
                            for i in range(30)]))
        return rep

    def make(self, first: date, last: date | None = None, formats: tuple[str, ...] = ("pdf", "xlsx", "csv"),
             folder: Path | None = None) -> tuple[DayReport, list[Path]]:
        from kiosk.services.report_files import write_report

        rep = self.build(first, last)
        folder.mkdir(parents=True, exist_ok=True)
        return rep, write_report(rep, folder, formats)

    def today(self) -> ShopToday:
        """Today so far, per till (for *Resumen*)."""
        day = self.clock().date()
        docs, _q, start, end, _c = self._read(day, day, trend=False)
        return ShopToday(till_days(docs, day, day, start, end))


def shop_today(state_dir: Path, *, shop: str = "", connect_timeout: int = 5) -> ShopToday | None:
    """*Resumen*'s shop line: today so far per till, or None on a till without a shop
    server. Raises NoReportAccess (``offline`` when the server is away). Call it off
    the UI thread: it waits for the network."""
    from kiosk.services.sync_link import credentials_path

    if not credentials_path(state_dir).is_file() and not reader_path(state_dir).is_file():
        return None
    return ShopReports(reader_url(state_dir), shop=shop, connect_timeout=connect_timeout).today()
