"""returns, voids, discounts and parked carts (issue 14)

Returns (with their lines and refund payments) and voids are documents: a UUID, the
till that wrote them, never changed or deleted (triggers). Sale lines and sales get
their discount columns; stored carts get a parking label and time and the discounts
asked on them. Only columns are added to existing tables (SQLite ADD COLUMN keeps
their triggers).

Revision ID: 0010_returns
Revises: 0009_fiscal_documents
Create Date: 2026-12-02 10:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_returns"
down_revision = "0009_fiscal_documents"
branch_labels = None
depends_on = None

DOCUMENTS = ("returns", "return_lines", "return_payments", "sale_voids")
WITH_UUID = ("returns", "sale_voids")


def _document_columns() -> list[sa.Column]:
    return [sa.Column("uuid", sa.String(length=36), nullable=True),
            sa.Column("till_id", sa.Integer(), server_default="1", nullable=False)]


def upgrade() -> None:
    for table in ("sales",):
        op.add_column(table, sa.Column("discount", sa.Integer(), server_default="0", nullable=False))
        op.add_column(table, sa.Column("discount_reason", sa.String(length=64), server_default="", nullable=False))
    op.add_column("sale_lines", sa.Column("list_total", sa.Integer(), nullable=True))
    op.add_column("sale_lines", sa.Column("discount", sa.Integer(), server_default="0", nullable=False))
    op.add_column("sale_lines", sa.Column("discount_reason", sa.String(length=64), server_default="", nullable=False))
    op.add_column("sale_lines", sa.Column("catalog_price", sa.Integer(), nullable=True))
    op.add_column("carts", sa.Column("label", sa.String(length=40), server_default="", nullable=False))
    op.add_column("carts", sa.Column("parked_at", sa.DateTime(), nullable=True))
    for table in ("carts", "cart_lines"):
        op.add_column(table, sa.Column("discount_kind", sa.String(length=8), nullable=True))
        op.add_column(table, sa.Column("discount_value", sa.Integer(), nullable=True))
        op.add_column(table, sa.Column("discount_reason", sa.String(length=64), server_default="", nullable=False))
    op.add_column("cart_lines", sa.Column("override_price", sa.Integer(), nullable=True))
    op.add_column("cart_lines", sa.Column("override_reason", sa.String(length=64), server_default="", nullable=False))

    op.create_table(
        "returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("authorised_by", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=200), server_default="", nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("tax_total", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        *_document_columns(),
        sa.CheckConstraint("number > 0", name=op.f("ck_returns_number")),
        sa.CheckConstraint("reason IN ('damaged','expired','wrong_product','changed_mind')",
                           name=op.f("ck_returns_reason")),
        sa.CheckConstraint("total >= 0", name=op.f("ck_returns_total")),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name=op.f("fk_returns_sale_id_sales")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_returns_user_id_users")),
        sa.ForeignKeyConstraint(["authorised_by"], ["users.id"], name=op.f("fk_returns_authorised_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns")),
        sa.UniqueConstraint("number", name=op.f("uq_returns_number")),
    )
    op.create_index(op.f("ix_returns_created_at"), "returns", ["created_at"])
    op.create_index(op.f("ix_returns_sale_id"), "returns", ["sale_id"])
    op.create_table(
        "return_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sale_line_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("uom", sa.String(length=8), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("refund", sa.Integer(), nullable=False),
        sa.Column("tax_amount", sa.Integer(), nullable=False),
        sa.Column("restock", sa.Boolean(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_return_lines_quantity")),
        sa.CheckConstraint("refund >= 0 AND tax_amount >= 0", name=op.f("ck_return_lines_amounts")),
        sa.ForeignKeyConstraint(["return_id"], ["returns.id"], name=op.f("fk_return_lines_return_id_returns")),
        sa.ForeignKeyConstraint(["sale_line_id"], ["sale_lines.id"],
                                name=op.f("fk_return_lines_sale_line_id_sale_lines")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_return_lines_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_lines")),
    )
    op.create_index(op.f("ix_return_lines_return_id"), "return_lines", ["return_id"])
    op.create_index(op.f("ix_return_lines_sale_line_id"), "return_lines", ["sale_line_id"])
    op.create_table(
        "return_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.CheckConstraint("method IN ('cash','card','qr')", name=op.f("ck_return_payments_method")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_return_payments_amount")),
        sa.ForeignKeyConstraint(["return_id"], ["returns.id"], name=op.f("fk_return_payments_return_id_returns")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_payments")),
    )
    op.create_index(op.f("ix_return_payments_return_id"), "return_payments", ["return_id"])
    op.create_table(
        "sale_voids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("authorised_by", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        *_document_columns(),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name=op.f("fk_sale_voids_sale_id_sales")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sale_voids_user_id_users")),
        sa.ForeignKeyConstraint(["authorised_by"], ["users.id"], name=op.f("fk_sale_voids_authorised_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale_voids")),
        sa.UniqueConstraint("sale_id", name=op.f("uq_sale_voids_sale_id")),
    )
    for table in WITH_UUID:
        op.create_index(f"ix_{table}_uuid", table, ["uuid"], unique=True)
        op.execute(f"""CREATE TRIGGER {table}_uuid_required BEFORE INSERT ON {table}
            WHEN NEW.uuid IS NULL BEGIN
                SELECT RAISE(ABORT, '{table} rows need a uuid');
            END""")
    for table in DOCUMENTS:
        op.execute(f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN
            SELECT RAISE(ABORT, '{table} are documents: never changed');
        END""")
        op.execute(f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN
            SELECT RAISE(ABORT, '{table} are documents: never deleted');
        END""")


def downgrade() -> None:
    for table in DOCUMENTS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    for table in WITH_UUID:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_uuid_required")
    for table in ("sale_voids", "return_payments", "return_lines", "returns"):
        op.drop_table(table)
    with op.batch_alter_table("cart_lines") as b:
        for col in ("override_reason", "override_price", "discount_reason", "discount_value", "discount_kind"):
            b.drop_column(col)
    with op.batch_alter_table("carts") as b:
        for col in ("discount_reason", "discount_value", "discount_kind", "parked_at", "label"):
            b.drop_column(col)
    for table, cols in (("sale_lines", ("catalog_price", "discount_reason", "discount", "list_total")),
                        ("sales", ("discount_reason", "discount"))):
        for col in cols:
            op.drop_column(table, col)
