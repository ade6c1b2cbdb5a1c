"""Down: the shop's catalog (categories, products with their prices and barcodes)
comes from the shop server to the till.

Every row on the server carries a change number from one sequence (db/server). A till
asks for the rows changed after the last number it applied, applies all of them in one
SQLite transaction (categories by name, products by SKU; a product new to the till
starts with no stock of its own: stock stays the till's ledger), and only then keeps
the new number. A pull that fails leaves the till's catalog as it was.

``publish_catalog`` puts a till's catalog on the server (an owner's URL): the first
till's catalog becomes the shop's."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.engine import Database
from db.models import Barcode, Category, Product, SyncLink, utcnow
from kiosk.core.text import fold
from kiosk.services.sync_link import Credentials, NotRegistered, read_credentials

PRODUCT_FIELDS = ("name", "brand", "sale_mode", "uom", "price", "cost", "tax_rate_bp", "low_stock", "active")


@dataclass
class PullResult:
    categories: int = 0
    products: int = 0
    change_no: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def pull(db: Database, state_dir: Path, *, credentials: Credentials | None = None) -> PullResult:
    """Apply every catalog change after this till's last; never raises for the
    server's or the network's faults (they come back in ``error``)."""
    from db.server.admin import explain, make_server_engine

    result = PullResult()
    try:
        creds = credentials or read_credentials(state_dir)
    except NotRegistered as exc:
        result.error = str(exc)
        return result
    with db.read() as s:
        since = s.scalar(select(SyncLink.pulled_change).where(SyncLink.id == 1)) or 0
    result.change_no = since
    engine = make_server_engine(creds.url)
    try:
        with engine.connect() as pg:
            cats = pg.execute(text("SELECT name, kind, color, position, active, change_no FROM categories "
                                   "WHERE change_no > :n ORDER BY change_no"), {"n": since}).all()
            prods = pg.execute(text(
                f"SELECT sku, category, barcodes, change_no, {', '.join(PRODUCT_FIELDS)} FROM products "  # noqa: S608
                "WHERE change_no > :n ORDER BY change_no"), {"n": since}).mappings().all()
    except Exception as exc:  # noqa: BLE001
        result.error = explain(exc, creds.url)
    finally:
        engine.dispose()
    if result.error:
        from kiosk.services.sync_push import record_error

        record_error(db, result.error)
        return result
    last = max([since, *(c.change_no for c in cats), *(p["change_no"] for p in prods)])
    _apply(db, cats, prods, last)
    result.categories, result.products, result.change_no = len(cats), len(prods), last
    return result


def _apply(db: Database, cats: list, prods: list, last: int) -> None:
    now = utcnow()
    with db.write() as s:
        conn = s.connection()
        if cats:
            stmt = sqlite_insert(Category)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["name"], set_={k: stmt.excluded[k] for k in ("kind", "color", "position", "active")}),
                [{"name": c.name, "kind": c.kind, "color": c.color, "position": c.position, "active": c.active}
                 for c in cats])
        if prods:
            category_ids = dict(conn.execute(select(Category.name, Category.id)).all())
            rows = [{"sku": p["sku"], **{k: p[k] for k in PRODUCT_FIELDS}, "search_name": fold(p["name"]),
                     "category_id": category_ids.get(p["category"]), "stock": 0, "created_at": now,
                     "updated_at": now} for p in prods]
            stmt = sqlite_insert(Product)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["sku"],
                set_={k: stmt.excluded[k] for k in (*PRODUCT_FIELDS, "search_name", "category_id", "updated_at")}),
                rows)
            ids = dict(conn.execute(select(Product.sku, Product.id).where(
                Product.sku.in_([p["sku"] for p in prods]))).all()) if len(prods) < 30000 else \
                dict(conn.execute(select(Product.sku, Product.id)).all())
            pulled = [ids[p["sku"]] for p in prods]
            for chunk in range(0, len(pulled), 10000):
                conn.execute(Barcode.__table__.delete().where(Barcode.product_id.in_(pulled[chunk:chunk + 10000])))
            codes = [{"product_id": ids[p["sku"]], "code": code} for p in prods
                     for code in (p["barcodes"] if isinstance(p["barcodes"], list) else json.loads(p["barcodes"]))]
            if codes:
                conn.execute(sqlite_insert(Barcode).on_conflict_do_nothing(), codes)
        conn.execute(update(SyncLink).where(SyncLink.id == 1).values(pulled_change=last, last_pull_at=now))


def publish_catalog(db: Database, owner_url: str) -> tuple[int, int]:
    """Put this till's categories and products (with barcodes) on the server; rows
    that did not change keep their change number. Returns (categories, products)."""
    from db.server.admin import ServerError, explain, make_server_engine

    with db.read() as s:
        cats = [{"name": c.name, "kind": c.kind, "color": c.color, "position": c.position, "active": c.active}
                for c in s.scalars(select(Category))]
        names = {c.id: c.name for c in s.scalars(select(Category))}
        codes: dict[int, list[str]] = {}
        for pid, code in s.execute(select(Barcode.product_id, Barcode.code).order_by(Barcode.id)):
            codes.setdefault(pid, []).append(code)
        prods = [{"sku": p["sku"], **{k: p[k] for k in PRODUCT_FIELDS}, "category": names.get(p["category_id"]),
                  "barcodes": codes.get(p["id"], [])}
                 for p in s.execute(select(Product.__table__)).mappings()]
    fields = ", ".join(PRODUCT_FIELDS)
    engine = make_server_engine(owner_url)
    try:
        with engine.begin() as pg:
            pg.execute(text(
                "INSERT INTO categories (name, kind, color, position, active) "
                "SELECT name, kind, color, position, active FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
                "AS r(name varchar, kind varchar, color varchar, position int, active boolean) "
                "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, color = excluded.color, "
                "position = excluded.position, active = excluded.active "
                "WHERE (categories.kind, categories.color, categories.position, categories.active) IS DISTINCT FROM "
                "(excluded.kind, excluded.color, excluded.position, excluded.active)"), {"rows": json.dumps(cats)})
            pg.execute(text(
                f"INSERT INTO products (sku, category, barcodes, {fields}) "  # noqa: S608
                f"SELECT sku, category, barcodes, {fields} FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
                "AS r(sku varchar, category varchar, barcodes jsonb, name varchar, brand varchar, sale_mode varchar, "
                "uom varchar, price bigint, cost bigint, tax_rate_bp int, low_stock bigint, active boolean) "
                "ON CONFLICT (sku) DO UPDATE SET "
                + ", ".join(f"{k} = excluded.{k}" for k in ("category", "barcodes", *PRODUCT_FIELDS))
                + f" WHERE (products.category, products.barcodes, {', '.join('products.' + k for k in PRODUCT_FIELDS)})"
                f" IS DISTINCT FROM (excluded.category, excluded.barcodes, "
                f"{', '.join('excluded.' + k for k in PRODUCT_FIELDS)})"), {"rows": json.dumps(prods)})
    except ServerError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ServerError(explain(exc, owner_url)) from exc
    finally:
        engine.dispose()
    return len(cats), len(prods)
