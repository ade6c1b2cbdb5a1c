"""initial schema: catalog, users, sales, stock ledger, print queue, search index

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 09:57:34.086736
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


# Search-as-you-type: FTS5 over name, SKU, brand, category and barcodes, accent- and
# case-insensitive (unicode61 remove_diacritics 2), with prefix indexes for short
# prefixes. Kept in step with the catalog by triggers, so every writer (UI, CSV
# import, CLI) updates it. rowid = products.id.
SEARCH_SQL = [
    """CREATE VIRTUAL TABLE product_search USING fts5(
        name, sku, brand, category, barcodes,
        tokenize = "unicode61 remove_diacritics 2", prefix = '1 2 3')""",
    """CREATE TRIGGER products_search_ai AFTER INSERT ON products BEGIN
        INSERT INTO product_search(rowid, name, sku, brand, category, barcodes)
        VALUES (NEW.id, NEW.name, NEW.sku, NEW.brand,
                COALESCE((SELECT name FROM categories WHERE id = NEW.category_id), ''),
                COALESCE((SELECT group_concat(code, ' ') FROM barcodes WHERE product_id = NEW.id), ''));
    END""",
    """CREATE TRIGGER products_search_au AFTER UPDATE OF name, sku, brand, category_id ON products BEGIN
        UPDATE product_search SET name = NEW.name, sku = NEW.sku, brand = NEW.brand,
            category = COALESCE((SELECT name FROM categories WHERE id = NEW.category_id), '')
        WHERE rowid = NEW.id;
    END""",
    """CREATE TRIGGER products_search_ad AFTER DELETE ON products BEGIN
        DELETE FROM product_search WHERE rowid = OLD.id;
    END""",
    """CREATE TRIGGER barcodes_search_ai AFTER INSERT ON barcodes BEGIN
        UPDATE product_search SET barcodes =
            COALESCE((SELECT group_concat(code, ' ') FROM barcodes WHERE product_id = NEW.product_id), '')
        WHERE rowid = NEW.product_id;
    END""",
    """CREATE TRIGGER barcodes_search_ad AFTER DELETE ON barcodes BEGIN
        UPDATE product_search SET barcodes =
            COALESCE((SELECT group_concat(code, ' ') FROM barcodes WHERE product_id = OLD.product_id), '')
        WHERE rowid = OLD.product_id;
    END""",
    """CREATE TRIGGER barcodes_search_au AFTER UPDATE ON barcodes BEGIN
        UPDATE product_search SET barcodes =
            COALESCE((SELECT group_concat(code, ' ') FROM barcodes WHERE product_id = OLD.product_id), '')
        WHERE rowid = OLD.product_id;
        UPDATE product_search SET barcodes =
            COALESCE((SELECT group_concat(code, ' ') FROM barcodes WHERE product_id = NEW.product_id), '')
        WHERE rowid = NEW.product_id;
    END""",
    """CREATE TRIGGER categories_search_au AFTER UPDATE OF name ON categories BEGIN
        UPDATE product_search SET category = NEW.name
        WHERE rowid IN (SELECT id FROM products WHERE category_id = NEW.id);
    END""",
]

# The stock ledger is the truth: each movement adds to the product's stock in the
# same statement, and neither movements nor sale history can be changed or deleted.
LEDGER_SQL = [
    """CREATE TRIGGER stock_movements_ai AFTER INSERT ON stock_movements BEGIN
        UPDATE products SET stock = stock + NEW.quantity WHERE id = NEW.product_id;
    END""",
    """CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements BEGIN
        SELECT RAISE(ABORT, 'the stock ledger is append-only');
    END""",
    """CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements BEGIN
        SELECT RAISE(ABORT, 'the stock ledger is append-only');
    END""",
    """CREATE TRIGGER sales_no_delete BEFORE DELETE ON sales BEGIN
        SELECT RAISE(ABORT, 'sales are never deleted');
    END""",
    """CREATE TRIGGER sale_lines_no_change BEFORE UPDATE ON sale_lines BEGIN
        SELECT RAISE(ABORT, 'sale lines are never changed');
    END""",
    """CREATE TRIGGER sale_lines_no_delete BEFORE DELETE ON sale_lines BEGIN
        SELECT RAISE(ABORT, 'sale lines are never deleted');
    END""",
    """CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments BEGIN
        SELECT RAISE(ABORT, 'payments are never deleted');
    END""",
]

DROP_SQL = [
    "DROP TRIGGER IF EXISTS " + name for name in (
        "products_search_ai", "products_search_au", "products_search_ad", "barcodes_search_ai",
        "barcodes_search_ad", "barcodes_search_au", "categories_search_au", "stock_movements_ai",
        "stock_movements_no_update", "stock_movements_no_delete", "sales_no_delete",
        "sale_lines_no_change", "sale_lines_no_delete", "payments_no_delete")
] + ["DROP TABLE IF EXISTS product_search"]


def upgrade() -> None:
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('color', sa.String(length=9), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('goods','services')", name=op.f('ck_categories_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('name', name=op.f('uq_categories_name'))
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('pin_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("role IN ('cashier','manager','admin')", name=op.f('ck_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('name', name=op.f('uq_users_name'))
    )
    op.create_table('auth_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('event', sa.String(length=24), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auth_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_events'))
    )
    with op.batch_alter_table('auth_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_events_created_at'), ['created_at'], unique=False)

    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('search_name', sa.String(length=120), nullable=False),
    sa.Column('brand', sa.String(length=64), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('sale_mode', sa.String(length=8), nullable=False),
    sa.Column('uom', sa.String(length=8), nullable=False),
    sa.Column('price', sa.Integer(), nullable=False),
    sa.Column('cost', sa.Integer(), nullable=False),
    sa.Column('tax_rate_bp', sa.Integer(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('low_stock', sa.Integer(), nullable=False),
    sa.Column('image_path', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("sale_mode IN ('unit','weight','volume','service')", name=op.f('ck_products_sale_mode')),
    sa.CheckConstraint("uom IN ('unit','ml','l','gal','g','kg','lb')", name=op.f('ck_products_uom')),
    sa.CheckConstraint('cost >= 0', name=op.f('ck_products_cost')),
    sa.CheckConstraint('low_stock >= 0', name=op.f('ck_products_low_stock')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_products_price')),
    sa.CheckConstraint('tax_rate_bp BETWEEN 0 AND 10000', name=op.f('ck_products_tax_rate')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_products_category_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('sku', name=op.f('uq_products_sku'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_active'), ['active'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_search_name'), ['search_name'], unique=False)

    op.create_table('sales',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('subtotal', sa.Integer(), nullable=False),
    sa.Column('tax_total', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('change_total', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.CheckConstraint("status IN ('completed','voided')", name=op.f('ck_sales_status')),
    sa.CheckConstraint('number > 0', name=op.f('ck_sales_number')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sales_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales')),
    sa.UniqueConstraint('number', name=op.f('uq_sales_number'))
    )
    with op.batch_alter_table('sales', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_created_at'), ['created_at'], unique=False)

    op.create_table('barcodes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_barcodes_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_barcodes')),
    sa.UniqueConstraint('code', name=op.f('uq_barcodes_code'))
    )
    with op.batch_alter_table('barcodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_barcodes_product_id'), ['product_id'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sale_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('tendered', sa.Integer(), nullable=False),
    sa.Column('change', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.CheckConstraint("method IN ('cash','card','qr')", name=op.f('ck_payments_method')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payments_amount')),
    sa.CheckConstraint('change >= 0', name=op.f('ck_payments_change')),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], name=op.f('fk_payments_sale_id_sales')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_sale_id'), ['sale_id'], unique=False)

    op.create_table('print_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('sale_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=200), nullable=False),
    sa.Column('printed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], name=op.f('fk_print_jobs_sale_id_sales')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_jobs'))
    )
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_jobs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_print_jobs_status'), ['status'], unique=False)

    op.create_table('sale_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sale_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('sale_mode', sa.String(length=8), nullable=False),
    sa.Column('uom', sa.String(length=8), nullable=False),
    sa.Column('unit_price', sa.Integer(), nullable=False),
    sa.Column('tax_rate_bp', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('line_total', sa.Integer(), nullable=False),
    sa.Column('tax_amount', sa.Integer(), nullable=False),
    sa.Column('entry', sa.String(length=12), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_sale_lines_quantity')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_sale_lines_product_id_products')),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], name=op.f('fk_sale_lines_sale_id_sales')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sale_lines'))
    )
    with op.batch_alter_table('sale_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sale_lines_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sale_lines_sale_id'), ['sale_id'], unique=False)

    op.create_table('sale_taxes',
    sa.Column('sale_id', sa.Integer(), nullable=False),
    sa.Column('rate_bp', sa.Integer(), nullable=False),
    sa.Column('gross', sa.Integer(), nullable=False),
    sa.Column('tax', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], name=op.f('fk_sale_taxes_sale_id_sales')),
    sa.PrimaryKeyConstraint('sale_id', 'rate_bp', name=op.f('pk_sale_taxes'))
    )
    op.create_table('stock_movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=12), nullable=False),
    sa.Column('detail', sa.String(length=64), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('sale_id', sa.Integer(), nullable=True),
    sa.Column('unit_cost', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("reason IN ('sale','return','restock','adjustment','count')", name=op.f('ck_stock_movements_reason')),
    sa.CheckConstraint('quantity <> 0', name=op.f('ck_stock_movements_quantity')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_movements_product_id_products')),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], name=op.f('fk_stock_movements_sale_id_sales')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_stock_movements_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements'))
    )
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_movements_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_product_id'), ['product_id'], unique=False)
        batch_op.create_index('ix_stock_movements_product_time', ['product_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_sale_id'), ['sale_id'], unique=False)


    for statement in SEARCH_SQL + LEDGER_SQL:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_SQL:
        op.execute(statement)
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_movements_sale_id'))
        batch_op.drop_index('ix_stock_movements_product_time')
        batch_op.drop_index(batch_op.f('ix_stock_movements_product_id'))
        batch_op.drop_index(batch_op.f('ix_stock_movements_created_at'))

    op.drop_table('stock_movements')
    op.drop_table('sale_taxes')
    with op.batch_alter_table('sale_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sale_lines_sale_id'))
        batch_op.drop_index(batch_op.f('ix_sale_lines_product_id'))

    op.drop_table('sale_lines')
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_print_jobs_status'))
        batch_op.drop_index(batch_op.f('ix_print_jobs_created_at'))

    op.drop_table('print_jobs')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_sale_id'))

    op.drop_table('payments')
    with op.batch_alter_table('barcodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_barcodes_product_id'))

    op.drop_table('barcodes')
    with op.batch_alter_table('sales', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_created_at'))

    op.drop_table('sales')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_search_name'))
        batch_op.drop_index(batch_op.f('ix_products_category_id'))
        batch_op.drop_index(batch_op.f('ix_products_active'))

    op.drop_table('products')
    with op.batch_alter_table('auth_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_events_created_at'))

    op.drop_table('auth_events')
    op.drop_table('users')
    op.drop_table('settings')
    op.drop_table('categories')
