"""DIAN transmission: the outbox (each fiscal document's state on its way to DIAN,
written with the document), the append-only log of signed XML, sendings and DIAN's
answers, and the contingency flag of this till.

Exchanges are never changed or deleted (triggers): the signed XML and DIAN's answers
are kept with the database and its backups (DIAN requires at least 5 years).

Revision ID: 0012_dian_outbox
Revises: 0009_fiscal_documents
Create Date: 2026-12-02 11:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_dian_outbox"
down_revision = "0011_shop_day"
branch_labels = None
depends_on = None

STATES = "state IN ('built','signed','sent','accepted','rejected','contingency')"

TRIGGERS = [
    """CREATE TRIGGER dian_exchanges_no_update BEFORE UPDATE ON dian_exchanges BEGIN
        SELECT RAISE(ABORT, 'DIAN exchanges are never changed');
    END""",
    """CREATE TRIGGER dian_exchanges_no_delete BEFORE DELETE ON dian_exchanges BEGIN
        SELECT RAISE(ABORT, 'DIAN exchanges are never deleted');
    END""",
    """CREATE TRIGGER dian_outbox_no_delete BEFORE DELETE ON dian_outbox BEGIN
        SELECT RAISE(ABORT, 'the DIAN outbox keeps every document');
    END""",
    """CREATE TRIGGER dian_outbox_accepted_final BEFORE UPDATE OF state ON dian_outbox
        WHEN OLD.state = 'accepted' AND NEW.state != 'accepted' BEGIN
        SELECT RAISE(ABORT, 'a document DIAN accepted is never sent again');
    END""",
]


def upgrade() -> None:
    op.create_table(
        "dian_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("till_id", sa.Integer(), server_default="1", nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("document_key", sa.String(length=96), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("rule_codes", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(STATES, name=op.f("ck_dian_outbox_state")),
        sa.ForeignKeyConstraint(["document_id"], ["fiscal_documents.id"],
                                name=op.f("fk_dian_outbox_document_id_fiscal_documents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dian_outbox")),
        sa.UniqueConstraint("uuid", name=op.f("uq_dian_outbox_uuid")),
        sa.UniqueConstraint("document_id", name=op.f("uq_dian_outbox_document_id")),
    )
    op.create_index(op.f("ix_dian_outbox_state"), "dian_outbox", ["state"])

    op.create_table(
        "dian_exchanges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("till_id", sa.Integer(), server_default="1", nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=64), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("status_code", sa.String(length=8), nullable=False),
        sa.Column("rule_codes", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("document_key", sa.String(length=96), nullable=False),
        sa.Column("xml_z", sa.LargeBinary(), nullable=True),
        sa.Column("answer_z", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint(STATES, name=op.f("ck_dian_exchanges_state")),
        sa.ForeignKeyConstraint(["document_id"], ["fiscal_documents.id"],
                                name=op.f("fk_dian_exchanges_document_id_fiscal_documents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dian_exchanges")),
        sa.UniqueConstraint("uuid", name=op.f("uq_dian_exchanges_uuid")),
    )
    op.create_index(op.f("ix_dian_exchanges_document_id"), "dian_exchanges", ["document_id"])

    op.create_table(
        "dian_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contingency", sa.Boolean(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure", sa.Text(), nullable=False),
        sa.Column("last_contact_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dian_link")),
    )
    # Documents written before this revision join the queue as built (oldest first).
    op.execute("""INSERT INTO dian_outbox (uuid, till_id, document_id, state, attempts, document_key, last_error,
                  rule_codes, created_at, updated_at)
                  SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
                         || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-'
                         || hex(randomblob(6))), till_id, id, 'built', 0, '', '', '', issued_at, issued_at
                  FROM fiscal_documents WHERE till_id = 1 ORDER BY id""")
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for name in ("dian_exchanges_no_update", "dian_exchanges_no_delete", "dian_outbox_no_delete",
                 "dian_outbox_accepted_final"):
        op.execute(f"DROP TRIGGER {name}")
    op.drop_table("dian_link")
    op.drop_table("dian_exchanges")
    op.drop_table("dian_outbox")
