"""A return or void cut by a power failure leaves nothing half-written: every return
has its lines, refund payments, stock movements and exactly one ticket; every voided
sale has its void document and its stock back; nothing reported done is lost."""

import random

import pytest

from kiosk.app_factory import build
from kiosk.demo import load_demo
from tests.conftest import make_settings
from tests.invariants import check_invariants
from tests.power_cut import reported, run_until_killed

KILLS = 12


def _documents_whole(db) -> None:  # noqa: ANN001
    conn = db.raw_connection()
    try:
        bad_returns = conn.execute("""
            SELECT r.number FROM returns r
            WHERE NOT EXISTS (SELECT 1 FROM return_lines l WHERE l.return_id = r.id)
               OR (SELECT COUNT(*) FROM print_jobs j WHERE j.kind = 'return' AND j.sale_id = r.sale_id)
                  < (SELECT COUNT(*) FROM returns r2 WHERE r2.sale_id = r.sale_id)
               OR NOT EXISTS (SELECT 1 FROM stock_movements m WHERE m.reference = printf('D%06d', r.number))
                  AND EXISTS (SELECT 1 FROM return_lines l JOIN products p ON p.id = l.product_id
                              WHERE l.return_id = r.id AND p.sale_mode != 'service')""").fetchall()
        assert not bad_returns, f"returns written half-way: {bad_returns[:5]}"
        bad_voids = conn.execute("""
            SELECT s.number FROM sales s
            WHERE (s.status = 'voided') != EXISTS (SELECT 1 FROM sale_voids v WHERE v.sale_id = s.id)
               OR (s.status = 'voided' AND (SELECT COUNT(*) FROM print_jobs j WHERE j.kind = 'void'
                                            AND j.sale_id = s.id) != 1)""").fetchall()
        assert not bad_voids, f"voids written half-way: {bad_voids[:5]}"
    finally:
        conn.close()


@pytest.mark.slow
def test_returns_and_voids_killed_at_random_moments(state_dir):
    app = build(make_settings(state_dir))
    load_demo(app.db, app.state_dir)
    app.close()
    rng = random.Random(1414)
    confirmed = {"S": 0, "R": 0, "V": set()}
    for kill in range(KILLS):
        out = run_until_killed("tests/db/return_worker.py", state_dir, kill, rng.uniform(0.05, 0.6))
        for kind, number in reported(out, r"([SRV]) (\d+)"):
            if kind == "V":
                confirmed["V"].add(int(number))
            else:
                confirmed[kind] = max(confirmed[kind], int(number))
        reopened = build(make_settings(state_dir))
        check_invariants(reopened.db)  # ledger = stock, gap-free sales and returns, nothing over-returned
        _documents_whole(reopened.db)
        assert reopened.sales.last_number() >= confirmed["S"]
        last_return = reopened.returns.returns(limit=1)
        assert (last_return[0].number if last_return else 0) >= confirmed["R"]
        for number in confirmed["V"]:
            assert reopened.sales.detail(number=number).summary.status == "voided"
        reopened.close()
    assert confirmed["R"] > KILLS // 2  # the children really were returning when killed
