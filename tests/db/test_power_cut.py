"""A sale the screen showed as done must survive a power cut, and a cut in the middle
of a sale must leave nothing half-written - its receipt's print job included: every
stored sale has exactly one receipt job, with the drawer decision for cash. SIGKILL
is the closest a test gets."""

import random

import pytest

from kiosk.app_factory import build
from kiosk.demo import load_demo
from tests.conftest import make_settings
from tests.invariants import check_invariants
from tests.power_cut import reported, run_until_killed

KILLS = 20


def _every_sale_has_its_receipt(db) -> None:  # noqa: ANN001
    conn = db.raw_connection()
    try:
        rows = conn.execute("""
            SELECT s.number, COUNT(j.id), GROUP_CONCAT(j.drawer),
                   EXISTS (SELECT 1 FROM payments p WHERE p.sale_id = s.id AND p.method = 'cash')
            FROM sales s LEFT JOIN print_jobs j ON j.sale_id = s.id AND j.kind = 'receipt'
            GROUP BY s.id""").fetchall()
    finally:
        conn.close()
    bad = [r for r in rows if r[1] != 1 or (r[2] or "") != ("kick" if r[3] else "")]
    assert not bad, f"sales without exactly one receipt job and its drawer decision: {bad[:5]}"


@pytest.mark.slow
def test_checkouts_killed_at_random_moments(state_dir):
    app = build(make_settings(state_dir))
    load_demo(app.db, app.state_dir)
    app.close()
    rng = random.Random(1234)
    confirmed = 0  # highest sale number the child reported as committed
    for kill in range(KILLS):
        out = run_until_killed("tests/db/checkout_worker.py", state_dir, kill, rng.uniform(0.02, 0.4))
        numbers = [int(n) for (n,) in reported(out, r"(\d+)")]
        if numbers:
            confirmed = max(confirmed, numbers[-1])
        reopened = build(make_settings(state_dir))
        check_invariants(reopened.db)  # integrity ok, ledger = stock, numbers gap-free, no half sales
        _every_sale_has_its_receipt(reopened.db)
        assert reopened.sales.last_number() >= confirmed  # nothing reported as done was lost
        reopened.close()
    assert confirmed > KILLS  # the children really were selling when killed
