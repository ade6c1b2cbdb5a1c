"""the shop server: tills, documents and the stock ledger going up, categories and
products (with a change number) coming down

Revision ID: s0001_server
Revises:
Create Date: 2026-12-02 14:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "s0001_server"
down_revision = None
branch_labels = None
depends_on = None

# One change number for everything tills pull. The trigger takes a transaction-level
# advisory lock before its number, so edits commit in the order of their numbers and a
# till that has seen change N never misses a change below N committed later.
CHANGE_FUNCTION = """CREATE FUNCTION kiosk_next_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7201019);
    NEW.change_no := nextval('kiosk_change_no');
    RETURN NEW;
END $$"""


def upgrade() -> None:
    op.create_table(
        "tills",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(63), nullable=False, unique=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "documents",
        sa.Column("uuid", sa.String(36), primary_key=True),
        sa.Column("till_id", sa.Integer, sa.ForeignKey("tills.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("number", sa.Integer),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_documents_till_kind_created", "documents", ["till_id", "kind", "created_at"])
    op.create_table(
        "stock_movements",
        sa.Column("uuid", sa.String(36), primary_key=True),
        sa.Column("till_id", sa.Integer, sa.ForeignKey("tills.id"), nullable=False),
        sa.Column("sku", sa.String(32), nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.String(12), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_stock_movements_sku", "stock_movements", ["sku"])
    op.execute("CREATE SEQUENCE kiosk_change_no")
    op.execute(CHANGE_FUNCTION)
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False, server_default="goods"),
        sa.Column("color", sa.String(9), nullable=False, server_default="#607D8B"),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("change_no", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sku", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("brand", sa.String(64), nullable=False, server_default=""),
        sa.Column("category", sa.String(64)),
        sa.Column("sale_mode", sa.String(8), nullable=False),
        sa.Column("uom", sa.String(8), nullable=False),
        sa.Column("price", sa.BigInteger, nullable=False),
        sa.Column("cost", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("tax_rate_bp", sa.Integer, nullable=False, server_default="0"),
        sa.Column("low_stock", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("barcodes", JSONB, nullable=False, server_default="[]"),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("change_no", sa.BigInteger, nullable=False),
    )
    for table in ("categories", "products"):
        op.create_index(f"ix_{table}_change_no", table, ["change_no"])
        op.execute(f"""CREATE TRIGGER {table}_change_no BEFORE INSERT OR UPDATE ON {table}
            FOR EACH ROW EXECUTE FUNCTION kiosk_next_change()""")


def downgrade() -> None:
    for table in ("products", "categories"):
        op.drop_table(table)
    op.execute("DROP FUNCTION kiosk_next_change()")
    op.execute("DROP SEQUENCE kiosk_change_no")
    op.drop_table("stock_movements")
    op.drop_table("documents")
    op.drop_table("tills")
