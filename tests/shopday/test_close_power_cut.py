"""A SIGKILL (or a power cut) in the middle of Cerrar caja: the Z is either complete or
not there, never half written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from kiosk.app_factory import build
from kiosk.services.access import TECHNICIAN
from tests.conftest import make_settings
from tests.shopday.conftest import DAY

ROOT = Path(__file__).resolve().parents[2]


def _counts(app) -> tuple:
    with app.db.read() as s:
        return tuple(s.execute(text(sql)).scalar() for sql in (
            "SELECT COUNT(*) FROM z_reports", "SELECT COUNT(*) FROM print_jobs WHERE kind = 'z_report'",
            "SELECT COUNT(*) FROM audit_log WHERE act = 'till_closed'",
            "SELECT COUNT(*) FROM till_sessions WHERE status = 'closed'"))


def test_a_closing_killed_inside_its_transaction_leaves_no_z(day, cashier):
    day.sessions.open(cashier, amount=1000)
    state = day.state_dir
    day.close()
    marker = state / "inside.marker"
    child = subprocess.Popen([sys.executable, "tests/shopday/close_worker.py", str(state), str(marker)], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    try:
        while not marker.exists():  # condition-based: the child is inside the transaction
            assert child.poll() is None, child.stderr.read().decode()
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    app = build(make_settings(state, **DAY))
    try:
        assert _counts(app) == (0, 0, 0, 0)
        assert app.sessions.current() is not None  # still open: close it again
        z = app.sessions.close(TECHNICIAN, counted=1000)
        assert z.number == 1 and z.difference == 0
        assert _counts(app) == (1, 1, 1, 1)
        with app.db.read() as s:
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        app.close()
