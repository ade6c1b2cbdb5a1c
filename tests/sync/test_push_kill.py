"""A till killed with SIGKILL in the middle of a push (after the server committed a
batch, before the till marked it sent), then pushing again: nothing lost, nothing
doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import text

from kiosk.services.sync_link import register
from kiosk.services.sync_push import push, waiting_count
from tests.sync.tills import make_till, sell

ROOT = Path(__file__).resolve().parents[2]


def test_a_till_killed_mid_push_loses_and_doubles_nothing(tmp_path, server_url):
    till = make_till(tmp_path, None, "t")
    register(till.db, till.state_dir, server_url, "Caja 1")
    sell(till, 5)
    state = till.state_dir
    with till.db.read() as s:
        total = s.execute(text("SELECT count(*) FROM sync_outbox")).scalar()
    assert total > 60  # more than three batches of 20
    till.close()
    marker = state / "committed.marker"
    child = subprocess.Popen([sys.executable, "tests/sync/push_worker.py", str(state), str(marker)], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    try:
        while not marker.exists():  # condition-based: the second batch is on the server
            assert child.poll() is None, child.stderr.read().decode()
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    with psycopg.connect(server_url) as conn:
        on_server = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    from db.engine import Database

    db = Database(state / "kiosk.db")
    try:
        assert on_server == 40 and waiting_count(db) == total - 20  # the second batch: on the server, unmarked
        again = push(db, state)
        assert again.ok and again.waiting == 0 and again.pushed == total - 20
        with psycopg.connect(server_url) as conn:
            server = [r[0] for r in conn.execute("SELECT uuid FROM documents")]
        with db.read() as s:
            local = list(s.execute(text("SELECT doc_uuid FROM sync_outbox")).scalars())
        assert len(server) == len(set(server)) == total and set(server) == set(local)
    finally:
        db.dispose()
