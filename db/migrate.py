"""Bring a database to the newest schema with Alembic. The application migrates at
start-up; when an existing database is behind, it is backed up first."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from db import backup as backups
from db.engine import Database

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True)
class MigrationResult:
    before: str | None
    after: str
    backup: Path | None


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(db: Database, backup_dir: Path | None = None) -> MigrationResult:
    before = current_revision(db)
    head = head_revision()
    backup_path = None
    if before == head:
        return MigrationResult(before, head, None)
    if before is not None and backup_dir is not None:
        backup_path = backups.backup(db.path, backup_dir / backups.timestamped_name(f"pre-migrate-{before}"))
        log.info("backed up %s to %s before migrating", db.path, backup_path)
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("database %s migrated %s -> %s", db.path, before, head)
    return MigrationResult(before, head, backup_path)
