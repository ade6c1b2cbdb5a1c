"""the shop server's outbox: sync_link (this till's registration, none on a till that
works alone) and sync_outbox, filled by triggers in the same transaction as each
document while the till is registered

Revision ID: 0019_sync
Revises: 0014_perf
Create Date: 2026-12-02 14:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_sync"
down_revision = "0014_perf"
branch_labels = None
depends_on = None

# (table, outbox kind, the document's own time). A migration keeps its own copy of the
# list (kiosk/services/sync_outbox.py has the same one for back-filling at registration).
DOCUMENTS = (
    ("sales", "sale", "created_at"),
    ("stock_movements", "stock_movement", "created_at"),
    ("returns", "return", "created_at"),
    ("sale_voids", "void", "created_at"),
    ("cash_movements", "cash_movement", "created_at"),
    ("till_sessions", "till_session", "opened_at"),
    ("z_reports", "z_report", "created_at"),
    ("audit_log", "audit", "created_at"),
)


def upgrade() -> None:
    op.create_table(
        "sync_link",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("server_till_id", sa.Integer, nullable=False),
        sa.Column("server", sa.String(200), nullable=False),
        sa.Column("till_name", sa.String(64), nullable=False),
        sa.Column("registered_at", sa.DateTime, nullable=False),
        sa.Column("last_push_at", sa.DateTime),
        sa.Column("last_pull_at", sa.DateTime),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.Column("last_error_at", sa.DateTime),
        sa.Column("pulled_change", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "sync_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("doc_uuid", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime),
    )
    op.create_index("ix_sync_outbox_waiting", "sync_outbox", ["id"], sqlite_where=sa.text("sent_at IS NULL"))
    op.execute("""CREATE TRIGGER sync_outbox_no_delete BEFORE DELETE ON sync_outbox BEGIN
        SELECT RAISE(ABORT, 'the sync outbox is never deleted');
    END""")
    for table, kind, when in DOCUMENTS:
        op.execute(f"""CREATE TRIGGER {table}_to_sync_outbox AFTER INSERT ON {table}
            WHEN EXISTS (SELECT 1 FROM sync_link) BEGIN
                INSERT INTO sync_outbox(kind, doc_uuid, created_at) VALUES ('{kind}', NEW.uuid, NEW.{when});
            END""")


def downgrade() -> None:
    for table, _kind, _when in DOCUMENTS:
        op.execute(f"DROP TRIGGER {table}_to_sync_outbox")
    op.execute("DROP TRIGGER sync_outbox_no_delete")
    op.drop_index("ix_sync_outbox_waiting", table_name="sync_outbox")
    op.drop_table("sync_outbox")
    op.drop_table("sync_link")
