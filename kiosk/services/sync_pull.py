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

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.engine import Database
from db.models import Barcode, Category, Product, SyncLink, utcnow
from kiosk.core.text import fold
from kiosk.services.sync_link import Credentials, NotRegistered, read_credentials, record_error

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
            _apply_products(conn, prods, now)
        conn.execute(update(SyncLink).where(SyncLink.id == 1).values(pulled_change=last, last_pull_at=now))


def _codes(p: dict) -> list[str]:
    return p["barcodes"] if isinstance(p["barcodes"], list) else json.loads(p["barcodes"])


def _apply_products(conn, prods: list, now) -> None:  # noqa: ANN001
    """Products by SKU. New ones get their ids here and their barcodes first, so the
    search index's row each product's trigger writes already has them (as the CSV
    import does); changed ones are updated, and their barcodes replaced only when
    the set differs."""
    category_ids = dict(conn.execute(select(Category.name, Category.id)).all())
    existing = dict(conn.execute(select(Product.sku, Product.id)).all())
    top = max(existing.values(), default=0)
    new, changed = [], []
    for p in prods:
        row = {"sku": p["sku"], **{k: p[k] for k in PRODUCT_FIELDS}, "search_name": fold(p["name"]),
               "category_id": category_ids.get(p["category"]), "updated_at": now}
        if p["sku"] in existing:
            row["b_id"] = existing[p["sku"]]
            changed.append((row, _codes(p)))
        else:
            top += 1
            new.append((row | {"id": top, "stock": 0, "created_at": now}, _codes(p)))
    conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # new products' barcodes go in first
    codes = [{"product_id": row["id"], "code": c} for row, cs in new for c in cs]
    if codes:
        conn.execute(sqlite_insert(Barcode).on_conflict_do_nothing(), codes)
    if new:
        conn.execute(Product.__table__.insert(), [row for row, _ in new])
    if changed:
        ids = [row["b_id"] for row, _ in changed]
        have: dict[int, set[str]] = {}
        for chunk in range(0, len(ids), 10000):
            for pid, code in conn.execute(select(Barcode.product_id, Barcode.code).where(
                    Barcode.product_id.in_(ids[chunk:chunk + 10000]))):
                have.setdefault(pid, set()).add(code)
        conn.execute(update(Product.__table__).where(Product.__table__.c.id == bindparam("b_id")).values(
            {k: bindparam(k) for k in (*PRODUCT_FIELDS, "search_name", "category_id", "updated_at")}),
            [row for row, _ in changed])
        redo = [(row["b_id"], cs) for row, cs in changed if set(cs) != have.get(row["b_id"], set())]
        if redo:
            conn.execute(Barcode.__table__.delete().where(Barcode.product_id.in_([pid for pid, _ in redo])))
            conn.execute(sqlite_insert(Barcode).on_conflict_do_nothing(),
                         [{"product_id": pid, "code": c} for pid, cs in redo for c in cs])


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
