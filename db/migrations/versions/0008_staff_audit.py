"""staff and audit: the append-only, hash-chained audit log (replacing auth_events,
whose rows it takes over), and on users the PIN-lookup column, the "must change the
PIN" flag and the time of the last sign-in

The old authentication events keep their UUID, till and time; they are chained in
their original order. Triggers refuse UPDATE and DELETE on the audit log.

Revision ID: 0008_staff_audit
Revises: 0007_long_writers
Create Date: 2026-12-10 09:00:00
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

from kiosk.core.audit_chain import GENESIS, row_hash, time_text

revision = "0008_staff_audit"
down_revision = "0007_long_writers"
branch_labels = None
depends_on = None

# auth_events' event names -> audit acts (the rest keep their name)
RENAMED = {"login": "sign_in", "staff_access": "authorised", "drawer_pin": "authorised",
           "staff_denied": "authorisation_refused", "drawer_denied": "authorisation_refused"}
NO_UPDATE = """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only');
    END"""
NO_DELETE = """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only');
    END"""


def _time(value: object) -> str:
    if isinstance(value, datetime):
        return time_text(value)
    return time_text(datetime.fromisoformat(str(value)))


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("pin_lookup", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("must_change_pin", sa.Boolean(), server_default="0", nullable=False))
        batch.add_column(sa.Column("last_login_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_users_pin_lookup", ["pin_lookup"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("till_id", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("act", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("authorised_by", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users")),
        sa.ForeignKeyConstraint(["authorised_by"], ["users.id"], name=op.f("fk_audit_log_authorised_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_uuid", "audit_log", ["uuid"], unique=True)
    op.create_index("ix_audit_log_created_at", "audit_log", ["created_at"], unique=False)
    op.create_index("ix_audit_log_act", "audit_log", ["act"], unique=False)
    op.create_index("ix_audit_log_user_id", "audit_log", ["user_id"], unique=False)

    conn = op.get_bind()
    prev: dict[int, str] = {}
    rows = conn.execute(sa.text("SELECT id, uuid, till_id, created_at, user_id, event, detail FROM auth_events "
                                "ORDER BY id")).all()
    insert = sa.text("INSERT INTO audit_log (uuid, till_id, created_at, act, user_id, authorised_by, subject, "
                     "before, after, origin, prev_hash, row_hash) VALUES (:uuid, :till_id, :created_at, :act, "
                     ":user_id, NULL, :subject, NULL, NULL, 'migrated', :prev_hash, :row_hash)")
    for r in rows:
        content = {"uuid": r.uuid, "till_id": r.till_id, "created_at": _time(r.created_at),
                   "act": RENAMED.get(r.event, r.event)[:32], "user_id": r.user_id, "authorised_by": None,
                   "subject": (r.detail or "")[:200], "before": None, "after": None, "origin": "migrated"}
        link = prev.get(r.till_id, GENESIS)
        digest = row_hash(content, link)
        conn.execute(insert, {**content, "prev_hash": link, "row_hash": digest})
        prev[r.till_id] = digest
    conn.execute(sa.text("UPDATE users SET last_login_at = (SELECT MAX(created_at) FROM audit_log a "
                         "WHERE a.user_id = users.id AND a.act IN ('sign_in', 'unlock'))"))
    op.drop_table("auth_events")
    op.execute(NO_UPDATE)
    op.execute(NO_DELETE)


def downgrade() -> None:
    op.create_table(
        "auth_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=True),
        sa.Column("till_id", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_auth_events_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_events")),
    )
    op.create_index("ix_auth_events_created_at", "auth_events", ["created_at"], unique=False)
    op.create_index("ix_auth_events_uuid", "auth_events", ["uuid"], unique=True)
    op.execute("INSERT INTO auth_events (created_at, user_id, event, detail, uuid, till_id) "
               "SELECT created_at, user_id, substr(act, 1, 24), subject, uuid, till_id FROM audit_log ORDER BY id")
    op.execute("""CREATE TRIGGER auth_events_uuid_required BEFORE INSERT ON auth_events
        WHEN NEW.uuid IS NULL BEGIN
            SELECT RAISE(ABORT, 'auth_events rows need a uuid');
        END""")
    op.execute("DROP TRIGGER audit_log_no_update")
    op.execute("DROP TRIGGER audit_log_no_delete")
    op.drop_table("audit_log")
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_pin_lookup")
        batch.drop_column("last_login_at")
        batch.drop_column("must_change_pin")
        batch.drop_column("pin_lookup")
