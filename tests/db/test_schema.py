import sqlite3

import pytest
from sqlalchemy import text

from db.engine import Database
from db.migrate import current_revision, head_revision, migrate


def test_fresh_database_is_migrated_to_head_and_backed_up_when_behind(tmp_path):
    db = Database(tmp_path / "k.db")
    result = migrate(db, backup_dir=tmp_path / "backups")
    assert result.before is None and result.after == head_revision() == current_revision(db)
    assert result.backup is None  # nothing to back up on a new database
    assert migrate(db).before == head_revision()  # idempotent


def test_migrations_build_exactly_the_models(app):
    """A model changed without a migration (or the reverse) shows up here, not on a
    shop's device. The search index is raw SQL (FTS5) and has no model."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from db.models import Base

    with app.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("product_search"))]
    assert diff == []


def test_pragmas_on_every_connection(app):
    for _ in range(3):
        with app.db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_write_transactions_take_the_lock_up_front(app):
    other = sqlite3.connect(app.db.path, timeout=0.1)
    with app.db.write() as s:
        s.execute(text("SELECT 1"))
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.close()


def test_history_and_ledger_cannot_be_rewritten(demo_app, admin):
    from kiosk.core.cart import Cart
    from kiosk.core.payments import PaymentMethod, Tender

    cart = Cart()
    cart.add(demo_app.catalog.by_sku("ESP-DOB"))
    demo_app.sales.checkout(cart, [Tender(PaymentMethod.CASH, 100)], admin.id)
    conn = demo_app.db.raw_connection()
    for stmt in ("DELETE FROM sales", "DELETE FROM sale_lines", "UPDATE sale_lines SET line_total = 0",
                 "DELETE FROM payments", "DELETE FROM stock_movements", "UPDATE stock_movements SET quantity = 1"):
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(stmt)
    conn.close()


def test_stock_follows_the_ledger_by_trigger(demo_app):
    from kiosk.services.stock import record_movement

    p = demo_app.catalog.by_sku("DET-LAV")
    assert record_movement(demo_app.db, p.id, 5000, "restock").stock == p.stock + 5000
    assert demo_app.catalog.by_sku("DET-LAV").stock == p.stock + 5000
