"""reports across tills: the documents of a kind by time, for every till at once
(report daily --all-tills and Resumen read a day's sales, voids, cash movements and
Z reports of the whole shop; the older index leads with the till)

Revision ID: s0003_reports
Revises: s0001_server
Create Date: 2026-12-02 18:20:00
"""
from __future__ import annotations

from alembic import op

revision = "s0003_reports"
down_revision = "s0002_shared_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_documents_kind_created", "documents", ["kind", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_documents_kind_created", table_name="documents")
