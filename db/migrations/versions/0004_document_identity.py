"""documents' identity: the tills table (row 1 is this till), a UUID and the till's
id on sales, stock movements and authentication events

Existing rows get a UUID and till 1. SQLite cannot add a column with a computed
default, so the UUID column is nullable and a trigger per table refuses a row written
without one (the models and raw inserts always set it).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 03:00:00
"""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("sales", "stock_movements", "auth_events")
NEW_UUID = ("(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
            "substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
            "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))")
LEDGER_NO_UPDATE = """CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements BEGIN
        SELECT RAISE(ABORT, 'the stock ledger is append-only');
    END"""


def upgrade() -> None:
    op.create_table(
        "tills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tills")),
        sa.UniqueConstraint("uuid", name=op.f("uq_tills_uuid")),
    )
    op.execute(sa.text("INSERT INTO tills (id, uuid, name, created_at) "
                       "VALUES (1, :uuid, 'Caja 1', strftime('%Y-%m-%d %H:%M:%f', 'now'))")
               .bindparams(uuid=str(uuid.uuid4())))
    for table in TABLES:
        op.add_column(table, sa.Column("uuid", sa.String(length=36), nullable=True))
        op.add_column(table, sa.Column("till_id", sa.Integer(), server_default="1", nullable=False))
    # The ledger refuses updates; back-filling the new column is the one exception.
    op.execute("DROP TRIGGER stock_movements_no_update")
    for table in TABLES:
        op.execute(f"UPDATE {table} SET uuid = {NEW_UUID} WHERE uuid IS NULL")
        op.create_index(f"ix_{table}_uuid", table, ["uuid"], unique=True)
        op.execute(f"""CREATE TRIGGER {table}_uuid_required BEFORE INSERT ON {table}
            WHEN NEW.uuid IS NULL BEGIN
                SELECT RAISE(ABORT, '{table} rows need a uuid');
            END""")
    op.execute(LEDGER_NO_UPDATE)


def downgrade() -> None:
    op.execute("DROP TRIGGER stock_movements_no_update")
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_uuid_required")
        op.drop_index(f"ix_{table}_uuid", table_name=table)
        op.drop_column(table, "till_id")
        op.drop_column(table, "uuid")
    op.execute(LEDGER_NO_UPDATE)
    op.drop_table("tills")
