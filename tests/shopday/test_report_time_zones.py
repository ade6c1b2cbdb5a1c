"""The daily report groups sales by the shop's local hour and day in SQL (by quarter
hour of UTC, kiosk.services.daily_report._quarters): the same as converting every sale,
also in a zone whose offset is not whole hours."""

from __future__ import annotations

import uuid
from datetime import UTC, date, timedelta

import pytest

from db.raw_sql import stamp
from kiosk import formatting


@pytest.mark.parametrize("zone", ["Asia/Kathmandu", "America/St_Johns", "America/Bogota"])
def test_sales_by_hour_and_last_30_days_follow_the_shop_zone(app, monkeypatch, zone):
    monkeypatch.setattr(formatting, "_zone", None)
    formatting.set_timezone(zone)
    day = date(2026, 3, 10)
    start, end = formatting.local_day_bounds(day)
    user = app.db.raw_connection().execute("SELECT id FROM users ORDER BY id LIMIT 1").fetchone()[0]
    # Every 7 minutes from 3 days before the day to 1 day after, totals that identify the minute.
    times = [start - timedelta(days=3) + timedelta(minutes=7 * k) for k in range(5 * 24 * 60 // 7)]
    conn = app.db.raw_connection()
    with conn:
        for n, t in enumerate(times, start=1):
            conn.execute("INSERT INTO sales(uuid, number, created_at, user_id, status, subtotal, tax_total, total, "
                         "change_total, currency) VALUES (?,?,?,?,?,?,?,?,?,?)",
                         (str(uuid.uuid4()), n, stamp(t), user, "voided" if n % 11 == 0 else "completed",
                          100 + n, 0, 100 + n, 0, "USD"))
    conn.close()
    rep = app.reports.build(day)
    local = [(t.replace(tzinfo=UTC).astimezone(formatting.local_zone()), 100 + n)
             for n, t in enumerate(times, start=1) if n % 11]
    hours: dict[int, list[int]] = {}
    for at, total in local:
        if at.date() == day:
            hours.setdefault(at.hour, []).append(total)
    assert rep.tables["sales_by_hour"].rows == [(h, len(v), sum(v)) for h, v in sorted(hours.items())]
    assert len(rep.tables["sales_by_hour"].rows) == 24
    daily = {}
    for at, total in local:
        daily[at.date()] = daily.get(at.date(), 0) + total
    trend = dict(rep.tables["last_30_days"].rows)
    assert trend == {day - timedelta(days=29 - i): daily.get(day - timedelta(days=29 - i), 0) for i in range(30)}
    assert trend[day] == rep.summary["gross"] and trend[day - timedelta(days=3)] > 0
