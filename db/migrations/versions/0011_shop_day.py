"""the shop day: till sessions (one open per till), cash movements, Z reports numbered
gap-free per till, and each sale's session

Cash movements and Z reports are never changed or deleted (triggers); a closed session
is never changed. Sales get a nullable ``session_id`` (sales rung up before this
migration belong to no session).

Revision ID: 0011_shop_day
Revises: 0009_fiscal_documents
Create Date: 2026-12-02 10:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_shop_day"
down_revision = "0010_returns"
branch_labels = None
depends_on = None

TRIGGERS = {
    "till_sessions_closed_fixed": """CREATE TRIGGER till_sessions_closed_fixed BEFORE UPDATE ON till_sessions
        WHEN OLD.status = 'closed' BEGIN
        SELECT RAISE(ABORT, 'a closed till session is never changed');
    END""",
    "till_sessions_no_delete": """CREATE TRIGGER till_sessions_no_delete BEFORE DELETE ON till_sessions BEGIN
        SELECT RAISE(ABORT, 'till sessions are never deleted');
    END""",
    "cash_movements_no_update": """CREATE TRIGGER cash_movements_no_update BEFORE UPDATE ON cash_movements BEGIN
        SELECT RAISE(ABORT, 'cash movements are never changed: write a movement the other way');
    END""",
    "cash_movements_no_delete": """CREATE TRIGGER cash_movements_no_delete BEFORE DELETE ON cash_movements BEGIN
        SELECT RAISE(ABORT, 'cash movements are never deleted');
    END""",
    "z_reports_no_update": """CREATE TRIGGER z_reports_no_update BEFORE UPDATE ON z_reports BEGIN
        SELECT RAISE(ABORT, 'Z reports are never changed');
    END""",
    "z_reports_no_delete": """CREATE TRIGGER z_reports_no_delete BEFORE DELETE ON z_reports BEGIN
        SELECT RAISE(ABORT, 'Z reports are never deleted');
    END""",
}


def upgrade() -> None:
    op.create_table(
        "till_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("till_id", sa.Integer(), server_default="1", nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.Column("opening_float", sa.Integer(), nullable=False),
        sa.Column("float_counts", sa.Text(), nullable=False),
        sa.Column("auto_opened", sa.Boolean(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("counted", sa.Integer(), nullable=True),
        sa.Column("counted_counts", sa.Text(), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=True),
        sa.Column("difference", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.CheckConstraint("status IN ('open','closed')", name=op.f("ck_till_sessions_status")),
        sa.CheckConstraint("opening_float >= 0", name=op.f("ck_till_sessions_opening_float")),
        sa.ForeignKeyConstraint(["till_id"], ["tills.id"], name=op.f("fk_till_sessions_till_id_tills")),
        sa.ForeignKeyConstraint(["opened_by"], ["users.id"], name=op.f("fk_till_sessions_opened_by_users")),
        sa.ForeignKeyConstraint(["closed_by"], ["users.id"], name=op.f("fk_till_sessions_closed_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_till_sessions")),
        sa.UniqueConstraint("uuid", name=op.f("uq_till_sessions_uuid")),
    )
    op.create_index("ux_till_sessions_open", "till_sessions", ["till_id"], unique=True,
                    sqlite_where=sa.text("status = 'open'"))

    op.create_table(
        "cash_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("till_id", sa.Integer(), server_default="1", nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("authorised_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('in','out')", name=op.f("ck_cash_movements_kind")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_cash_movements_amount")),
        sa.ForeignKeyConstraint(["session_id"], ["till_sessions.id"],
                                name=op.f("fk_cash_movements_session_id_till_sessions")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_cash_movements_user_id_users")),
        sa.ForeignKeyConstraint(["authorised_by"], ["users.id"],
                                name=op.f("fk_cash_movements_authorised_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_movements")),
        sa.UniqueConstraint("uuid", name=op.f("uq_cash_movements_uuid")),
    )
    op.create_index("ix_cash_movements_session_id", "cash_movements", ["session_id"])

    op.create_table(
        "z_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("till_id", sa.Integer(), server_default="1", nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("printed_text", sa.Text(), nullable=False),
        sa.CheckConstraint("number > 0", name=op.f("ck_z_reports_number")),
        sa.ForeignKeyConstraint(["session_id"], ["till_sessions.id"],
                                name=op.f("fk_z_reports_session_id_till_sessions")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_z_reports_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_z_reports")),
        sa.UniqueConstraint("uuid", name=op.f("uq_z_reports_uuid")),
        sa.UniqueConstraint("session_id", name=op.f("uq_z_reports_session_id")),
        sa.UniqueConstraint("till_id", "number", name="uq_z_reports_till_number"),
    )
    op.create_index("ix_z_reports_business_date", "z_reports", ["business_date"])

    # A plain ALTER TABLE ADD COLUMN (no table copy): the sales table keeps its rows,
    # triggers and indexes as they are.
    op.execute("ALTER TABLE sales ADD COLUMN session_id INTEGER "
               "CONSTRAINT fk_sales_session_id_till_sessions REFERENCES till_sessions (id)")
    op.create_index("ix_sales_session_id", "sales", ["session_id"])
    for sql in TRIGGERS.values():
        op.execute(sql)


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_sales_session_id", table_name="sales")
    with op.batch_alter_table("sales") as batch:
        batch.drop_column("session_id")
    op.drop_table("z_reports")
    op.drop_table("cash_movements")
    op.drop_index("ux_till_sessions_open", table_name="till_sessions")
    op.drop_table("till_sessions")
