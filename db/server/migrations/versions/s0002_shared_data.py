"""shared data coming down: customers, users (PIN hashes, never PINs) and shop-wide
settings with change numbers like the catalog; the stock ledger numbered too, so a
till pulls the other tills' stock totals by change number

Revision ID: s0002_shared_data
Revises: s0001_server
Create Date: 2026-12-02 18:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0002_shared_data"
down_revision = "s0001_server"
branch_labels = None
depends_on = None

NEW_SHARED = ("customers", "users", "settings")

# The other tills' stock of every product moved after change ``since``: tills may not
# read the ledger's rows (other tills' documents), only these totals. The caller's till
# is the one whose role is current_user.
STOCK_FUNCTION = """CREATE FUNCTION kiosk_stock_since(since bigint)
RETURNS TABLE (sku varchar, quantity bigint, change_no bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    WITH me AS (SELECT coalesce((SELECT id FROM tills WHERE role = session_user), -1) AS id),
         moved AS (SELECT m.sku, max(m.change_no) AS change_no FROM stock_movements m, me
                   WHERE m.change_no > since AND m.till_id <> me.id GROUP BY m.sku)
    SELECT moved.sku, coalesce(sum(m.quantity), 0)::bigint, moved.change_no
    FROM moved JOIN stock_movements m ON m.sku = moved.sku, me
    WHERE m.till_id <> me.id GROUP BY moved.sku, moved.change_no
$$"""


def upgrade() -> None:
    # Tills now write shared rows (staff edits) through their own role: the change
    # number is taken with the function owner's rights on the sequence.
    op.execute("ALTER FUNCTION kiosk_next_change() SECURITY DEFINER")
    op.execute("ALTER FUNCTION kiosk_next_change() SET search_path = public")
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("id_type", sa.String(2), nullable=False),
        sa.Column("id_number", sa.String(20), nullable=False),
        sa.Column("dv", sa.String(1), nullable=False, server_default=""),
        sa.Column("person", sa.String(8), nullable=False, server_default="natural"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(120), nullable=False, server_default=""),
        sa.Column("phone", sa.String(32), nullable=False, server_default=""),
        sa.Column("address", sa.String(200), nullable=False, server_default=""),
        sa.Column("city_code", sa.String(5), nullable=False, server_default=""),
        sa.Column("responsibilities", sa.String(64), nullable=False, server_default="R-99-PN"),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("change_no", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("id_type", "id_number", name="uq_customers_identification"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("pin_hash", sa.String(255), nullable=False),
        sa.Column("must_change_pin", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("change_no", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("change_no", sa.BigInteger, nullable=False),
    )
    for table in NEW_SHARED:
        op.create_index(f"ix_{table}_change_no", table, ["change_no"])
        op.execute(f"""CREATE TRIGGER {table}_change_no BEFORE INSERT OR UPDATE ON {table}
            FOR EACH ROW EXECUTE FUNCTION kiosk_next_change()""")
    op.add_column("stock_movements", sa.Column("change_no", sa.BigInteger))
    op.execute("UPDATE stock_movements SET change_no = nextval('kiosk_change_no')")
    op.alter_column("stock_movements", "change_no", nullable=False)
    op.create_index("ix_stock_movements_change_no", "stock_movements", ["change_no"])
    op.execute("""CREATE TRIGGER stock_movements_change_no BEFORE INSERT ON stock_movements
        FOR EACH ROW EXECUTE FUNCTION kiosk_next_change()""")
    op.execute(STOCK_FUNCTION)


def downgrade() -> None:
    op.execute("DROP FUNCTION kiosk_stock_since(bigint)")
    op.execute("DROP TRIGGER stock_movements_change_no ON stock_movements")
    op.drop_index("ix_stock_movements_change_no", "stock_movements")
    op.drop_column("stock_movements", "change_no")
    for table in reversed(NEW_SHARED):
        op.drop_table(table)
    op.execute("ALTER FUNCTION kiosk_next_change() SECURITY INVOKER")
    op.execute("ALTER FUNCTION kiosk_next_change() RESET search_path")
