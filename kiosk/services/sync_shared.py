"""The shared data a shop server holds for every till: categories, products (prices and
barcodes), customers, users and shop-wide settings — their shape on both sides, read
from the till's SQLite and upserted on the server.

One path writes them to the server: ``kiosk-admin server publish`` (a till's whole
shared data, with an owner's URL) and a staff edit on a registered till (the changed
rows only, through the till's own role: kiosk/services/sync_edits.py) both call
``upsert``. Rows that did not change keep their change number. Tills pull them back
by change number (kiosk/services/sync_pull.py).

Users: the PIN's scrypt hash travels, never a PIN (the till's PIN look-up value is
keyed by a file of that till and stays local). Settings: only keys starting with
``shop.`` are shop-wide; every other key (``ui.theme``, ``auth.throttle.*``, the audit
chain's marks, per-till hardware in kiosk.toml) stays on its till."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from sqlalchemy import Connection, text

SHOP_SETTING_PREFIX = "shop."


@dataclass(frozen=True)
class SharedTable:
    name: str  # the same on the till and on the server
    key: tuple[str, ...]  # what identifies a row on every till
    columns: tuple[tuple[str, str], ...]  # (column, PostgreSQL type), key columns first

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)


PRODUCT_FIELDS = ("name", "brand", "sale_mode", "uom", "price", "cost", "tax_rate_bp", "low_stock", "active")

CATEGORIES = SharedTable("categories", ("name",), (
    ("name", "varchar"), ("kind", "varchar"), ("color", "varchar"), ("position", "int"), ("active", "boolean")))
PRODUCTS = SharedTable("products", ("sku",), (
    ("sku", "varchar"), ("category", "varchar"), ("barcodes", "jsonb"), ("name", "varchar"), ("brand", "varchar"),
    ("sale_mode", "varchar"), ("uom", "varchar"), ("price", "bigint"), ("cost", "bigint"), ("tax_rate_bp", "int"),
    ("low_stock", "bigint"), ("active", "boolean")))
CUSTOMERS = SharedTable("customers", ("id_type", "id_number"), (
    ("id_type", "varchar"), ("id_number", "varchar"), ("dv", "varchar"), ("person", "varchar"), ("name", "varchar"),
    ("email", "varchar"), ("phone", "varchar"), ("address", "varchar"), ("city_code", "varchar"),
    ("responsibilities", "varchar"), ("active", "boolean")))
USERS = SharedTable("users", ("name",), (
    ("name", "varchar"), ("role", "varchar"), ("pin_hash", "varchar"), ("must_change_pin", "boolean"),
    ("active", "boolean")))
SETTINGS = SharedTable("settings", ("key",), (("key", "varchar"), ("value", "text")))

# In the order they are written (a product names its category).
TABLES = (CATEGORIES, PRODUCTS, CUSTOMERS, USERS, SETTINGS)
BY_NAME = {t.name: t for t in TABLES}


def _key_sql(table: SharedTable, alias: str = "") -> str:
    """The journal's key (migration 0020_sync_down) as SQL on the till's table."""
    p = f"{alias}." if alias else ""
    return " || ':' || ".join(f"{p}{k}" for k in table.key)


def local_rows(conn: sqlite3.Connection, table: SharedTable, keys: list[str] | None = None) -> list[dict]:
    """The till's rows of ``table`` in the server's shape (all, or those whose journal
    key is in ``keys``), read on the caller's plain sqlite3 connection (inside its
    transaction)."""
    if table is PRODUCTS:
        sql = ("SELECT p.id, p.sku, c.name AS category, " + ", ".join(f"p.{k}" for k in PRODUCT_FIELDS)
               + " FROM products p LEFT JOIN categories c ON c.id = p.category_id")
        alias = "p"
    elif table is SETTINGS:
        sql = f"SELECT key, value FROM settings WHERE key LIKE '{SHOP_SETTING_PREFIX}%'"  # noqa: S608 - a constant
        alias = ""
    else:
        sql = f"SELECT {', '.join(table.names)} FROM {table.name} t"  # noqa: S608 - constants
        alias = "t"
    params: dict = {}
    if keys is not None:
        sql += (" AND " if "WHERE" in sql else " WHERE ") + f"{_key_sql(table, alias)} IN (SELECT value FROM json_each(:k))"
        params["k"] = json.dumps(keys)
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r)) for r in cur.fetchall()]
    if table is PRODUCTS and rows:
        codes: dict[int, list[str]] = {}
        ids = json.dumps([r["id"] for r in rows])
        for pid, code in conn.execute("SELECT product_id, code FROM barcodes WHERE product_id IN "
                                      "(SELECT value FROM json_each(:ids)) ORDER BY id", {"ids": ids}):
            codes.setdefault(pid, []).append(code)
        for r in rows:
            r["barcodes"] = codes.get(r.pop("id"), [])
    for r in rows:
        for column, kind in table.columns:
            if kind == "boolean":
                r[column] = bool(r[column])
    return rows


def upsert(pg: Connection, table: SharedTable, rows: list[dict]) -> None:
    """Insert or update ``rows`` on the server by the table's key; a row equal to the
    server's is left alone (it keeps its change number)."""
    if not rows:
        return
    cols = ", ".join(table.names)
    types = ", ".join(f"{c} {t}" for c, t in table.columns)
    rest = [c for c in table.names if c not in table.key]
    pg.execute(text(
        f"INSERT INTO {table.name} ({cols}) SELECT {cols} "  # noqa: S608 - constants
        f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({types}) "
        f"ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in rest)
        + f" WHERE ({', '.join(f'{table.name}.{c}' for c in rest)}) IS DISTINCT FROM "
          f"({', '.join(f'excluded.{c}' for c in rest)})"), {"rows": json.dumps(rows)})


def server_rows(pg: Connection, table: SharedTable, since: int) -> list[dict]:
    """The server's rows of ``table`` changed after ``since``, in change order (plain
    driver tuples made dicts: a new till reads a whole catalog here)."""
    names = (*table.names, "change_no")
    rows = pg.exec_driver_sql(f"SELECT {', '.join(names)} FROM {table.name} "  # noqa: S608 - constants
                              "WHERE change_no > %(n)s ORDER BY change_no", {"n": since})
    return [dict(zip(names, r)) for r in rows]


def publish(db, owner_url: str) -> dict[str, int]:  # noqa: ANN001 - db.engine.Database
    """Put this till's shared data on the server (``kiosk-admin server publish``):
    every table of ``TABLES``, in one server transaction. Returns rows per table."""
    from db.server.admin import ServerError, explain, make_server_engine

    with db.read() as s:
        conn = s.connection().connection.driver_connection
        data = {t.name: local_rows(conn, t) for t in TABLES}
    engine = make_server_engine(owner_url)
    try:
        with engine.begin() as pg:
            for table in TABLES:
                upsert(pg, table, data[table.name])
    except ServerError:
        raise
    except Exception as exc:  # noqa: BLE001 - the server's answer, in words
        raise ServerError(explain(exc, owner_url)) from exc
    finally:
        engine.dispose()
    return {name: len(rows) for name, rows in data.items()}
