"""A sale the screen showed as done must survive a power cut, and a cut in the middle
of a sale must leave nothing half-written. SIGKILL is the closest a test gets."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.app_factory import build
from kiosk.demo import load_demo
from tests.conftest import make_settings
from tests.invariants import check_invariants

ROOT = Path(__file__).resolve().parents[2]
KILLS = 20


@pytest.mark.slow
def test_checkouts_killed_at_random_moments(state_dir):
    app = build(make_settings(state_dir))
    load_demo(app.db, app.state_dir)
    app.close()
    rng = random.Random(1234)
    confirmed = 0  # highest sale number the child reported as committed
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for kill in range(KILLS):
        child = subprocess.Popen([sys.executable, str(ROOT / "tests" / "db" / "checkout_worker.py"),
                                  str(state_dir), str(kill)], stdout=subprocess.PIPE, text=True, env=env)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.02, 0.4))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        numbers = [int(n) for n in out.split()]
        if numbers:
            confirmed = max(confirmed, numbers[-1])
        reopened = build(make_settings(state_dir))
        check_invariants(reopened.db)  # integrity ok, ledger = stock, numbers gap-free, no half sales
        assert reopened.sales.last_number() >= confirmed  # nothing reported as done was lost
        reopened.close()
    assert confirmed > KILLS  # the children really were selling when killed
