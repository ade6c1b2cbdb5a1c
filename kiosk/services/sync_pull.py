"""Down: the shop's shared data comes from the shop server to the till — categories,
products (prices and barcodes), customers, users (PIN hashes, never PINs) and shop-wide
settings (kiosk/services/sync_shared.py) — and the other tills' stock.

Every row on the server carries a change number from one sequence (db/server). A till
asks for the rows changed after the last number it applied, reads them all in one
server snapshot, applies all of them in one SQLite transaction (categories by name,
products by SKU, customers by identification, users by name, settings by key), and only
then keeps the new number. A pull that fails leaves the till as it was.

Stock: the server's stock of a product is the sum of every till's movements. A till
keeps its own ledger and, per product, the other tills' total as last pulled
(``products.stock_others``, by the same change number: the server's ledger rows are
numbered too), so its on-hand is its own movements on top of the pulled total; a count
applied on any till is a movement like any other. A product new to the till starts with
no movements of its own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import bindparam, case, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.engine import Database
from db.models import Barcode, Category, Customer, Product, Setting, SyncLink, User, utcnow
from kiosk.core.text import fold
from kiosk.services.sync_edits import PULLING
from kiosk.services.sync_link import Credentials, NotRegistered, SyncResult, read_credentials, record_error
from kiosk.services.sync_shared import (CATEGORIES, CUSTOMERS, PRODUCT_FIELDS, PRODUCTS, SETTINGS,
                                        SHOP_SETTING_PREFIX, TABLES, USERS, server_rows)


@dataclass
class PullResult(SyncResult):
    categories: int = 0
    products: int = 0
    customers: int = 0
    users: int = 0
    settings: int = 0
    stock: int = 0  # products whose other tills' stock changed
    change_no: int = 0

    def counts(self) -> dict[str, int]:
        return {"categories": self.categories, "products": self.products, "customers": self.customers,
                "users": self.users, "settings": self.settings, "stock": self.stock}


def pull(db: Database, state_dir: Path, *, credentials: Credentials | None = None) -> PullResult:
    """Apply every shared change after this till's last; never raises for the
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
    data: dict[str, list] = {}
    stock: list = []
    try:
        with engine.connect() as pg:
            pg = pg.execution_options(isolation_level="REPEATABLE READ")  # one snapshot for every table
            for table in TABLES:
                data[table.name] = server_rows(pg, table, since)
            stock = pg.execute(text("SELECT sku, quantity, change_no FROM kiosk_stock_since(:n)"),
                               {"n": since}).all()
    except Exception as exc:  # noqa: BLE001
        result.error = explain(exc, creds.url)
    finally:
        engine.dispose()
    if result.error:
        record_error(db, result.error)
        return result
    last = max([since, *(r["change_no"] for rows in data.values() for r in rows), *(r.change_no for r in stock)])
    _apply(db, data, stock, last)
    result.categories, result.products = len(data["categories"]), len(data["products"])
    result.customers, result.users, result.settings = (len(data["customers"]), len(data["users"]),
                                                       len(data["settings"]))
    result.stock, result.change_no = len(stock), last
    return result


def _apply(db: Database, data: dict[str, list], stock: list, last: int) -> None:
    now = utcnow()
    with db.write() as s:
        s.info[PULLING] = True
        conn = s.connection()
        # The journal's triggers skip rows written while ``applying`` is set: pulled rows
        # are the server's already (others see the flag never: it is cleared below,
        # in this same transaction).
        conn.execute(update(SyncLink).where(SyncLink.id == 1).values(applying=1))
        cats = data[CATEGORIES.name]
        if cats:
            stmt = sqlite_insert(Category)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["name"], set_={k: stmt.excluded[k] for k in ("kind", "color", "position", "active")}),
                [{k: c[k] for k in CATEGORIES.names} for c in cats])
        if data[PRODUCTS.name]:
            _apply_products(conn, data[PRODUCTS.name], now)
        if data[CUSTOMERS.name]:
            _apply_customers(conn, data[CUSTOMERS.name], now)
        if data[USERS.name]:
            _apply_users(conn, data[USERS.name])
        settings = [r for r in data[SETTINGS.name] if r["key"].startswith(SHOP_SETTING_PREFIX)]
        if settings:
            stmt = sqlite_insert(Setting)
            conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value}),
                         [{"key": r["key"], "value": r["value"]} for r in settings])
        if stock:
            conn.execute(text("UPDATE products SET stock = stock - stock_others + :q, stock_others = :q "
                              "WHERE sku = :sku"), [{"q": r.quantity, "sku": r.sku} for r in stock])
        conn.execute(update(SyncLink).where(SyncLink.id == 1).values(pulled_change=last, last_pull_at=now,
                                                                       applying=0))


