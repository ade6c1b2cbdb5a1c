"""Backup files: naming, grandfather-father-son rotation, and telling a sound kiosk
database from a truncated file, a foreign SQLite file or one from a newer version."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from db import backup as dbbackup
from db.migrate import head_revision
from kiosk.services.maintenance import (
    BackupFile,
    NewerSchema,
    NotSoundDatabase,
    inspect_database,
    list_backups,
    parse_backup,
    to_keep,
)


def _fake(directory: Path, prefix: str, when: datetime) -> Path:
    p = directory / f"{prefix}-{when:%Y%m%d-%H%M%S}.db"
    p.write_bytes(b"x")
    return p


def test_names_carry_kind_and_time(tmp_path: Path) -> None:
    p = _fake(tmp_path, "pre-migrate-0001", datetime(2026, 3, 1, 3, 30, 5))
    b = parse_backup(p)
    assert b is not None and b.prefix == "pre-migrate-0001" and not b.scheduled
    assert b.taken_at == datetime(2026, 3, 1, 3, 30, 5)
    second = tmp_path / "kiosk-20260301-033005-2.db"
    second.write_bytes(b"x")
    assert parse_backup(second).scheduled
    (tmp_path / "kiosk-20260301-033005.db.part").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("x")
    assert {b.path.name for b in list_backups(tmp_path)} == {second.name, p.name}


def test_rotation_keeps_7_daily_4_weekly_12_monthly(tmp_path: Path) -> None:
    start = datetime(2025, 1, 1, 3, 30)
    files = [BackupFile(tmp_path / f"kiosk-{d}.db", "kiosk", start + timedelta(days=d), 1) for d in range(500)]
    keep = to_keep(files, 7, 4, 12, 10)
    kept = sorted((f for f in files if f.path in keep), key=lambda f: f.taken_at, reverse=True)
    newest = files[-1].taken_at
    # the last 7 days, one per day
    assert [f.taken_at for f in kept[:7]] == [newest - timedelta(days=i) for i in range(7)]
    # every kept backup is the newest of its week or month; at most 7 + 4 + 12 of them
    assert len(kept) <= 23
    weeks = {f.taken_at.isocalendar()[:2] for f in kept}
    months = {(f.taken_at.year, f.taken_at.month) for f in kept}
    assert len(weeks) >= 4 and len(months) == 12
    assert min(f.taken_at for f in kept) > newest - timedelta(days=366)


def test_rotation_never_drops_the_newest_and_keeps_safety_copies_apart(tmp_path: Path) -> None:
    t = datetime(2026, 3, 1)
    files = [BackupFile(tmp_path / "kiosk-a.db", "kiosk", t, 1)]
    files += [BackupFile(tmp_path / f"pre-upgrade-{i}.db", "pre-upgrade", t - timedelta(hours=i), 1)
              for i in range(5)]
    keep = to_keep(files, 0, 0, 1, 2)
    assert tmp_path / "kiosk-a.db" in keep
    assert {p.name for p in keep if "pre-upgrade" in p.name} == {"pre-upgrade-0.db", "pre-upgrade-1.db"}


def test_a_backup_of_the_live_database_is_sound(app, tmp_path: Path) -> None:
    dest = dbbackup.backup(app.db.path, tmp_path / "b.db")
    summary = inspect_database(dest)
    assert summary.revision == head_revision() and summary.sales == 0
    assert not (tmp_path / "b.db.part").exists()
    conn = sqlite3.connect(dest)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    conn.close()


def test_truncated_file_is_refused_with_the_reason(app, demo_app, tmp_path: Path) -> None:
    good = dbbackup.backup(app.db.path, tmp_path / "good.db")
    data = good.read_bytes()
    cut = tmp_path / "cut.db"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(NotSoundDatabase) as exc:
        inspect_database(cut)
    text = exc.value.message("en")
    assert str(cut) in text and "is not a sound kiosk database" in text


@pytest.mark.parametrize("content, reason", [
    (b"", "not an SQLite database"),
    (b"hello, this is a text file and not a database at all" * 20, "not an SQLite database"),
])
def test_not_a_database_is_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    f = tmp_path / "x.db"
    f.write_bytes(content)
    with pytest.raises(NotSoundDatabase) as exc:
        inspect_database(f)
    assert reason in exc.value.message("en")


def test_a_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "other.db"
    conn = sqlite3.connect(f)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    with pytest.raises(NotSoundDatabase) as exc:
        inspect_database(f)
    assert "missing tables" in exc.value.message("en")


def test_a_database_from_a_newer_version_is_refused(app, tmp_path: Path) -> None:
    f = dbbackup.backup(app.db.path, tmp_path / "newer.db")
    conn = sqlite3.connect(f)
    conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.commit()
    conn.close()
    with pytest.raises(NewerSchema) as exc:
        inspect_database(f)
    assert "9999_future" in exc.value.message("en")
    assert "9999_future" in exc.value.message("es") and "versión" in exc.value.message("es")


def test_sales_are_durable_settings(app) -> None:
    """A sale shown as done survives a power cut: WAL with synchronous=FULL on every
    connection the application opens."""
    with app.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    raw = app.db.raw_connection()
    assert raw.execute("PRAGMA synchronous").fetchone()[0] == 2
    raw.close()
