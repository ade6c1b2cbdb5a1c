"""The audit log on a real migrated SQLite file: rows of the sensitive acts that
exist today, append-only triggers, the hash chain that names the first tampered row,
the old authentication events carried over by the migration, settings changes, and
the files (database, WAL, backups, exports, the PIN key) readable by the kiosk's user
and group only."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from db import backup as dbbackup
from db.engine import Database
from kiosk.app_factory import build
from kiosk.core.permissions import Role
from kiosk.services.audit import AuditFilter, settings_snapshot
from tests.conftest import CASHIER_PIN, database_at, make_settings


def _raw(app) -> sqlite3.Connection:  # noqa: ANN001
    return sqlite3.connect(app.db.path)


def test_the_log_is_append_only(app) -> None:
    app.users.authenticate("000000")
    conn = _raw(app)
    try:
        for stmt in ("UPDATE audit_log SET subject = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(stmt)
    finally:
        conn.close()


def test_verify_names_the_first_tampered_row(app) -> None:
    admin = app.users.authenticate("000000")
    for name, pin in (("Ana", CASHIER_PIN), ("Beto", "580361"), ("Cata", "907152")):
        app.users.create_user(name, Role.CASHIER, pin, by=admin)
    (report,) = app.audit.verify()
    assert report.ok and report.rows == app.audit.count() >= 5
    target = app.audit.entries(AuditFilter(act="user_created"))[1]  # "Beto"
    conn = _raw(app)
    try:  # someone with the database file: drops the trigger and edits a row
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET subject = 'Nadie' WHERE id = ?", (target.id,))
        conn.commit()
    finally:
        conn.close()
    (report,) = app.audit.verify()
    assert not report.ok and report.broken.row_id == target.id and report.broken.reason == "content"


def test_a_removed_row_breaks_the_next_link(app) -> None:
    admin = app.users.authenticate("000000")
    app.users.create_user("Ana", Role.CASHIER, CASHIER_PIN, by=admin)
    app.users.authenticate(CASHIER_PIN)
    rows = list(reversed(app.audit.entries()))
    conn = _raw(app)
    try:
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute("DELETE FROM audit_log WHERE id = ?", (rows[1].id,))
        conn.commit()
    finally:
        conn.close()
    (report,) = app.audit.verify()
    assert report.broken.row_id == rows[2].id and report.broken.reason == "link"


def test_stock_counts_imports_and_exports_are_recorded_with_their_figures(demo_app, tmp_path) -> None:
    app = demo_app
    admin = app.users.get(name="Administrador")
    det = app.catalog.by_sku("DET-LAV")
    sheet = app.stock.start_count()
    app.stock.count_product(sheet, det.id, det.stock + 500)
    result = app.stock.apply_count(sheet, admin)
    row = app.audit.entries(AuditFilter(act="stock_counted"))[0]
    assert row.subject == result.reference and row.user == "Administrador"
    assert row.after["differences"] == [{"sku": "DET-LAV", "expected": det.stock, "counted": det.stock + 500,
                                         "difference": 500}]
    app.stock.restock(det.id, 1000, admin, unit_cost=99)  # a cost change through a restock
    cost = app.audit.entries(AuditFilter(act="price_changed"))[0]
    assert cost.before == {"cost": det.cost} and cost.after == {"cost": 99}
    csv = tmp_path / "p.csv"
    csv.write_text("sku,name,price\nDET-LAV,Detergente lavanda,4.10\n", encoding="utf-8")
    app.product_csv.import_file(csv, admin)
    imported = app.audit.entries(AuditFilter(act="import"))[0]
    assert imported.subject == "p.csv" and imported.after["updated"] == 1
    app.product_csv.export_file(tmp_path / "out.csv", by=admin)
    assert app.audit.entries(AuditFilter(act="export"))[0].after == {"products": len(app.product_csv.export_rows()) - 1}
    assert app.audit.verify()[0].ok


def test_settings_changes_are_recorded_without_the_default_pin(settings) -> None:
    app = build(settings)
    try:
        assert app.audit.record_settings(app.settings) == ["permissions_changed", "settings_changed"]  # first start
        assert app.audit.record_settings(app.settings) == []  # nothing changed
        changed = make_settings(settings.state_dir, shop={"name": "Aseo Total"},
                                permissions={"cashier": ["sell", "reprint", "return"]},
                                security={"default_admin_pin": "135790"})
        assert app.audit.record_settings(changed) == ["permissions_changed", "settings_changed"]
        perms, rest = (app.audit.entries(AuditFilter(act=a))[0] for a in ("permissions_changed", "settings_changed"))
        assert perms.before == {"permissions.cashier": ["reprint", "sell"]}
        assert perms.after == {"permissions.cashier": ["sell", "reprint", "return"]}
        assert rest.after == {"shop.name": "Aseo Total"}  # the PIN never appears, changed or not
        assert "135790" not in str(settings_snapshot(changed))
    finally:
        app.close()


def test_old_authentication_events_move_into_the_chained_log(tmp_path) -> None:
    """A database at revision 0004 with auth_events: after the upgrade they are audit
    rows (same UUID, till and time, in order), the chain verifies, and sign-in times
    are known."""
    from db.migrate import migrate

    db = database_at(tmp_path / "old.db", "0004")
    raw = db.raw_connection()
    raw.execute("INSERT INTO users(name, role, pin_hash, active, created_at) VALUES ('a', 'admin', 'x', 1, "
                "'2026-01-01 08:00:00.000000')")
    events = [("2026-01-01 09:00:00.000000", 1, "login", ""), ("2026-01-01 09:05:00", None, "pin_failed", "attempt 1"),
              ("2026-01-01 09:06:00.500000", 1, "drawer_opened", "manual")]
    for when, uid, event, detail in events:
        raw.execute("INSERT INTO auth_events(created_at, user_id, event, detail, uuid, till_id) "
                    "VALUES (?, ?, ?, ?, lower(hex(randomblob(16))), 1)", (when, uid, event, detail))
    uuids = [r[0] for r in raw.execute("SELECT uuid FROM auth_events ORDER BY id")]
    raw.close()
    migrate(db)
    raw = db.raw_connection()
    try:
        rows = raw.execute("SELECT uuid, act, user_id, subject, origin FROM audit_log ORDER BY id").fetchall()
        assert [r[0] for r in rows] == uuids
        assert [r[1] for r in rows] == ["sign_in", "pin_failed", "drawer_opened"]
        assert rows[2][3] == "manual" and {r[4] for r in rows} == {"migrated"}
        assert raw.execute("SELECT last_login_at FROM users").fetchone()[0] == "2026-01-01 09:00:00.000000"
        assert not raw.execute("SELECT name FROM sqlite_master WHERE name = 'auth_events'").fetchall()
    finally:
        raw.close()
    from kiosk.services.access import Access
    from kiosk.services.audit import AuditService

    (report,) = AuditService(db, Access()).verify()
    assert report.ok and report.rows == 3
    db.dispose()


def test_files_are_for_the_kiosk_user_and_group_only(app, tmp_path) -> None:
    """A root shell's umask (0022) would make them world-readable: the database holds
    PIN hashes and every sale."""
    old = os.umask(0o022)
    try:
        fresh = Database(tmp_path / "new.db")
        with fresh.write_connection() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x)")
            files = [tmp_path / "new.db", tmp_path / "new.db-wal", tmp_path / "new.db-shm"]
            for f in files:  # while open in WAL mode all three exist
                assert f.exists() and f.stat().st_mode & 0o777 == 0o640, f
        fresh.dispose()
        copy = dbbackup.backup(app.db.path, tmp_path / "backups" / "kiosk-1.db")
        assert copy.stat().st_mode & 0o777 == 0o640
        export = app.product_csv.export_file(tmp_path / "out.csv", by=app.users.get(name="Administrador")).path
        assert export.stat().st_mode & 0o077 in (0, 0o040)
        old_file = tmp_path / "loose.db"
        sqlite3.connect(old_file).close()
        old_file.chmod(0o644)
        Database(old_file).dispose()  # an existing world-readable database is tightened when opened
        assert old_file.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)
    assert (Path(app.settings.state_dir) / "pin-lookup.key").stat().st_mode & 0o777 == 0o600


def test_backups_restores_and_upgrades_are_recorded(app, tmp_path) -> None:
    from kiosk.services.maintenance import MaintenanceService
    from tests.e2e.appliance_helpers import FakeService

    maintenance = MaintenanceService(app.settings, service=FakeService())
    report = maintenance.backup(rotate=False, usb=False)
    row = app.audit.entries(AuditFilter(act="backup"))[0]
    assert row.subject == report.path.name and row.after["kind"] == "kiosk" and row.origin
    # restored on another box: the restored database says so
    other = make_settings(tmp_path / "other")
    (tmp_path / "other").mkdir()
    MaintenanceService(other, service=FakeService()).restore(report.path, allow_stop=False)
    restored = build(other)
    try:
        rows = restored.audit.entries()
        assert rows[0].act == "restore" and rows[0].subject == report.path.name
        assert "backup" not in [r.act for r in rows]  # the backup's own row was written after the copy
        assert restored.audit.verify()[0].ok
    finally:
        restored.close()


def test_a_schema_upgrade_at_start_is_recorded(tmp_path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    database_at(state / "kiosk.db", "0004").dispose()
    app = build(make_settings(state))  # what the kiosk does at start: back up, migrate, record
    try:
        (row,) = app.audit.entries(AuditFilter(act="upgrade"))
        assert row.before == {"schema": "0004"} and row.after["schema"] == app.migration.after
        assert app.migration.backup is not None and app.migration.backup.exists()
    finally:
        app.close()