def _apply_customers(conn, rows: list, now) -> None:  # noqa: ANN001
    """Customers by identification (type and number): a new one gets its own UUID here."""
    stmt = sqlite_insert(Customer)
    rest = [c for c in CUSTOMERS.names if c not in CUSTOMERS.key]
    conn.execute(stmt.on_conflict_do_update(
        index_elements=list(CUSTOMERS.key),
        set_={k: stmt.excluded[k] for k in (*rest, "search_name", "updated_at")}),
        [{**{k: r[k] for k in CUSTOMERS.names}, "search_name": fold(r["name"]), "updated_at": now} for r in rows])


def _apply_users(conn, rows: list) -> None:  # noqa: ANN001
    """Users by name. A changed PIN hash drops this till's look-up value (it is found
    again by the hash at the next sign-in); a user disabled on the server is disabled here."""
    users = User.__table__
    stmt = sqlite_insert(users)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["name"],
        set_={"role": stmt.excluded.role, "pin_hash": stmt.excluded.pin_hash,
              "must_change_pin": stmt.excluded.must_change_pin, "active": stmt.excluded.active,
              "pin_lookup": case((users.c.pin_hash == stmt.excluded.pin_hash, users.c.pin_lookup), else_=None)}),
        [{k: r[k] for k in USERS.names} for r in rows])


def _codes(p: dict) -> list[str]:
    return p["barcodes"] if isinstance(p["barcodes"], list) else json.loads(p["barcodes"])


# A pull bringing at least this many new products (a new till joining a shop) fills the
# search index once, after the rows, instead of row by row from the insert triggers.
BULK_NEW = 500
# fold() word by word, each word once: a catalog's names share most of their words.
_fold_word = lru_cache(maxsize=65536)(fold)


def _fold_name(name: str) -> str:
    return " ".join(_fold_word(w) for w in name.split())


BULK_TRIGGERS = ("products_search_ai", "barcodes_search_ai", "products_shared_ai", "barcodes_shared_ai")
NEW_COLUMNS = ("id", "sku", *PRODUCT_FIELDS, "search_name", "category_id", "stock", "created_at", "updated_at")


def _apply_products(conn, prods: list, now) -> None:  # noqa: ANN001
    """Products by SKU. New ones get their ids here; a few go in after their barcodes,
    so the search index's row each product's trigger writes already has them (as the
    CSV import does), many go in without the per-row triggers (``BULK_NEW``). Changed
    ones are updated, and their barcodes replaced only when the set differs."""
    category_ids = dict(conn.execute(select(Category.name, Category.id)).all())
    existing = dict(conn.execute(select(Product.sku, Product.id)).all())
    top = max(existing.values(), default=0)
    first_new = top + 1
    new, changed = [], []
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's own text for a DateTime on SQLite
    for p in prods:
        row = {"sku": p["sku"], **{k: p[k] for k in PRODUCT_FIELDS}, "search_name": _fold_name(p["name"]),
               "category_id": category_ids.get(p["category"]), "updated_at": now}
        if p["sku"] in existing:
            row["b_id"] = existing[p["sku"]]
            changed.append((row, _codes(p)))
        else:
            top += 1
            new.append((row | {"id": top, "stock": 0, "created_at": stamp, "updated_at": stamp}, _codes(p)))
    codes = [(row["id"], c) for row, cs in new for c in cs]
    insert_codes = "INSERT OR IGNORE INTO barcodes (product_id, code) VALUES (?, ?)"
    insert_products = (f"INSERT INTO products ({', '.join(NEW_COLUMNS)}) "  # noqa: S608 - constants
                       f"VALUES ({', '.join('?' * len(NEW_COLUMNS))})")
    rows = [tuple(row[k] for k in NEW_COLUMNS) for row, _ in new]
    if len(new) >= BULK_NEW:
        # Without the per-row triggers of the search index and of the shared-rows journal
        # (a pull's rows are not journaled anyway): products, then barcodes, then the
        # index filled once; the triggers come back in this same transaction.
        saved = _drop_triggers(conn, BULK_TRIGGERS)
        conn.exec_driver_sql(insert_products, rows)
        if codes:
            conn.exec_driver_sql(insert_codes, codes)
        conn.exec_driver_sql(
            "INSERT INTO product_search (rowid, name, sku, brand, category, barcodes) "
            "SELECT p.id, p.name, p.sku, p.brand, coalesce(c.name, ''), "
            "coalesce((SELECT group_concat(code, ' ') FROM barcodes b WHERE b.product_id = p.id), '') "
            "FROM products p LEFT JOIN categories c ON c.id = p.category_id WHERE p.id >= ?", (first_new,))
        for sql in saved:
            conn.exec_driver_sql(sql)
    elif new:
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # barcodes first: the index's row has them
        if codes:  # (an empty list would be one statement without parameters)
            conn.exec_driver_sql(insert_codes, codes)
        conn.exec_driver_sql(insert_products, rows)
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


def _drop_triggers(conn, names: tuple[str, ...]) -> list[str]:  # noqa: ANN001
    """Drop ``names`` inside the pull's transaction and return their SQL, to create them
    again before it commits (a failed pull rolls the drop back too)."""
    saved = [sql for (sql,) in conn.exec_driver_sql(
        f"SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({', '.join('?' * len(names))})",
        names)]
    for name in names:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    return saved
