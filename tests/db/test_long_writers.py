"""Long writers beside the till: a backup holds no write lock at all (WAL: it reads a
snapshot); a big stock count or delivery is written in a few set-based statements
per transaction (not statements per line), and one killed half-way is finished
exactly once."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event

from db import backup as dbbackup
from kiosk.app_factory import Services
from kiosk.bench.catalog_gen import populate
from tests.invariants import check_invariants
from tests.power_cut import kill_when


def test_a_backup_never_keeps_a_sale_waiting(app: Services, tmp_path: Path) -> None:
    conn = app.db.raw_connection()
    populate(conn, 40_000)
    conn.close()
    done = threading.Event()
    errors: list[Exception] = []

    def copy() -> None:
        try:
            dbbackup.backup(app.db.path, tmp_path / "copia.db")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            done.set()

    writer = sqlite3.connect(app.db.path, timeout=30, isolation_level=None)
    waits = []
    thread = threading.Thread(target=copy)
    thread.start()
    try:
        while not done.is_set():
            t0 = time.perf_counter()
            writer.execute("BEGIN IMMEDIATE")
            waits.append(time.perf_counter() - t0)
            writer.execute("INSERT INTO settings(key, value) VALUES ('probe', '0')"
                           " ON CONFLICT(key) DO UPDATE SET value = value + 1")
            writer.execute("COMMIT")
    finally:
        thread.join(300)
        writer.close()
    assert not errors
    assert len(waits) >= 3  # writes went on while the copy was made
    assert max(waits) < 1.0, f"a write waited {max(waits):.2f} s for the backup"
    dbbackup.verify_kiosk_database(tmp_path / "copia.db")


def count_statements(app: Services) -> list[str]:
    seen: list[str] = []
    event.listen(app.db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_a_big_count_and_delivery_are_written_set_based(app: Services) -> None:
    conn = app.db.raw_connection()
    populate(conn, 3000)
    conn.close()
    admin = app.users.users()[0]
    products = app.catalog.browse(limit=3000)
    sheet = app.stock.start_count()
    for p in products:
        app.stock.count_product(sheet, p.id, p.stock - 1000 if p.id % 3 else p.stock)
    seen = count_statements(app)
    result = app.stock.apply_count(sheet, admin)
    assert len(result.changes) == 2000 and result.unchanged == 1000
    assert len(seen) < 300, f"{len(seen)} statements for one count"  # it was two per line: 6,000
    assert all(c.stock == c.quantity + next(p.stock for p in products if p.id == c.product_id)
               for c in result.changes[:50])

    delivery = app.stock.start_delivery("F-77")
    for p in products:
        app.stock.delivery_add(delivery, p.id, 2000, 150)
    seen.clear()
    received = app.stock.receive(delivery, admin)
    assert len(received.changes) == 3000 and len(seen) < 300, f"{len(seen)} statements for one delivery"
    assert app.catalog.product(products[0].id).cost == 150
    assert app.stock.in_progress() == {}
    check_invariants(app.db)


COUNT_WORKER = """
import sys
from pathlib import Path
from kiosk.app_factory import build
from tests.conftest import make_settings

app = build(make_settings(Path(sys.argv[1])))
app.stock.hold_s = 0.001  # many short transactions: the test kills the process between two
sheet = app.stock.start_count()
for p in app.catalog.browse(limit=5000):
    sheet.record(p, p.stock + 7)
print("ready", flush=True)
app.stock.apply_count(sheet, app.users.users()[0])
print("applied", flush=True)
"""


@pytest.mark.slow
def test_a_count_killed_while_it_is_written_is_finished_exactly_once(app: Services, state_dir: Path) -> None:
    conn = app.db.raw_connection()
    populate(conn, 4000)
    conn.close()
    before = {p.id: p.stock for p in app.catalog.browse(limit=5000)}
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen([sys.executable, "-c", COUNT_WORKER, str(state_dir)], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(root)})
    assert child.stdout.readline().strip() == "ready"
    seen = {"written": 0}

    def cut_half_way() -> bool:
        conn = sqlite3.connect(app.db.path, timeout=30)
        try:
            applying = conn.execute("SELECT COUNT(*) FROM stock_drafts WHERE applying_by IS NOT NULL").fetchone()[0]
            seen["written"] = conn.execute("SELECT COUNT(*) FROM stock_movements WHERE reason = 'count'").fetchone()[0]
        finally:
            conn.close()
        return bool(applying and seen["written"])

    kill_when(child, cut_half_way, "the count was being written")
    written = seen["written"]
    assert 0 < written < 4000  # really cut half-way
    assert app.stock.in_progress() == {} and app.stock.resume_count() is None  # not editable any more
    results = app.stock.finish_interrupted()
    assert len(results) == 1 and app.stock.finish_interrupted() == []
    after = {p.id: p.stock for p in app.catalog.browse(limit=5000)}
    assert after == {pid: stock + 7 for pid, stock in before.items()}  # every line once, none twice
    check_invariants(app.db)
