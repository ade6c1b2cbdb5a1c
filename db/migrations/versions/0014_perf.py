"""indexes for the selling screen's hot reads: the catalog grid by name (all products
or one category), the category chips' counts, and the low-stock count after every sale
(a partial index holding only the products at or below their level)

Revision ID: 0014_perf
Revises: 0009_fiscal_documents
Create Date: 2026-12-02 11:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_perf"
down_revision = "0012_dian_outbox"
branch_labels = None
depends_on = None

# Word for word db.models.LOW_STOCK_WHERE without a table prefix (a migration keeps its
# own copy: the model may change later, this revision may not).
LOW_STOCK_WHERE = "active = 1 AND sale_mode != 'service' AND low_stock > 0 AND stock <= low_stock"


def upgrade() -> None:
    op.create_index("ix_products_active_name", "products", ["active", "name"])
    op.create_index("ix_products_active_category_name", "products", ["active", "category_id", "name"])
    op.create_index("ix_products_low_stock", "products", ["active", "sale_mode", "low_stock", "stock"],
                    sqlite_where=sa.text(LOW_STOCK_WHERE))


def downgrade() -> None:
    op.drop_index("ix_products_low_stock", table_name="products")
    op.drop_index("ix_products_active_category_name", table_name="products")
    op.drop_index("ix_products_active_name", table_name="products")
