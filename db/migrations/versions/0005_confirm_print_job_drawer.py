"""print_jobs.drawer: the cash drawer decision of a sale, written with the sale and
its receipt in one transaction

'' no drawer for this job; 'kick' the kick is inside the receipt's bytes; 'relay'
a GPIO relay opens it right after the sale is stored, then 'opened' or 'failed';
'missed' the kiosk stopped before it could (never opened later: a drawer that pops
open long after the sale is worse than one a manager opens by hand).

Revision ID: 0005_confirm
Revises: 0004
Create Date: 2026-12-03 09:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_confirm"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("print_jobs", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("drawer", sa.String(length=8), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("print_jobs") as batch_op:
        batch_op.drop_column("drawer")
