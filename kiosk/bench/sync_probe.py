"""Shop-server figures: 10,000 waiting sales (each with a line, a payment and its stock
movement: 20,000 documents) pushed by a till to a local PostgreSQL server started for
the run in a temporary folder (probe ``sync``, budget: 10 s); a catalog of 100,000
products pulled by a new till (probe ``sync_pull``, budget: 20 s). Needs Debian's postgresql package; without
it the figure is absent and ``sync_note`` says why."""

from __future__ import annotations

import time
from typing import Any

from kiosk.bench import BenchContext, probe

SALES = 10_000
CATALOG = 100_000


def _server_catalog(url: str, n: int) -> None:
    """A catalog of ``n`` products (each with a barcode) in 20 categories, on the server."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO categories (name) SELECT 'Categoría ' || i FROM generate_series(1, 20) i "
                     "ON CONFLICT DO NOTHING")
        conn.execute(
            "INSERT INTO products (sku, name, brand, category, sale_mode, uom, price, cost, tax_rate_bp, barcodes) "
            "SELECT 'B' || lpad(i::text, 7, '0'), 'Producto de prueba número ' || i, 'Marca ' || (i %% 50), "
            "'Categoría ' || (1 + i %% 20), 'unit', 'unit', 100 + i %% 5000, 50, 1900, "
            "jsonb_build_array((2000000000000 + i)::text) FROM generate_series(1, %s) i", (n,))


def _waiting_sales(app, n: int) -> None:  # noqa: ANN001
    """``n`` one-line card sales and their stock movements, written in bulk (the
    outbox triggers queue each one as a real sale would)."""
    from db.models import SQL_NEW_UUID

    with app.db.write_connection() as conn:
        user = conn.exec_driver_sql("SELECT min(id) FROM users").scalar()
        pid, sku, name, price = conn.exec_driver_sql(
            "SELECT id, sku, name, price FROM products WHERE sale_mode = 'unit' ORDER BY id LIMIT 1").one()
        start = conn.exec_driver_sql("SELECT coalesce(max(number), 0) FROM sales").scalar()
        conn.exec_driver_sql(
            f"""WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {n})
            INSERT INTO sales (number, created_at, user_id, status, subtotal, tax_total, total, change_total,
                               currency, uuid, till_id, discount, discount_reason)
            SELECT {start} + i, datetime('now'), {user}, 'completed', {price}, 0, {price}, 0, 'USD',
                   {SQL_NEW_UUID}, 1, 0, '' FROM k""")
        conn.exec_driver_sql(
            f"""INSERT INTO sale_lines (sale_id, position, product_id, sku, name, sale_mode, uom, unit_price,
                                       tax_rate_bp, quantity, line_total, tax_amount, entry, tare, discount,
                                       discount_reason)
            SELECT id, 1, {pid}, ?, ?, 'unit', 'unit', {price}, 0, 1, {price}, 0, 'count', 0, 0, ''
            FROM sales WHERE number > {start}""", (sku, name))
        conn.exec_driver_sql(
            f"""INSERT INTO payments (sale_id, method, amount, tendered, change, reference)
            SELECT id, 'card', {price}, {price}, 0, '' FROM sales WHERE number > {start}""")
        conn.exec_driver_sql(
            f"""INSERT INTO stock_movements (product_id, quantity, reason, detail, reference, sale_id, user_id,
                                            created_at, uuid, till_id)
            SELECT {pid}, -1, 'sale', '', number, id, {user}, created_at, {SQL_NEW_UUID}, 1
            FROM sales WHERE number > {start}""")


@probe("sync")
def sync_push(ctx: BenchContext) -> dict[str, Any]:
    from db.server.admin import init_server
    from db.server.throwaway import NoPostgres, start_cluster
    from kiosk.app_factory import build
    from kiosk.config import load_settings
    from kiosk.demo import load_demo
    from kiosk.services.sync_link import register
    from kiosk.services.sync_push import push, waiting_count

    try:
        cluster = start_cluster()
    except NoPostgres as exc:
        return {"sync_note": str(exc)}
    work = ctx.workdir / "sync"
    work.mkdir(parents=True, exist_ok=True)
    settings = load_settings(env={"STATE_DIRECTORY": str(work / "state"), "HOME": str(work)},
                             overrides={"printer": {"url": "none"}})
    app = build(settings, sender=lambda payload: None)
    try:
        load_demo(app.db, app.state_dir, app.settings.currency.decimals)
        url = cluster.create_database("bench_shop")
        init_server(url)
        register(app.db, app.state_dir, url, "Caja bench")
        first = push(app.db, app.state_dir)  # the demo's own documents, not measured
        if not first.ok:
            raise RuntimeError(f"sync bench: {first.error}")
        _waiting_sales(app, SALES)
        waiting = waiting_count(app.db)
        t0 = time.perf_counter()
        result = push(app.db, app.state_dir)
        elapsed = time.perf_counter() - t0
        if not result.ok or result.waiting:
            raise RuntimeError(f"sync bench: {result.error or f'{result.waiting} left waiting'}")
        return {"sync_push_10k_s": round(elapsed, 3), "sync_push_documents": waiting,
                "sync_push_docs_per_s": round(waiting / elapsed)}
    finally:
        app.close()
        cluster.remove()


@probe("sync_pull")
def sync_pull(ctx: BenchContext) -> dict[str, Any]:
    """A probe of its own (``--only sync_pull_100k_s`` runs just this): its own cluster,
    a shop of 100,000 products on it, a new till (no catalog) joining and pulling them;
    only the pull is timed."""
    from db.server.admin import init_server
    from db.server.throwaway import NoPostgres, start_cluster

    try:
        cluster = start_cluster()
    except NoPostgres as exc:
        return {"sync_note": str(exc)}
    work = ctx.workdir / "sync-pull"
    work.mkdir(parents=True, exist_ok=True)
    try:
        url = cluster.create_database("bench_pull")
        init_server(url)
        _server_catalog(url, CATALOG)
        return _pull_100k(work, url)
    finally:
        cluster.remove()


def _pull_100k(work, url: str) -> dict[str, Any]:  # noqa: ANN001
    """A new till (no catalog) joins a shop of 100,000 products and pulls them."""
    from kiosk.app_factory import build
    from kiosk.config import load_settings
    from kiosk.services.sync_link import register
    from kiosk.services.sync_pull import pull

    settings = load_settings(env={"STATE_DIRECTORY": str(work / "new-till"), "HOME": str(work)},
                             overrides={"printer": {"url": "none"}})
    app = build(settings, sender=lambda payload: None)
    try:
        register(app.db, app.state_dir, url, "Caja nueva")
        t0 = time.perf_counter()
        result = pull(app.db, app.state_dir)
        elapsed = time.perf_counter() - t0
        if not result.ok or result.products < CATALOG:
            raise RuntimeError(f"sync bench: pulled {result.products} products: {result.error}")
        return {"sync_pull_100k_s": round(elapsed, 3), "sync_pull_products": result.products}
    finally:
        app.close()
