"""carts and cart_lines: each cashier's cart stored line by line as it changes

A crash, a restart or a power cut in the middle of a sale loses no line; the sale
deletes its cart in its own transaction (kiosk/services/cart_store.py).

Revision ID: 0006_counter_carts
Revises: 0005_confirm
Create Date: 2026-12-05 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_counter_carts"
down_revision = "0005_confirm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "carts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("till_id", sa.Integer(), server_default="1", nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), server_default="open", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('open','parked')", name=op.f("ck_carts_status")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_carts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carts")),
        sa.UniqueConstraint("uuid", name=op.f("uq_carts_uuid")),
    )
    op.create_index(op.f("ix_carts_user_id"), "carts", ["user_id"], unique=False)
    op.create_table(
        "cart_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cart_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("entry", sa.String(length=12), nullable=False),
        sa.Column("fixed_total", sa.Integer(), nullable=True),
        sa.Column("tare", sa.Integer(), server_default="0", nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_cart_lines_quantity")),
        sa.ForeignKeyConstraint(["cart_id"], ["carts.id"], ondelete="CASCADE",
                                name=op.f("fk_cart_lines_cart_id_carts")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_cart_lines_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cart_lines")),
    )
    op.create_index(op.f("ix_cart_lines_product_id"), "cart_lines", ["product_id"], unique=False)
    op.create_index("ux_cart_lines_line", "cart_lines", ["cart_id", "line_no"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_cart_lines_line", table_name="cart_lines")
    op.drop_index(op.f("ix_cart_lines_product_id"), table_name="cart_lines")
    op.drop_table("cart_lines")
    op.drop_index(op.f("ix_carts_user_id"), table_name="carts")
    op.drop_table("carts")
