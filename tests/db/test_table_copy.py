"""Table copies in migrations on a database with rows: copying stock_drafts keeps
stock_draft_lines (ON DELETE CASCADE would empty it with foreign keys on), copying
products keeps its sales, barcodes, search index and every trigger that names it
(the rename fails on them otherwise), and a migration that leaves rows pointing at
nothing is refused by PRAGMA foreign_key_check before anything is committed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from db.migrate import in_migration_transaction
from db.schema_ops import ForeignKeysOn, ForeignKeyViolation, dependents, recreate_table
from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from tests.invariants import check_invariants


def _as_migration(conn, body) -> None:  # noqa: ANN001
    """Run ``body`` with alembic's ``op`` bound to ``conn``, as a migration script is."""
    ctx = MigrationContext.configure(conn, opts={"render_as_batch": True})
    with Operations.context(ctx):
        body()


def _snapshot(db: Path) -> dict[str, object]:
    conn = sqlite3.connect(db)
    try:
        tables = ["products", "barcodes", "sale_lines", "stock_drafts", "stock_draft_lines", "stock_movements"]
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        triggers = sorted(r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'"))
        lines = conn.execute("SELECT draft_id, product_id, quantity FROM stock_draft_lines ORDER BY id").fetchall()
        return {"counts": counts, "triggers": triggers, "lines": lines}
    finally:
        conn.close()


def _stock(db: Path, product_id: int) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT stock FROM products WHERE id = ?", (product_id,)).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def shop(demo_app):  # noqa: ANN001, ANN201
    """The demo shop with a sale, a count in progress and a delivery in progress."""
    app = demo_app
    user = app.users.authenticate(app.settings.security.default_admin_pin)
    products = [p for p in app.catalog.browse(limit=50) if not p.bulk]
    cart = Cart()
    cart.add(products[0])
    app.sales.checkout(cart, [Tender(PaymentMethod.CASH, cart.total)], user.id)
    raw = app.db.raw_connection()
    for kind in ("count", "delivery"):
        draft = raw.execute("INSERT INTO stock_drafts (kind, reference, started_at) "
                            "VALUES (?, 'C-1', '2026-12-02 05:00:00')", (kind,)).lastrowid
        for n, p in enumerate(products[:4], start=1):
            raw.execute("INSERT INTO stock_draft_lines (draft_id, product_id, quantity) VALUES (?, ?, ?)",
                        (draft, p.id, n))
    raw.close()
    return app


def test_copying_stock_drafts_keeps_the_lines_that_depend_on_it(shop) -> None:
    before = _snapshot(shop.db.path)
    assert before["counts"]["stock_draft_lines"] == 8

    def migration() -> None:
        with recreate_table("stock_drafts") as batch_op:
            batch_op.alter_column("reference", type_=sa.String(96), existing_nullable=False)

    in_migration_transaction(shop.db, lambda conn: _as_migration(conn, migration))
    after = _snapshot(shop.db.path)
    assert after == before
    with shop.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # back on for the application


def test_copying_products_keeps_sales_barcodes_search_and_triggers(shop) -> None:
    before = _snapshot(shop.db.path)
    with shop.db.engine.connect() as conn:
        named = {name for _kind, name, _sql in dependents(conn, "products")}
    # triggers on other tables that name products (search index, stock ledger) ...
    assert {"categories_search_au", "stock_movements_ai", "products_search_ai", "products_search_ad"} <= named
    hits = [p.id for p in shop.catalog.search("jab")]

    def migration() -> None:
        with recreate_table("products") as batch_op:
            batch_op.alter_column("brand", type_=sa.String(120), existing_nullable=False)

    in_migration_transaction(shop.db, lambda conn: _as_migration(conn, migration))
    assert _snapshot(shop.db.path) == before
    assert [p.id for p in shop.catalog.search("jab")] == hits and hits
    # ... and they still work: a sale's stock movement goes through the ledger trigger
    # into products.stock (the invariant checks stock = sum of the ledger)
    product = next(p for p in shop.catalog.browse(limit=50) if not p.bulk)
    user = shop.users.authenticate(shop.settings.security.default_admin_pin)
    cart = Cart()
    cart.add(product)
    stock_before = _stock(shop.db.path, product.id)
    shop.sales.checkout(cart, [Tender(PaymentMethod.CASH, cart.total)], user.id)
    assert _stock(shop.db.path, product.id) == stock_before - 1
    check_invariants(shop.db)


def test_a_copy_with_foreign_keys_on_is_refused(shop) -> None:
    """Outside db.migrate (foreign keys on), the helper refuses instead of emptying."""
    def migration() -> None:
        with recreate_table("stock_drafts"):
            pass

    with shop.db.engine.begin() as conn, pytest.raises(ForeignKeysOn):
        _as_migration(conn, migration)
    assert _snapshot(shop.db.path)["counts"]["stock_draft_lines"] == 8


def test_the_old_way_empties_the_dependent_table(shop) -> None:
    """Why: the same copy with foreign keys on (a plain batch_alter_table inside the
    application's own transaction, as migrations used to run) loses every line."""
    def migration() -> None:
        with sa_op().batch_alter_table("stock_drafts", recreate="always") as batch_op:
            batch_op.alter_column("reference", type_=sa.String(96), existing_nullable=False)

    def sa_op():  # noqa: ANN202
        from alembic import op

        return op

    with shop.db.engine.begin() as conn:
        _as_migration(conn, migration)
        lines = conn.exec_driver_sql("SELECT count(*) FROM stock_draft_lines").scalar()
        conn.rollback()
    assert lines == 0


def test_rows_left_pointing_at_nothing_are_refused_and_nothing_is_committed(shop) -> None:
    before = _snapshot(shop.db.path)

    def migration(conn) -> None:  # noqa: ANN001
        conn.exec_driver_sql("DELETE FROM stock_drafts WHERE kind = 'count'")
        conn.exec_driver_sql("CREATE TABLE migration_marker (x)")

    with pytest.raises(ForeignKeyViolation) as exc:
        in_migration_transaction(shop.db, migration)
    assert "stock_draft_lines" in str(exc.value)
    assert _snapshot(shop.db.path) == before
    conn = sqlite3.connect(shop.db.path)
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'migration_marker'").fetchone()
    conn.close()


def test_a_plain_copy_of_products_fails_on_the_triggers_that_name_it(shop) -> None:
    """Why recreate_table takes the triggers out: even with foreign keys off, the
    final RENAME trips over triggers on other tables that name products."""
    from alembic import op

    def migration() -> None:
        with op.batch_alter_table("products", recreate="always") as batch_op:
            batch_op.alter_column("brand", type_=sa.String(120), existing_nullable=False)

    before = _snapshot(shop.db.path)
    with pytest.raises(sa.exc.OperationalError) as exc:
        in_migration_transaction(shop.db, lambda conn: _as_migration(conn, migration))
    assert "trigger" in str(exc.value)
    assert _snapshot(shop.db.path) == before  # rolled back whole
