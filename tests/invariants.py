"""Invariants that must hold after any scenario: run ``check_invariants(db)`` at the
end of tests that change sales or stock."""

from __future__ import annotations

from db.backup import integrity
from db.engine import Database


def check_invariants(db: Database) -> None:
    assert integrity(db.path) == "ok"
    conn = db.raw_connection()
    try:
        drift = conn.execute("""
            SELECT p.id, p.sku, p.stock, COALESCE(SUM(m.quantity), 0) AS ledger
            FROM products p LEFT JOIN stock_movements m ON m.product_id = p.id
            GROUP BY p.id HAVING p.stock != ledger""").fetchall()
        assert not drift, f"stock differs from the ledger sum: {drift[:5]}"
        numbers = [r[0] for r in conn.execute("SELECT number FROM sales ORDER BY number")]
        assert numbers == list(range(1, len(numbers) + 1)), f"sale numbers have gaps: {numbers[:20]}"
        orphans = conn.execute("""
            SELECT s.number FROM sales s
            WHERE NOT EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id)
               OR s.total != (SELECT COALESCE(SUM(amount), 0) FROM payments p WHERE p.sale_id = s.id)
               OR s.total != (SELECT COALESCE(SUM(line_total), 0) FROM sale_lines l WHERE l.sale_id = s.id)
        """).fetchall()
        assert not orphans, f"sales without matching lines/payments: {orphans[:5]}"
    finally:
        conn.close()
