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
            SELECT p.id, p.sku, p.stock, p.stock_others + COALESCE(SUM(m.quantity), 0) AS ledger
            FROM products p LEFT JOIN stock_movements m ON m.product_id = p.id
            GROUP BY p.id HAVING p.stock != ledger""").fetchall()
        assert not drift, f"stock differs from the ledger sum (plus the other tills' pulled): {drift[:5]}"
        numbers = [r[0] for r in conn.execute("SELECT number FROM sales ORDER BY number")]
        assert numbers == list(range(1, len(numbers) + 1)), f"sale numbers have gaps: {numbers[:20]}"
        orphans = conn.execute("""
            SELECT s.number FROM sales s
            WHERE NOT EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id)
               OR s.total != (SELECT COALESCE(SUM(amount), 0) FROM payments p WHERE p.sale_id = s.id)
               OR s.total != (SELECT COALESCE(SUM(line_total), 0) FROM sale_lines l WHERE l.sale_id = s.id)
        """).fetchall()
        assert not orphans, f"sales without matching lines/payments: {orphans[:5]}"
        returns = [r[0] for r in conn.execute("SELECT number FROM returns ORDER BY number")]
        assert returns == list(range(1, len(returns) + 1)), f"return numbers have gaps: {returns[:20]}"
        bad_returns = conn.execute("""
            SELECT r.number FROM returns r
            WHERE r.total != (SELECT COALESCE(SUM(refund), 0) FROM return_lines l WHERE l.return_id = r.id)
               OR r.total != (SELECT COALESCE(SUM(amount), 0) FROM return_payments p WHERE p.return_id = r.id)
        """).fetchall()
        assert not bad_returns, f"returns whose lines or payments differ from the total: {bad_returns[:5]}"
        over = conn.execute("""
            SELECT l.sale_id, l.position FROM sale_lines l
            WHERE l.quantity < (SELECT COALESCE(SUM(quantity), 0) FROM return_lines r WHERE r.sale_line_id = l.id)
               OR l.line_total < (SELECT COALESCE(SUM(refund), 0) FROM return_lines r WHERE r.sale_line_id = l.id)
        """).fetchall()
        assert not over, f"more returned than sold: {over[:5]}"
    finally:
        conn.close()
