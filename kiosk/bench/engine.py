"""Sales-engine figures: barcode look-up, search-as-you-type, checkout through the
service versus a raw sqlite3 transaction writing the same rows (the sale and its
receipt's print job, one transaction), the whole Confirmar path, and memory."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import uuid
from typing import Any

from sqlalchemy import func, select

from db.models import Barcode

from kiosk.bench import BenchContext, median, percentile, probe, timed_ms
from kiosk.config import load_settings
from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender

SEARCHES = [
    # 3-letter prefixes as typed
    "jab", "det", "sua", "lim", "clo", "esp", "des", "lav", "amb", "cep", "gua", "bol",
    # two words
    "jabon liq", "deter polvo", "suavizante lav", "limpiador pino", "cloro gel", "esponja coco",
    # accent-free spellings of accented names
    "jabon", "limon", "hipoalergenico", "ecologico", "nandu", "condor", "clarin",
]


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def build_app(ctx: BenchContext):  # noqa: ANN201
    """A migrated temporary database with ctx.products products (built once, shared)."""
    if "app" in ctx.shared:
        return ctx.shared["app"]
    from kiosk.app_factory import build

    state = ctx.workdir / "state"
    settings = load_settings(env={"STATE_DIRECTORY": str(state), "HOME": str(ctx.workdir)},
                             overrides={"printer": {"url": "none"}})
    app = build(settings, sender=lambda payload: None)
    # Generate the catalog in a child process: the lists it builds would otherwise stay
    # in this process's heap and inflate the memory figure, which is about the kiosk.
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kiosk.bench.catalog_gen", str(app.db.path), str(ctx.products)],
                   check=True)
    ctx.shared["populate_s"] = round(time.perf_counter() - t0, 2)
    with app.db.read() as s:
        ctx.shared["codes"] = list(s.scalars(select(Barcode.code).order_by(func.random()).limit(3000)))
    from kiosk.services.access import TECHNICIAN

    app.sessions.open(TECHNICIAN, amount=0)  # Abrir caja: the benchmark sells in an open session
    ctx.shared["app"] = app
    return app


@probe("lookup")
def lookup(ctx: BenchContext) -> dict[str, Any]:
    app = build_app(ctx)
    rng = random.Random(1)
    codes = ctx.shared["codes"]
    samples = []
    for _ in range(3000):
        code = rng.choice(codes)
        samples.append(timed_ms(lambda c=code: app.catalog.lookup_barcode(c)))
    return {"lookup_p99_ms": round(percentile(samples, 99), 3), "lookup_p50_ms": round(percentile(samples, 50), 3),
            "populate_s": ctx.shared["populate_s"]}


@probe("search")
def search(ctx: BenchContext) -> dict[str, Any]:
    app = build_app(ctx)
    for q in SEARCHES:  # warm the page cache as a running kiosk would be
        app.catalog.search(q, limit=40)
    samples = []
    for _ in range(8):
        for q in SEARCHES:
            samples.append(timed_ms(lambda q=q: app.catalog.search(q, limit=40)))
    return {"search_p95_ms": round(percentile(samples, 95), 3), "search_p50_ms": round(percentile(samples, 50), 3)}


def _raw_checkout(conn, products: list, user_id: int, payload: bytes) -> None:  # noqa: ANN001
    """The same rows as the till's sale transaction (SalesService.store with the
    receipt's print job), hand-written with sqlite3."""
    now = "2026-11-21 10:00:00"
    conn.execute("BEGIN IMMEDIATE")
    ids = [p.id for p in products]
    marks = ",".join("?" * len(ids))
    conn.execute(f"SELECT id, name, active, stock, sale_mode, uom FROM products WHERE id IN ({marks})", ids).fetchall()
    number = (conn.execute("SELECT MAX(number) FROM sales").fetchone()[0] or 0) + 1
    total = sum(p.price for p in products)
    sale_id = conn.execute(
        "INSERT INTO sales(uuid, number, created_at, user_id, status, subtotal, tax_total, total, change_total,"
        " currency) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (str(uuid.uuid4()), number, now, user_id, "completed", total, 0, total, 0, "USD")).lastrowid
    conn.executemany(
        "INSERT INTO sale_lines(sale_id, position, product_id, sku, name, sale_mode, uom, unit_price, tax_rate_bp,"
        " quantity, line_total, tax_amount, entry) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(sale_id, i, p.id, p.sku, p.name, p.sale_mode.value, p.uom.value, p.price, 0, 1000, p.price, 0, "quantity")
         for i, p in enumerate(products)])
    conn.execute("INSERT INTO sale_taxes(sale_id, rate_bp, gross, tax) VALUES (?,?,?,?)", (sale_id, 0, total, 0))
    conn.execute("INSERT INTO payments(sale_id, method, amount, tendered, change, reference) VALUES (?,?,?,?,?,?)",
                 (sale_id, "card", total, total, 0, ""))
    conn.executemany(
        "INSERT INTO stock_movements(uuid, product_id, quantity, reason, detail, reference, sale_id, user_id,"
        " created_at) VALUES (?,?,?,?,?,?,?,?,?)",
        [(str(uuid.uuid4()), p.id, -1000, "sale", "", f"V{number:06d}", sale_id, user_id, now) for p in products])
    conn.execute("INSERT INTO print_jobs(created_at, kind, sale_id, payload, status, attempts, last_error, drawer)"
                 " VALUES (?,?,?,?,?,?,?,?)", (now, "receipt", sale_id, payload, "pending", 0, "", ""))
    conn.execute("COMMIT")


