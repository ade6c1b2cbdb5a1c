"""Bring a database to the newest schema with Alembic. The application migrates at
start-up; when an existing database is behind, it is backed up first."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from db import backup as backups
from db.engine import Database
from db.schema_ops import check_foreign_keys

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only when a database is behind (or by the migration commands):
# a start on an up-to-date database reads the revision itself (issue 18: kiosk-admin
# and the kiosk start faster).
log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True)
class MigrationResult:
    before: str | None
    after: str
    backup: Path | None


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def alembic_head() -> str:
    """The newest revision as Alembic works it out (it compiles every migration file)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def head_revision() -> str:
    """The newest revision: read from the migration files' revision lines (db/heads.py;
    every start and every test's database used to pay Alembic's compiling of all the
    migrations, 60 % of building the application), Alembic's answer when that reader
    cannot tell."""
    from db.heads import head_from_files

    return head_from_files() or alembic_head()


def current_revision(db: Database) -> str | None:
    """The database's revision (alembic_version), None for a new database; what
    Alembic's MigrationContext.get_current_revision() answers, without importing it."""
    with db.engine.connect() as conn:
        if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
                                ).first() is None:
            return None
        rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
    if len(rows) > 1:
        raise RuntimeError(f"the database has several schema heads: {', '.join(r[0] for r in rows)}")
    return rows[0][0] if rows else None


def migrate(db: Database, backup_dir: Path | None = None) -> MigrationResult:
    before = current_revision(db)
    head = head_revision()
    backup_path = None
    if before == head:
        return MigrationResult(before, head, None)
    if before is not None and backup_dir is not None:
        backup_path = backups.backup(db.path, backup_dir / backups.timestamped_name(f"pre-migrate-{before}"))
        log.info("backed up %s to %s before migrating", db.path, backup_path)
    from alembic import command

    cfg = alembic_config()

    def upgrade(conn: Connection) -> None:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")

    in_migration_transaction(db, upgrade)
    log.info("database %s migrated %s -> %s", db.path, before, head)
    return MigrationResult(before, head, backup_path)


def in_migration_transaction(db: Database, work: Callable[[Connection], None]) -> None:
    """Run ``work`` the way SQLite's documentation says schema changes must run: with
    foreign keys off (a table copy's DROP TABLE would otherwise cascade-delete the
    rows of dependent tables), in one transaction, and with ``PRAGMA
    foreign_key_check`` clean before the commit (else everything is rolled back).

    ``PRAGMA foreign_keys`` is a no-op inside a transaction, so it is switched on the
    driver's connection before SQLAlchemy begins one, and switched back on after."""
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            if raw.execute("PRAGMA foreign_keys").fetchone()[0]:
                raise RuntimeError("foreign keys could not be switched off for the migration")
            with conn.begin():
                work(conn)
                check_foreign_keys(conn)
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
