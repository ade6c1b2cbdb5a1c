"""Plain helpers shared by the inventory tests."""

from __future__ import annotations

from kiosk.core.units import SaleMode, Uom
from kiosk.services.inventory import ProductDraft


def draft(**overrides: object) -> ProductDraft:
    values: dict = dict(sku="NEW-1", name="Jabón líquido avena", sale_mode=SaleMode.VOLUME, uom=Uom.L,
                        price=440, cost=200, tax_rate_bp=0, brand="Dermia")
    values.update(overrides)
    return ProductDraft(**values)


def ledger_sum(app, product_id: int) -> int:  # noqa: ANN001
    conn = app.db.raw_connection()
    try:
        return conn.execute("SELECT COALESCE(SUM(quantity), 0) FROM stock_movements WHERE product_id = ?",
                            (product_id,)).fetchone()[0]
    finally:
        conn.close()


def movement_count(app) -> int:  # noqa: ANN001
    conn = app.db.raw_connection()
    try:
        return conn.execute("SELECT COUNT(*) FROM stock_movements").fetchone()[0]
    finally:
        conn.close()
