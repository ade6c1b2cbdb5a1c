"""Every document a till writes carries a UUID and the id of the till that wrote it
(ARCHITECTURE: documents, not edits; growing past one till)."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from sqlalchemy import select

from db.models import LOCAL_TILL_ID, AuditEntry, Sale, StockMovement, Till
from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender


def _is_uuid4(text: str) -> bool:
    return uuid.UUID(text).version == 4 and str(uuid.UUID(text)) == text


def test_the_local_till_is_row_one_with_a_uuid(app):
    with app.db.read() as s:
        tills = s.scalars(select(Till)).all()
    assert [t.id for t in tills] == [LOCAL_TILL_ID]
    assert _is_uuid4(tills[0].uuid)


def test_a_sale_its_stock_movements_and_audit_rows_get_uuid_and_till(demo_app, admin):
    product = next(p for p in demo_app.catalog.search("", limit=200) if p.sale_mode.value == "unit")
    cart = Cart()
    cart.add(product, 2000 if product.uom.value != "unit" else 2)
    result = demo_app.sales.checkout(cart, [Tender(PaymentMethod.CARD, cart.total)], admin.id)
    demo_app.users.authenticate(demo_app.settings.security.default_admin_pin)  # an audit row
    with demo_app.db.read() as s:
        sale = s.get(Sale, result.sale_id)
        moves = s.scalars(select(StockMovement)).all()
        events = s.scalars(select(AuditEntry)).all()
    rows = [sale, *moves, *events]
    assert all(_is_uuid4(r.uuid) and r.till_id == LOCAL_TILL_ID for r in rows)
    assert len({r.uuid for r in rows}) == len(rows)


@pytest.mark.parametrize("table", ["sales", "stock_movements", "audit_log"])
def test_a_row_without_uuid_is_refused(app, table):
    conn = sqlite3.connect(app.db.path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="need a uuid|NOT NULL constraint failed: audit_log.uuid"):
            if table == "audit_log":
                conn.execute("INSERT INTO audit_log(created_at, act, subject, origin, prev_hash, row_hash)"
                             " VALUES ('2026-01-01', 'x', '', '', '', '')")
            elif table == "sales":
                conn.execute("INSERT INTO sales(number, created_at, user_id, status, subtotal, tax_total, total,"
                             " change_total, currency) VALUES (99, '2026-01-01', 1, 'completed', 0, 0, 0, 0, 'USD')")
            else:
                conn.execute("INSERT INTO stock_movements(product_id, quantity, reason, detail, reference,"
                             " created_at) VALUES (1, 1, 'restock', '', '', '2026-01-01')")
    finally:
        conn.close()


def test_rows_written_before_the_migration_are_back_filled(tmp_path):
    """A database at revision 0003 with history: after the upgrade every old row has
    its own UUID and belongs to till 1, and the ledger is append-only again."""
    from db.migrate import migrate
    from tests.conftest import database_at

    db = database_at(tmp_path / "old.db", "0003")
    raw = db.raw_connection()
    raw.execute("INSERT INTO users(name, role, pin_hash, active, created_at) VALUES ('a', 'admin', 'x', 1, '2026-01-01')")
    raw.execute("INSERT INTO products(sku, name, search_name, brand, sale_mode, uom, price, cost, tax_rate_bp,"
                " low_stock, stock, active, created_at, updated_at) VALUES ('S1', 'P', 'p', '', 'unit', 'unit',"
                " 100, 50, 0, 0, 0, 1, '2026-01-01', '2026-01-01')")
    for n in range(1, 4):
        raw.execute("INSERT INTO sales(number, created_at, user_id, status, subtotal, tax_total, total, change_total,"
                    " currency) VALUES (?, '2026-01-01', 1, 'completed', 100, 0, 100, 0, 'USD')", (n,))
        raw.execute("INSERT INTO stock_movements(product_id, quantity, reason, detail, reference, sale_id,"
                    " created_at) VALUES (1, -1, 'sale', '', '', ?, '2026-01-01')", (n,))
    raw.execute("INSERT INTO auth_events(created_at, user_id, event, detail) VALUES ('2026-01-01', 1, 'login', '')")
    raw.close()

    migrate(db)
    raw = db.raw_connection()
    try:
        for table in ("sales", "stock_movements", "audit_log"):  # auth_events' rows moved to the audit log
            rows = raw.execute(f"SELECT uuid, till_id FROM {table}").fetchall()
            assert rows and all(_is_uuid4(u) and t == LOCAL_TILL_ID for u, t in rows), table
            assert len({u for u, _ in rows}) == len(rows)
        assert raw.execute("SELECT stock FROM products").fetchone()[0] == -3
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute("UPDATE stock_movements SET quantity = 5")
    finally:
        raw.close()
        db.dispose()
