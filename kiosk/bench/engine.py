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

from db.models import LOCAL_TILL_ID, Barcode

from kiosk.bench import BenchContext, median, percentile, probe, timed_ms
from kiosk.config import load_settings
from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.services.printing import LAID_OUT_WHEN_SENT


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


def _raw_checkout(conn, products: list, user_id: int, payload: bytes, cart_uuid: str | None = None) -> None:  # noqa: ANN001
    """The same statements as the till's sale (CounterService.checkout: one
    transaction: the user, the open session and the products checked, the sale, lines,
    taxes, payment, stock movements (products.stock follows by trigger), the receipt's
    print job and the parked cart deleted), hand-written with sqlite3."""
    now = "2026-11-21 10:00:00"
    ids = [p.id for p in products]
    marks = ",".join("?" * len(ids))
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("SELECT name, role, active FROM users WHERE id = ?", (user_id,)).fetchone()
    session = conn.execute("SELECT id FROM till_sessions WHERE status = 'open'").fetchone()
    conn.execute(f"SELECT id, name, active, stock, low_stock, sale_mode, uom, price, tax_rate_bp FROM products"
                 f" WHERE id IN ({marks})", ids).fetchall()
    number = (conn.execute("SELECT MAX(number) FROM sales").fetchone()[0] or 0) + 1
    total = sum(p.price for p in products)
    sale_id = conn.execute(
        "INSERT INTO sales(uuid, number, created_at, user_id, status, subtotal, tax_total, total, change_total,"
        " currency, session_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (str(uuid.uuid4()), number, now, user_id, "completed", total, 0, total, 0, "USD",
         session[0] if session else None)).lastrowid
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
    if cart_uuid is not None:
        conn.execute("DELETE FROM cart_lines WHERE cart_id IN (SELECT id FROM carts WHERE uuid = ?)", (cart_uuid,))
        conn.execute("DELETE FROM carts WHERE uuid = ?", (cart_uuid,))
    conn.execute("COMMIT")


def _parked_cart(conn, products: list, user_id: int) -> str:  # noqa: ANN001
    """A stored cart like the one the counter keeps (untimed), for the raw side to delete."""
    cart_uuid = str(uuid.uuid4())
    now = "2026-11-21 10:00:00"
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        cart_id = conn.execute("INSERT INTO carts(uuid, till_id, user_id, status, created_at, updated_at)"
                               " VALUES (?, ?, ?, 'open', ?, ?)", (cart_uuid, LOCAL_TILL_ID, user_id, now, now)).lastrowid
        conn.executemany("INSERT INTO cart_lines(cart_id, line_no, product_id, quantity, entry, fixed_total, tare,"
                         " unit_price, tax_rate_bp) VALUES (?,?,?,?,?,?,?,?,?)",
                         [(cart_id, i + 1, p.id, 1000, "quantity", 0, 0, p.price, 0) for i, p in enumerate(products)])
    return cart_uuid


@probe("checkout")
def checkout(ctx: BenchContext) -> dict[str, Any]:
    """checkout_*: the whole path *Confirmar* runs (CounterService.checkout: the sale
    worked out, then one transaction that compares the cart with the catalog and writes
    the sale with its lines, payment, stock and the receipt's print job (laid out later,
    when it is sent: stored without bytes), the parked cart deleted; what the screens do
    after it reads nothing back) against raw sqlite3 running the same statements and
    writing the same rows. checkout_store_*: only the transaction (SalesService.prepare
    + store, with a job holding a rendered receipt) against the same raw statements with
    the same bytes, as before. confirm_p50_ms: TillService.complete_sale alone."""
    from kiosk.bench.staff import signed_in_admin

    app = build_app(ctx)
    user = signed_in_admin(app)
    app.counter.open(user.id)
    rng = random.Random(2)
    pool = [p for p in app.catalog.browse(limit=3000) if p.sale_mode.value == "unit"]

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

    def full_path(products: list) -> float:
        for p in products:
            app.counter.add(user.id, p)
        app.counter.store.flush(30)  # the parked cart is written while the cashier takes the payment
        tenders = [Tender(PaymentMethod.CARD, app.counter.cart(user.id).total)]
        return timed_ms(lambda: app.counter.checkout(user, tenders))

    raw = app.db.raw_connection()
    full_ms, full_raw_ms, store_ms, store_raw_ms, confirm_ms = [], [], [], [], []
    sales = int(ctx.options.get("sales", 1000))
    for i in range(sales):
        chosen = rng.sample(pool, 10)
        if i % 4 == 0:
            full_ms.append(full_path(chosen))
        elif i % 4 == 1:
            cart_uuid = _parked_cart(raw, chosen, user.id)
            full_raw_ms.append(timed_ms(lambda: _raw_checkout(raw, chosen, user.id, LAID_OUT_WHEN_SENT, cart_uuid)))
        elif i % 4 == 2:
            cart = cart_of(chosen)
            tenders = [Tender(PaymentMethod.CARD, cart.total)]
            store_ms.append(timed_ms(lambda: app.sales.store(app.sales.prepare(cart, tenders, user.id), with_job)))
        else:
            store_raw_ms.append(timed_ms(lambda: _raw_checkout(raw, chosen, user.id, payload)))
    raw.close()
    for _ in range(max(10, sales // 10)):
        cart = cart_of(rng.sample(pool, 10))
        tenders = [Tender(PaymentMethod.CARD, cart.total)]
        confirm_ms.append(timed_ms(lambda: app.till.complete_sale(cart, tenders, user)))
    f50, r50 = median(full_ms), median(full_raw_ms)
    s50, sr50 = median(store_ms), median(store_raw_ms)
    return {"checkout_p50_ms": round(f50, 3), "checkout_raw_p50_ms": round(r50, 3),
            "checkout_ratio": round(f50 / r50, 3), "checkout_p95_ms": round(percentile(full_ms, 95), 3),
            "checkout_store_p50_ms": round(s50, 3), "checkout_store_raw_p50_ms": round(sr50, 3),
            "checkout_store_ratio": round(s50 / sr50, 3), "confirm_p50_ms": round(median(confirm_ms), 3),
            "sales_written": sales, "rss_mb": round(rss_mb(), 1)}
