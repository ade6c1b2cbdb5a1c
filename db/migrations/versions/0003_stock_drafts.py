"""stock_drafts: counts and deliveries in progress, stored as they are scanned

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 13:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stock_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('count','delivery')", name=op.f("ck_stock_drafts_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_drafts")),
        sa.UniqueConstraint("kind", name=op.f("uq_stock_drafts_kind")),
    )
    op.create_table(
        "stock_draft_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=True),
        sa.Column("unit_cost", sa.Integer(), nullable=True),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_stock_draft_lines_quantity")),
        sa.ForeignKeyConstraint(["draft_id"], ["stock_drafts.id"], ondelete="CASCADE",
                                name=op.f("fk_stock_draft_lines_draft_id_stock_drafts")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"],
                                name=op.f("fk_stock_draft_lines_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_draft_lines")),
    )
    op.create_index("ux_stock_draft_lines_product", "stock_draft_lines", ["draft_id", "product_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_stock_draft_lines_product", table_name="stock_draft_lines")
    op.drop_table("stock_draft_lines")
    op.drop_table("stock_drafts")
