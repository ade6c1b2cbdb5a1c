"""A sale the screen showed as done must survive a power cut, and a cut in the middle
of a sale must leave nothing half-written. SIGKILL is the closest a test gets."""

import random

import pytest

from kiosk.app_factory import build
from kiosk.demo import load_demo
from tests.conftest import make_settings
from tests.invariants import check_invariants
from tests.power_cut import run_until_killed

KILLS = 20


@pytest.mark.slow
def test_checkouts_killed_at_random_moments(state_dir):
    app = build(make_settings(state_dir))
    load_demo(app.db, app.state_dir)
    app.close()
    rng = random.Random(1234)
    confirmed = 0  # highest sale number the child reported as committed
    for kill in range(KILLS):
        out = run_until_killed("tests/db/checkout_worker.py", state_dir, kill, rng.uniform(0.02, 0.4))
        numbers = [int(n) for n in out.split()]
        if numbers:
            confirmed = max(confirmed, numbers[-1])
        reopened = build(make_settings(state_dir))
        check_invariants(reopened.db)  # integrity ok, ledger = stock, numbers gap-free, no half sales
        assert reopened.sales.last_number() >= confirmed  # nothing reported as done was lost
        reopened.close()
    assert confirmed > KILLS  # the children really were selling when killed
