"""*Resumen*: the manager's view of the day so far, read in a handful of grouped
queries (cheap enough to refresh when the screen is opened or *Actualizar* is tapped;
the screen never polls).

Today so far is compared with the same weekday last week up to the same time of day
(and that whole day, for reference). Sales by hour, top products and the payment mix are
today's completed sales; hours are the shop's ([locale] timezone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import text

from db.engine import Database
from kiosk.core.dashboard import DayFigures, hour_buckets
from db.raw_sql import stamp
from kiosk.formatting import local_day_bounds, local_now, to_local


@dataclass(frozen=True)
class DashboardView:
    day: date
    now: datetime  # local
    today: DayFigures
    last_week_so_far: DayFigures
    last_week_whole: DayFigures
    hours_today: list[int]  # 24 totals (minor units), local hours
    hours_last_week: list[int]
    top_products: list[tuple[str, int, int]]  # name, quantity (units or grams), total
    payments: list[tuple[str, int]]  # method, amount
    low_stock: list[tuple[str, int, int]] = field(default_factory=list)  # name, stock, level
    low_count: int = 0


def _day_bounds(day: date) -> tuple[str, str]:
    start, end = local_day_bounds(day)
    return stamp(start), stamp(end)


class Dashboard:
    def __init__(self, db: Database, *, low_stock: Callable[[], list] | None = None,
                 clock: Callable[[], datetime] = local_now):
        self.db = db
        self.low_stock = low_stock
        self.clock = clock

    def view(self, top: int = 5, low: int = 5) -> DashboardView:
        now = self.clock()
        today = now.date()
        last = today - timedelta(days=7)
        with self.db.read() as s:
            def stamps(day: date) -> list[tuple[datetime, int]]:
                a, b = _day_bounds(day)
                return [(to_local(_as_utc(t)), int(total)) for t, total in s.execute(text(
                    "SELECT created_at, total FROM sales WHERE created_at >= :a AND created_at < :b "
                    "AND status = 'completed'"), {"a": a, "b": b})]

            now_rows, last_rows = stamps(today), stamps(last)
            a, b = _day_bounds(today)
            top_rows = [(str(n), int(q), int(t)) for n, q, t in s.execute(text(
                "SELECT MAX(l.name), SUM(l.quantity), SUM(l.line_total) FROM sale_lines l JOIN sales s "
                "ON s.id = l.sale_id WHERE s.created_at >= :a AND s.created_at < :b AND s.status = 'completed' "
                "GROUP BY l.sku ORDER BY 3 DESC LIMIT :n"), {"a": a, "b": b, "n": top})]
            pay_rows = [(str(m), int(t)) for m, t in s.execute(text(
                "SELECT p.method, SUM(p.amount) FROM payments p JOIN sales s ON s.id = p.sale_id "
                "WHERE s.created_at >= :a AND s.created_at < :b AND s.status = 'completed' "
                "GROUP BY p.method ORDER BY 2 DESC"), {"a": a, "b": b})]
        so_far = now.time()
        items = self.low_stock() if self.low_stock is not None else []
        return DashboardView(
            today, now, DayFigures.of(t for _, t in now_rows),
            DayFigures.of(t for when, t in last_rows if when.time() <= so_far),
            DayFigures.of(t for _, t in last_rows),
            hour_buckets((when.hour, t) for when, t in now_rows),
            hour_buckets((when.hour, t) for when, t in last_rows),
            top_rows, pay_rows,
            [(i.product.name, i.product.stock, i.product.low_stock) for i in items[:low]], len(items))


def _as_utc(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
