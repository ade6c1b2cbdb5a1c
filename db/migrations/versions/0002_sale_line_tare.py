"""sale_lines.tare: grams of container the scale subtracted, printed on the receipt

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN in place (SQLite supports it): no table copy, so the triggers that keep
    # sale lines unchangeable stay as they are.
    with op.batch_alter_table("sale_lines", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("tare", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    # Dropping a column copies the table, which loses its triggers: put 0001's back.
    from importlib import import_module

    ledger_sql = import_module("db.migrations.versions.0001_initial_schema").LEDGER_SQL
    with op.batch_alter_table("sale_lines", recreate="always") as batch_op:
        batch_op.drop_column("tare")
    for sql in ledger_sql:
        if "ON sale_lines" in sql:
            op.execute(sql)
