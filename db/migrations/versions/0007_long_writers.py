"""long writers: import_jobs (a CSV import applied in short transactions, resumable
after a crash) and stock_drafts.applying_by/applying_at (a count or delivery applied
the same way)

Revision ID: 0007_long_writers
Revises: 0006_counter_carts
Create Date: 2026-12-02 04:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_long_writers"
down_revision = "0006_counter_carts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("till_id", sa.Integer(), server_default="1", nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("staging", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("stock_changes", sa.Integer(), nullable=False),
        sa.Column("new_categories", sa.Text(), nullable=False),
        sa.Column("phase", sa.String(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("error", sa.String(length=255), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("phase IN ('categories','barcodes','rows','done')", name=op.f("ck_import_jobs_phase")),
        sa.CheckConstraint("status IN ('applying','done','failed')", name=op.f("ck_import_jobs_status")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_import_jobs_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
        sa.UniqueConstraint("uuid", name=op.f("uq_import_jobs_uuid")),
    )
    op.create_index(op.f("ix_import_jobs_status"), "import_jobs", ["status"], unique=False)
    op.add_column("stock_drafts", sa.Column("applying_by", sa.Integer(), nullable=True))
    op.add_column("stock_drafts", sa.Column("applying_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stock_drafts") as batch:
        batch.drop_column("applying_at")
        batch.drop_column("applying_by")
    op.drop_index(op.f("ix_import_jobs_status"), table_name="import_jobs")
    op.drop_table("import_jobs")
