"""fiscal profile (Colombia): customers, numbering resolutions per till and kind, and
fiscal documents (POS documents, invoices, credit notes) with their lines

Resolutions, documents and their lines are never changed or deleted (triggers); a
resolution may only be switched off. A document's number is unique in its resolution.

Revision ID: 0009_fiscal_documents
Revises: 0007_long_writers
Create Date: 2026-12-02 04:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_fiscal_documents"
down_revision = "0007_long_writers"
branch_labels = None
depends_on = None

TRIGGERS = [
    """CREATE TRIGGER numbering_resolutions_fixed BEFORE UPDATE OF uuid, till_id, kind, resolution,
        resolution_date, prefix, range_from, range_to, valid_from, valid_to, technical_key
        ON numbering_resolutions BEGIN
        SELECT RAISE(ABORT, 'a numbering resolution is never changed: deactivate it and add the right one');
    END""",
    """CREATE TRIGGER numbering_resolutions_no_delete BEFORE DELETE ON numbering_resolutions BEGIN
        SELECT RAISE(ABORT, 'numbering resolutions are never deleted: deactivate it');
    END""",
    """CREATE TRIGGER fiscal_documents_no_update BEFORE UPDATE ON fiscal_documents BEGIN
        SELECT RAISE(ABORT, 'fiscal documents are never changed: a credit note corrects them');
    END""",
    """CREATE TRIGGER fiscal_documents_no_delete BEFORE DELETE ON fiscal_documents BEGIN
        SELECT RAISE(ABORT, 'fiscal documents are never deleted');
    END""",
    """CREATE TRIGGER fiscal_document_lines_no_update BEFORE UPDATE ON fiscal_document_lines BEGIN
        SELECT RAISE(ABORT, 'fiscal document lines are never changed');
    END""",
    """CREATE TRIGGER fiscal_document_lines_no_delete BEFORE DELETE ON fiscal_document_lines BEGIN
        SELECT RAISE(ABORT, 'fiscal document lines are never deleted');
    END""",
]


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("id_type", sa.String(length=2), nullable=False),
        sa.Column("id_number", sa.String(length=20), nullable=False),
        sa.Column("dv", sa.String(length=1), nullable=False),
        sa.Column("person", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("search_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("city_code", sa.String(length=5), nullable=False),
        sa.Column("responsibilities", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("id_type IN ('13','31','22','41','12','42')", name=op.f("ck_customers_id_type")),
        sa.CheckConstraint("person IN ('legal','natural')", name=op.f("ck_customers_person")),
        sa.CheckConstraint("dv = '' OR id_type = '31'", name=op.f("ck_customers_dv")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("uuid", name=op.f("uq_customers_uuid")),
        sa.UniqueConstraint("id_type", "id_number", name="uq_customers_identification"),
    )
    op.create_index("ix_customers_search_name", "customers", ["search_name"])
    op.create_index("ix_customers_active", "customers", ["active"])

    op.create_table(
        "numbering_resolutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("till_id", sa.Integer(), server_default="1", nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("resolution", sa.String(length=32), nullable=False),
        sa.Column("resolution_date", sa.Date(), nullable=False),
        sa.Column("prefix", sa.String(length=4), nullable=False),
        sa.Column("range_from", sa.Integer(), nullable=False),
        sa.Column("range_to", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("technical_key", sa.String(length=128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('pos','invoice','credit','contingency')",
                           name=op.f("ck_numbering_resolutions_kind")),
        sa.CheckConstraint("range_from >= 0 AND range_to >= range_from", name=op.f("ck_numbering_resolutions_range")),
        sa.CheckConstraint("valid_to >= valid_from", name=op.f("ck_numbering_resolutions_validity")),
        sa.ForeignKeyConstraint(["till_id"], ["tills.id"], name=op.f("fk_numbering_resolutions_till_id_tills")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_numbering_resolutions_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_numbering_resolutions")),
        sa.UniqueConstraint("uuid", name=op.f("uq_numbering_resolutions_uuid")),
    )
    op.create_index("ix_numbering_resolutions_till_kind", "numbering_resolutions", ["till_id", "kind"])

    op.create_table(
        "fiscal_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("till_id", sa.Integer(), server_default="1", nullable=False),
        sa.Column("type_code", sa.String(length=2), nullable=False),
        sa.Column("numbering_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=4), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("concept", sa.String(length=1), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("buyer_id_type", sa.String(length=2), nullable=False),
        sa.Column("buyer_id_number", sa.String(length=20), nullable=False),
        sa.Column("buyer_dv", sa.String(length=1), nullable=False),
        sa.Column("buyer_person", sa.String(length=8), nullable=False),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("buyer_email", sa.String(length=120), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("tax_total", sa.Integer(), nullable=False),
        sa.CheckConstraint("type_code IN ('20','08','01','94','91')", name=op.f("ck_fiscal_documents_type_code")),
        sa.CheckConstraint("origin IN ('sale','return','void')", name=op.f("ck_fiscal_documents_origin")),
        sa.CheckConstraint("(corrects_id IS NULL) = (type_code IN ('20','08','01'))",
                           name=op.f("ck_fiscal_documents_corrects")),
        sa.ForeignKeyConstraint(["numbering_id"], ["numbering_resolutions.id"],
                                name=op.f("fk_fiscal_documents_numbering_id_numbering_resolutions")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_fiscal_documents_user_id_users")),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name=op.f("fk_fiscal_documents_sale_id_sales")),
        sa.ForeignKeyConstraint(["corrects_id"], ["fiscal_documents.id"],
                                name=op.f("fk_fiscal_documents_corrects_id_fiscal_documents")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name=op.f("fk_fiscal_documents_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fiscal_documents")),
        sa.UniqueConstraint("uuid", name=op.f("uq_fiscal_documents_uuid")),
        sa.UniqueConstraint("numbering_id", "number", name="uq_fiscal_documents_numbering_number"),
    )
    op.create_index("ix_fiscal_documents_issued_at", "fiscal_documents", ["issued_at"])
    op.create_index("ix_fiscal_documents_sale_id", "fiscal_documents", ["sale_id"])
    op.create_index("ix_fiscal_documents_corrects_id", "fiscal_documents", ["corrects_id"])
    op.create_index("ix_fiscal_documents_customer_id", "fiscal_documents", ["customer_id"])

    op.create_table(
        "fiscal_document_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sale_line_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("uom", sa.String(length=8), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.Column("line_total", sa.Integer(), nullable=False),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=False),
        sa.Column("tax_amount", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_fiscal_document_lines_quantity")),
        sa.CheckConstraint("line_total >= 0 AND tax_amount >= 0", name=op.f("ck_fiscal_document_lines_amounts")),
        sa.ForeignKeyConstraint(["document_id"], ["fiscal_documents.id"],
                                name=op.f("fk_fiscal_document_lines_document_id_fiscal_documents")),
        sa.ForeignKeyConstraint(["sale_line_id"], ["sale_lines.id"],
                                name=op.f("fk_fiscal_document_lines_sale_line_id_sale_lines")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fiscal_document_lines")),
        sa.UniqueConstraint("document_id", "position", name="uq_fiscal_document_lines_position"),
    )
    op.create_index("ix_fiscal_document_lines_document_id", "fiscal_document_lines", ["document_id"])
    op.create_index("ix_fiscal_document_lines_sale_line_id", "fiscal_document_lines", ["sale_line_id"])
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for name in ("numbering_resolutions_fixed", "numbering_resolutions_no_delete", "fiscal_documents_no_update", "fiscal_documents_no_delete",
                 "fiscal_document_lines_no_update", "fiscal_document_lines_no_delete"):
        op.execute(f"DROP TRIGGER {name}")
    op.drop_table("fiscal_document_lines")
    op.drop_table("fiscal_documents")
    op.drop_table("numbering_resolutions")
    op.drop_table("customers")
