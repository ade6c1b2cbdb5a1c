"""report_day_s: the daily report file (PDF + XLSX) for one day of 2,000 sales in the
benchmark catalog (100,000 products by default), as the worker makes it after the
last closing. The sales are written with plain SQL beforehand (not measured).
report_day_cold_s also counts importing fpdf2, matplotlib and xlsxwriter, which a
running kiosk pays once."""

from __future__ import annotations

import random
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from kiosk.bench import BenchContext, probe
from kiosk.bench.engine import build_app

DAY_SALES = 2000


def _fill_day(app, sales: int) -> None:  # noqa: ANN001
    from kiosk.formatting import local_day_bounds, local_today

    start, _ = local_day_bounds(local_today() - timedelta(days=1))
    rng = random.Random(5)
    conn = app.db.raw_connection()
    products = conn.execute("SELECT id, sku, name, sale_mode, uom, price FROM products WHERE sale_mode != 'service' "
                            "ORDER BY random() LIMIT 3000").fetchall()
    user = conn.execute("SELECT id FROM users ORDER BY id LIMIT 1").fetchone()[0]
    first = (conn.execute("SELECT COALESCE(MAX(number), 0) FROM sales").fetchone()[0] or 0) + 1
    conn.execute("BEGIN IMMEDIATE")
    for n in range(sales):
        at = (start + timedelta(seconds=8 * 3600 + rng.randrange(12 * 3600))).isoformat(sep=" ")
        lines = rng.sample(products, rng.randint(1, 6))
        total = sum(p[5] for p in lines)
        sale_id = conn.execute(
            "INSERT INTO sales(uuid, number, created_at, user_id, status, subtotal, tax_total, total, change_total,"
            " currency) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (str(uuid.uuid4()), first + n, at, user, "completed", total, 0, total, 0, "USD")).lastrowid
        conn.executemany(
            "INSERT INTO sale_lines(sale_id, position, product_id, sku, name, sale_mode, uom, unit_price, "
            "tax_rate_bp, quantity, line_total, tax_amount, entry) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(sale_id, i, p[0], p[1], p[2], p[3], p[4], p[5], 0, 1000 if p[3] != "unit" else 1, p[5], 0, "count")
             for i, p in enumerate(lines)])
        conn.execute("INSERT INTO sale_taxes(sale_id, rate_bp, gross, tax) VALUES (?,?,?,?)", (sale_id, 0, total, 0))
        conn.execute("INSERT INTO payments(sale_id, method, amount, tendered, change, reference) VALUES "
                     "(?,?,?,?,?,?)", (sale_id, rng.choice(["cash", "card", "qr"]), total, total, 0, ""))
        conn.executemany(
            "INSERT INTO stock_movements(uuid, product_id, quantity, reason, detail, reference, sale_id, user_id,"
            " created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            [(str(uuid.uuid4()), p[0], -(1000 if p[3] != "unit" else 1), "sale", "", "", sale_id, user, at)
             for p in lines])
    conn.execute("COMMIT")
    conn.close()


@probe("report")
def report_day(ctx: BenchContext) -> dict[str, Any]:
    from kiosk.formatting import local_today

    app = build_app(ctx)
    _fill_day(app, int(ctx.options.get("report_sales", DAY_SALES)))
    day = local_today() - timedelta(days=1)
    out = ctx.workdir / "reports"
    t0 = time.perf_counter()
    app.reports.make(day, formats=("pdf", "xlsx"), folder=out / "cold")
    cold = time.perf_counter() - t0
    runs = []
    for i in range(2):
        t0 = time.perf_counter()
        app.reports.make(day, formats=("pdf", "xlsx"), folder=out / f"warm{i}")
        runs.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    rep = app.reports.build(day)
    build_s = time.perf_counter() - t0
    return {"report_day_s": round(min(runs), 2), "report_day_cold_s": round(cold, 2),
            "report_day_query_s": round(build_s, 2), "report_day_sales": rep.summary["sales_count"],
            "report_day_stock_rows": len(rep.tables["stock"].rows), "report_day_at": datetime.now().isoformat()}
