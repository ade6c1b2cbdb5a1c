"""shared data coming down and staff edits going up: the other tills' stock on top of
this till's ledger (products.stock_others), and a journal of the shared rows a
transaction changed (sync_shared_changes), filled by triggers while the till is
registered, drained before the transaction commits (kiosk/services/sync_edits.py)

Revision ID: 0020_sync_down
Revises: 0019_sync
Create Date: 2026-12-02 18:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_sync_down"
down_revision = "0019_sync"
branch_labels = None
depends_on = None

# Registered, and not applying a pull (which sets sync_link.applying inside its own
# transaction: no other connection ever sees it set).
REGISTERED = "EXISTS (SELECT 1 FROM sync_link WHERE applying = 0)"
PRODUCT_COLUMNS = "sku, name, brand, category_id, sale_mode, uom, price, cost, tax_rate_bp, low_stock, active"
CUSTOMER_COLUMNS = "id_type, id_number, dv, person, name, email, phone, address, city_code, responsibilities, active"
USER_COLUMNS = "name, role, pin_hash, must_change_pin, active"

# (trigger name, event, table, the journal's table and key as SQL on NEW/OLD, extra condition)
TRIGGERS = (
    ("categories_shared_ai", "AFTER INSERT", "categories", "'categories', NEW.name", ""),
    ("categories_shared_au", "AFTER UPDATE OF name, kind, color, position, active", "categories",
     "'categories', NEW.name", ""),
    ("products_shared_ai", "AFTER INSERT", "products", "'products', NEW.sku", ""),
    ("products_shared_au", f"AFTER UPDATE OF {PRODUCT_COLUMNS}", "products", "'products', NEW.sku", ""),
    ("barcodes_shared_ai", "AFTER INSERT", "barcodes",
     "'products', (SELECT sku FROM products WHERE id = NEW.product_id)", ""),
    ("barcodes_shared_ad", "AFTER DELETE", "barcodes",
     "'products', (SELECT sku FROM products WHERE id = OLD.product_id)", ""),
    ("customers_shared_ai", "AFTER INSERT", "customers", "'customers', NEW.id_type || ':' || NEW.id_number", ""),
    ("customers_shared_au", f"AFTER UPDATE OF {CUSTOMER_COLUMNS}", "customers",
     "'customers', NEW.id_type || ':' || NEW.id_number", ""),
    ("users_shared_ai", "AFTER INSERT", "users", "'users', NEW.name", ""),
    ("users_shared_au", f"AFTER UPDATE OF {USER_COLUMNS}", "users", "'users', NEW.name", ""),
    ("settings_shared_ai", "AFTER INSERT", "settings", "'settings', NEW.key", " AND NEW.key LIKE 'shop.%'"),
    ("settings_shared_au", "AFTER UPDATE OF value", "settings", "'settings', NEW.key", " AND NEW.key LIKE 'shop.%'"),
)


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy of products would drop its search-index triggers.
    op.add_column("products", sa.Column("stock_others", sa.Integer, nullable=False, server_default="0"))
    op.add_column("sync_link", sa.Column("applying", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "sync_shared_changes",
        sa.Column("tbl", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
    )
    for name, when, table, values, extra in TRIGGERS:
        op.execute(f"""CREATE TRIGGER {name} {when} ON {table} WHEN {REGISTERED}{extra} BEGIN
            INSERT OR IGNORE INTO sync_shared_changes (tbl, key)
            SELECT t, k FROM (SELECT {values.replace(", ", " AS t, ", 1)} AS k) WHERE k IS NOT NULL;
        END""")


def downgrade() -> None:
    for name, *_ in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.drop_table("sync_shared_changes")
    op.drop_column("sync_link", "applying")
    op.drop_column("products", "stock_others")