@probe("checkout")
def checkout(ctx: BenchContext) -> dict[str, Any]:
    """checkout_*: the sale's transaction (prepare + store with the receipt's job, its
    bytes rendered beforehand as the till does) against raw sqlite3 writing the same
    rows and bytes. confirm_p50_ms: TillService.complete_sale as Confirmar runs it
    (working the sale out, rendering the receipt, the transaction)."""
    app = build_app(ctx)
    user = app.users.users()[0]
    rng = random.Random(2)
    # Bulk products sold by 1 L / 1 kg portions so every line is a real 10-line sale.
    pool = [p for p in app.catalog.browse(limit=2000) if p.sale_mode.value in ("volume", "weight")]

    def cart_of(products: list) -> Cart:
        cart = Cart()
        for p in products:
            cart.add(p, 1000)
        return cart

    first = cart_of(rng.sample(pool, 10))
    prepared = app.sales.prepare(first, [Tender(PaymentMethod.CARD, first.total)], user.id)
    payload = app.printing.render(prepared.receipt(app.receipts.shop, 1, user.name))

    def with_job(conn, sale_id: int, number: int) -> int:  # noqa: ANN001
        return app.printing.insert_job(conn, payload, "receipt", sale_id)

    raw = app.db.raw_connection()
    service_ms, raw_ms, confirm_ms = [], [], []
    sales = int(ctx.options.get("sales", 1000))
    for i in range(sales):
        chosen = rng.sample(pool, 10)
        if i % 2 == 0:
            cart = cart_of(chosen)
            tenders = [Tender(PaymentMethod.CARD, cart.total)]
            service_ms.append(timed_ms(lambda: app.sales.store(app.sales.prepare(cart, tenders, user.id), with_job)))
        else:
            raw_ms.append(timed_ms(lambda: _raw_checkout(raw, chosen, user.id, payload)))
    raw.close()
    for _ in range(max(20, sales // 5)):
        cart = cart_of(rng.sample(pool, 10))
        tenders = [Tender(PaymentMethod.CARD, cart.total)]
        confirm_ms.append(timed_ms(lambda: app.till.complete_sale(cart, tenders, user)))
    s50, r50 = median(service_ms), median(raw_ms)
    return {"checkout_p50_ms": round(s50, 3), "checkout_raw_p50_ms": round(r50, 3),
            "checkout_ratio": round(s50 / r50, 3), "confirm_p50_ms": round(median(confirm_ms), 3),
            "sales_written": sales, "rss_mb": round(rss_mb(), 1)}
