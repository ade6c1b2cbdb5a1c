"""Backups (online, verified, rotated, copied to a USB stick), restore, and the
technician's status report. ``kiosk-admin`` and the nightly timer call this.

Backup names carry their kind and time: ``kiosk-20260301-031500.db`` for the daily
backups (rotated 7 daily / 4 weekly / 12 monthly by default), ``pre-migrate-…``,
``pre-upgrade-…`` and ``pre-restore-…`` for the safety copies taken before a change
(the newest ``keep_safety`` are kept).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from db import backup as dbbackup
from kiosk import __version__
from kiosk.appliance.devices import expected_nodes
from kiosk.appliance.ownership import give_to, owner_of
from kiosk.appliance.servicectl import KIOSK_UNIT, ServiceControl, Systemctl, is_running, processes_using
from kiosk.config import Settings, state_dir_reason
from kiosk.core.errors import DomainError
from kiosk.i18n import N_, translate

log = logging.getLogger(__name__)

SCHEDULED = "kiosk"
BACKUP_DIR = "backups"
USB_SUBDIR = "kiosk-backups"
MB = 1024 * 1024
_NAME = re.compile(r"^(?P<prefix>[a-z][a-z0-9-]*?)-(?P<ts>\d{8}-\d{6})(?:-(?P<n>\d+))?\.db$")


# --- errors -------------------------------------------------------------------------

class MaintenanceError(DomainError):
    code = "maintenance"


class NoDatabase(MaintenanceError):
    """The database is not where the settings say; says where it looked and why there."""
    code = "no_database"
    template = N_("There is no database at {path} (state directory: {origin}). Nothing was created: "
                  "`kiosk-admin migrate` creates a new database there, `kiosk-admin restore FILE` "
                  "puts a backup there.")

    @classmethod
    def at(cls, settings: Settings) -> NoDatabase:
        return cls(path=str(settings.database_path), origin=settings.state_dir_origin,
                   source=str(settings.source))

    def message(self, language: str | None = None) -> str:
        origin = state_dir_reason(self.params["origin"], self.params["source"], language)
        return translate(self.template, language).format(path=self.params["path"], origin=origin)


class BackupFailed(MaintenanceError):
    code = "backup_failed"
    template = N_("Backup failed: {reason}")


class NotSoundDatabase(MaintenanceError):
    code = "not_sound_database"
    template = N_("{path} is not a sound kiosk database: {reason}")


class NewerSchema(MaintenanceError):
    code = "newer_schema"
    template = N_("{path} was written by a newer version of the kiosk (schema {revision}); "
                  "upgrade the kiosk before restoring it.")


class DiskFull(MaintenanceError):
    code = "disk_full"
    template = N_("Not enough free space in {path}: {needed_mb} MB needed, {free_mb} MB free. "
                  "Delete old files or use a bigger card or stick.")


class KioskRunning(MaintenanceError):
    code = "kiosk_running"
    template = N_("The kiosk service is running. Restoring stops it for a moment: "
                  "confirm when asked, or pass --yes.")


class DatabaseInUse(MaintenanceError):
    code = "database_in_use"
    template = N_("The database is open in another program ({holders}); close it first.")


class RestoreCancelled(MaintenanceError):
    code = "restore_cancelled"
    template = N_("Restore cancelled; nothing was changed.")


class RestoreFailed(MaintenanceError):
    code = "restore_failed"
    template = N_("Restore failed ({reason}); the previous database was put back.")


# --- backup files -------------------------------------------------------------------

@dataclass(frozen=True)
class BackupFile:
    path: Path
    prefix: str
    taken_at: datetime
    size: int
    seq: int = 1  # kiosk-…-2.db: the second backup within the same second

    @property
    def scheduled(self) -> bool:
        return self.prefix == SCHEDULED


def parse_backup(path: Path) -> BackupFile | None:
    m = _NAME.match(path.name)
    if not m or not path.is_file():
        return None
    try:
        taken = datetime.strptime(m["ts"], "%Y%m%d-%H%M%S")
    except ValueError:
        return None
    return BackupFile(path, m["prefix"], taken, path.stat().st_size, int(m["n"] or 1))


def list_backups(directory: Path) -> list[BackupFile]:
    """Backups in ``directory``, newest first."""
    if not directory.is_dir():
        return []
    found = [b for b in map(parse_backup, directory.iterdir()) if b is not None]
    return sorted(found, key=_age, reverse=True)


def _age(b: BackupFile) -> tuple:
    return b.taken_at, b.seq, b.path.name


def to_keep(backups: list[BackupFile], daily: int, weekly: int, monthly: int, safety: int) -> set[Path]:
    """Grandfather-father-son: the newest backup of each of the last ``daily`` days that
    have one, of the last ``weekly`` ISO weeks and of the last ``monthly`` months; the
    newest scheduled backup always; the newest ``safety`` safety copies."""
    scheduled = sorted((b for b in backups if b.scheduled), key=_age, reverse=True)
    keep: set[Path] = {scheduled[0].path} if scheduled else set()
    buckets: list[tuple[int, Callable[[datetime], object]]] = [
        (daily, lambda t: t.date()),
        (weekly, lambda t: t.isocalendar()[:2]),
        (monthly, lambda t: (t.year, t.month)),
    ]
    for count, bucket in buckets:
        seen: set[object] = set()
        for b in scheduled:
            key = bucket(b.taken_at)
            if key not in seen and len(seen) < count:
                seen.add(key)
                keep.add(b.path)
    others = sorted((b for b in backups if not b.scheduled), key=_age, reverse=True)
    keep.update(b.path for b in others[:safety])
    return keep


@dataclass(frozen=True)
class DatabaseSummary:
    path: Path
    size: int
    revision: str | None
    sales: int
    last_sale_at: str | None


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config

    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def inspect_database(path: Path) -> DatabaseSummary:
    """Check that ``path`` is a sound kiosk database this version can use."""
    try:
        dbbackup.verify_kiosk_database(path)
    except dbbackup.BackupError as exc:
        raise NotSoundDatabase(path=str(path), reason=_reason(exc, path)) from None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        sales, last = conn.execute("SELECT count(*), max(created_at) FROM sales").fetchone()
    except sqlite3.Error as exc:
        raise NotSoundDatabase(path=str(path), reason=str(exc)) from None
    finally:
        conn.close()
    revision = row[0] if row else None
    if revision is None:
        raise NotSoundDatabase(path=str(path), reason="no schema version")
    if revision not in known_revisions():
        raise NewerSchema(path=str(path), revision=revision)
    return DatabaseSummary(path, path.stat().st_size, revision, sales, last)


def _reason(exc: Exception, path: Path) -> str:
    """db.backup messages start with the path; the templates say it already."""
    text = str(exc)
    return text[len(str(path)) + 2:] if text.startswith(f"{path}: ") else text


# --- reports --------------------------------------------------------------------------

@dataclass
class BackupReport:
    path: Path
    size: int
    removed: list[Path] = field(default_factory=list)
    usb: str = "not configured"  # "copied to …", "not mounted", "failed: …"
    usb_ok: bool = True


@dataclass(frozen=True)
class RestorePlan:
    source: DatabaseSummary
    target: Path
    service_running: bool


@dataclass(frozen=True)
class RestoreReport:
    restored_from: Path
    kept_aside: Path | None
    sales: int
    service_restarted: bool


# --- the service ----------------------------------------------------------------------

class MaintenanceService:
    def __init__(self, settings: Settings, *, service: ServiceControl | None = None,
                 disk_usage: Callable[[Path], object] = shutil.disk_usage,
                 is_mount: Callable[[str], bool] = os.path.ismount,
                 holders: Callable[[Path], list] = processes_using,
                 clock: Callable[[], datetime] = datetime.now, unit: str = KIOSK_UNIT):
        self.settings = settings
        self.service = service or Systemctl()
        self.disk_usage = disk_usage
        self.is_mount = is_mount
        self.holders = holders
        self.clock = clock
        self.unit = unit

    @property
    def db_path(self) -> Path:
        return self.settings.database_path

    @property
    def backup_dir(self) -> Path:
        return self.settings.state_dir / BACKUP_DIR

    def backups(self) -> list[BackupFile]:
        return list_backups(self.backup_dir)

    def last_backup(self) -> BackupFile | None:
        found = self.backups()
        return found[0] if found else None

    # --- space ----------------------------------------------------------------------
    def _require_space(self, directory: Path, needed: int) -> None:
        probe = directory
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        free = self.disk_usage(probe).free
        reserve = self.settings.backup.min_free_mb * MB
        if free < needed + reserve:
            raise DiskFull(path=str(directory), needed_mb=_mb(needed + reserve), free_mb=_mb(free))

    def _db_bytes(self) -> int:
        wal = self.db_path.with_name(self.db_path.name + "-wal")
        return sum(p.stat().st_size for p in (self.db_path, wal) if p.exists())

    # --- backup ---------------------------------------------------------------------
    def _new_name(self, directory: Path, prefix: str) -> Path:
        base = f"{prefix}-{self.clock():%Y%m%d-%H%M%S}"
        path, n = directory / f"{base}.db", 1
        while path.exists():
            n += 1
            path = directory / f"{base}-{n}.db"
        return path

    @contextmanager
    def _locked(self, directory: Path) -> Iterator[None]:
        """One backup or rotation at a time (the timer and a technician may overlap)."""
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / ".lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def backup(self, to: Path | None = None, *, prefix: str = SCHEDULED, rotate: bool = True,
               usb: bool = True) -> BackupReport:
        """Back up the live database (the kiosk keeps selling). With ``to`` the copy
        goes there and nothing is rotated or copied to the stick."""
        if not self.db_path.is_file():
            raise NoDatabase.at(self.settings)
        directory = Path(to) if to is not None else self.backup_dir
        owner = owner_of(self.settings.state_dir) if to is None else None
        with self._locked(directory):
            self._require_space(directory, self._db_bytes())
            dest = self._new_name(directory, prefix)
            try:
                dbbackup.backup(self.db_path, dest)
            except dbbackup.BackupError as exc:
                raise BackupFailed(reason=str(exc)) from None
            except OSError as exc:
                raise BackupFailed(reason=f"{dest}: {exc.strerror or exc}") from None
            give_to(owner, directory, dest, directory / ".lock")
            report = BackupReport(dest, dest.stat().st_size)
            log.info("backup written: %s (%d bytes)", dest, report.size)
            if to is None and rotate:
                report.removed = self._rotate(directory, protect=dest)
        if to is None and usb:
            self._copy_to_usb(report)
        return report

    def rotate(self, directory: Path | None = None) -> list[Path]:
        directory = directory or self.backup_dir
        with self._locked(directory):
            return self._rotate(directory)

    def _rotate(self, directory: Path, protect: Path | None = None) -> list[Path]:
        b = self.settings.backup
        found = list_backups(directory)
        keep = to_keep(found, b.keep_daily, b.keep_weekly, b.keep_monthly, b.keep_safety) | {protect}
        removed = []
        for item in found:
            if item.path not in keep:
                item.path.unlink(missing_ok=True)
                removed.append(item.path)
        for stale in directory.glob("*.db.part"):  # left by a power cut in the middle of a copy
            stale.unlink(missing_ok=True)
        if removed:
            log.info("rotation removed %d old backups from %s", len(removed), directory)
        return removed

    def _copy_to_usb(self, report: BackupReport) -> None:
        usb_dir = self.settings.backup.usb_dir
        if not usb_dir:
            return
        try:
            os.statvfs(usb_dir)  # also wakes an automounted stick
            mounted = self.is_mount(usb_dir)
        except OSError:
            mounted = False
        if not mounted:
            report.usb = "not mounted"
            log.warning("USB backup copy skipped: %s is not a mounted stick", usb_dir)
            return
        target_dir = Path(usb_dir) / USB_SUBDIR
        dest = target_dir / report.path.name
        part = dest.with_name(dest.name + ".part")
        try:
            target_dir.mkdir(parents=True, exist_ok=True)
            self._require_space(target_dir, report.size)
            shutil.copyfile(report.path, part)
            with part.open("rb") as fh:
                os.fsync(fh.fileno())
            result = dbbackup.integrity(part)
            if result != "ok":
                raise dbbackup.BackupError(f"the copy on the stick failed its integrity check: {result}")
            os.replace(part, dest)
            dbbackup.fsync_dir(target_dir)
            self._rotate(target_dir, protect=dest)
            report.usb = f"copied to {dest}"
        except (OSError, dbbackup.BackupError, DiskFull) as exc:
            part.unlink(missing_ok=True)
            report.usb, report.usb_ok = f"failed: {exc}", False
            log.error("USB backup copy failed: %s", exc)

    # --- restore --------------------------------------------------------------------
    def plan_restore(self, source: Path) -> RestorePlan:
        summary = inspect_database(Path(source))
        return RestorePlan(summary, self.db_path, is_running(self.service, self.unit))

    def restore(self, source: Path, *, allow_stop: bool,
                confirm: Callable[[RestorePlan], bool] = lambda plan: True) -> RestoreReport:
        """Replace the database with ``source``. The current database is kept aside as
        ``backups/pre-restore-….db``. Refuses a file that is not a sound kiosk database,
        a running kiosk unless ``allow_stop``, and a disk without room; on any failure
        the previous database is put back and the service restarted."""
        source = Path(source)
        plan = self.plan_restore(source)
        if plan.service_running and not allow_stop:
            raise KioskRunning()
        if not confirm(plan):
            raise RestoreCancelled()
        state = self.settings.state_dir
        state.mkdir(parents=True, exist_ok=True)
        self._require_space(state, plan.source.size)
        stopped = False
        if plan.service_running:
            self.service.stop(self.unit)
            stopped = True
        try:
            holders = self.holders(self.db_path) if self.db_path.exists() else []
            if holders:
                raise DatabaseInUse(holders=", ".join(f"{h.name} (pid {h.pid})" for h in holders))
            aside = self._swap_in(source)
        except BaseException:
            if stopped:
                self.service.start(self.unit)
            raise
        if stopped:
            self.service.start(self.unit)
        log.warning("database restored from %s (previous kept as %s)", source, aside)
        return RestoreReport(source, aside, plan.source.sales, stopped)

    def _swap_in(self, source: Path) -> Path | None:
        db = self.db_path
        owner = owner_of(self.settings.state_dir)
        incoming = db.with_name(db.name + ".restore.part")
        try:
            dbbackup.backup(source, incoming)
        except (dbbackup.BackupError, OSError) as exc:
            incoming.unlink(missing_ok=True)
            raise RestoreFailed(reason=str(exc)) from None
        give_to(owner, incoming)
        aside = None
        moved: list[tuple[Path, Path]] = []
        try:
            if db.exists():
                _checkpoint(db)
                self.backup_dir.mkdir(parents=True, exist_ok=True)
                give_to(owner, self.backup_dir)
                aside = self._new_name(self.backup_dir, "pre-restore")
                for suffix in ("", "-wal", "-shm"):
                    src = db.with_name(db.name + suffix)
                    if src.exists():
                        dst = aside.with_name(aside.name + suffix)
                        os.replace(src, dst)
                        moved.append((src, dst))
            os.replace(incoming, db)
            dbbackup.fsync_dir(db.parent)
        except OSError as exc:
            for src, dst in reversed(moved):
                os.replace(dst, src)
            incoming.unlink(missing_ok=True)
            raise RestoreFailed(reason=exc.strerror or str(exc)) from None
        return aside

    # --- status ---------------------------------------------------------------------
    def status(self) -> dict:
        """Everything a technician checks first. ``database`` is the absolute path of the
        database this configuration uses (whether or not it exists); ``database_info``
        what was found there (``integrity`` "missing" when there is none)."""
        s = self.settings
        database: dict = {"size_bytes": 0, "integrity": "missing", "schema": None, "schema_head": _head()}
        pending = None
        numbering = None
        if self.db_path.is_file():
            database["size_bytes"] = self._db_bytes()
            try:
                database["integrity"] = dbbackup.integrity(self.db_path)
                database["schema"] = _revision(self.db_path)
                pending = _pending_jobs(self.db_path)
                numbering = _numbering_warnings(self.db_path, s) if s.fiscal.on else None
            except (dbbackup.BackupError, sqlite3.Error) as exc:
                database["integrity"] = f"unreadable: {exc}"
        last = self.last_backup()
        last_info = None
        if last is not None:
            age = self.clock() - last.taken_at
            last_info = {"path": str(last.path), "kind": last.prefix, "taken_at": last.taken_at.isoformat(),
                         "age_hours": round(age.total_seconds() / 3600, 1), "size_bytes": last.size}
        usage = self.disk_usage(s.state_dir if s.state_dir.exists() else Path("/"))
        return {
            "service": self.service.state(self.unit),
            "backup_timer": self.service.state("kiosk-backup.timer"),
            "version": __version__,
            "config": str(s.source) if s.source else None,
            "state_dir": str(s.state_dir),
            "state_dir_origin": s.state_dir_origin,
            "database": str(self.db_path.absolute()),
            "database_info": database,
            "last_backup": last_info,
            "backups": len(self.backups()),
            "print_queue_pending": pending,
            # fiscal profile on: what managers are warned about (no valid numbering, few
            # numbers or days left); None when the profile is off
            "numbering": numbering,
            "devices": _hardware_states(s.state_dir / "hardware.json"),
            "device_nodes": {n.node: {"setting": n.key, "usb_id": n.usb_id or None, "present": n.present}
                             for n in expected_nodes(s)},
            "disk_free_bytes": usage.free,
            "disk_total_bytes": usage.total,
        }


def _mb(n: int) -> int:
    return -(-n // MB)


def _checkpoint(db: Path) -> None:
    """Fold the WAL into the main file so the copy kept aside is one self-contained file.
    A damaged database (often the reason to restore) may refuse: then its -wal moves too."""
    try:
        conn = sqlite3.connect(db, timeout=5)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.warning("could not checkpoint %s before setting it aside: %s", db, exc)


def _head() -> str | None:
    from db.migrate import head_revision

    return head_revision()


def _revision(path: Path) -> str | None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()


def _pending_jobs(path: Path) -> int | None:
    from db.engine import Database
    from kiosk.services.printing import PrintQueue

    db = Database(path)
    try:
        return PrintQueue(db, lambda payload: None).pending_count()
    except Exception as exc:  # an old schema or a locked file must not break the report
        log.warning("print queue not readable: %s", exc)
        return None
    finally:
        db.dispose()


def _numbering_warnings(path: Path, settings: Settings) -> list[dict] | None:
    from db.engine import Database
    from kiosk.services.numbering import NumberingService

    db = Database(path)
    try:
        fs = settings.fiscal
        numbering = NumberingService(db, warn_remaining=fs.numbering_warn_remaining, warn_days=fs.numbering_warn_days)
        return [w.as_dict() for w in numbering.warnings()]
    except Exception as exc:  # an old schema or a locked file must not break the report
        log.warning("numbering not readable: %s", exc)
        return None
    finally:
        db.dispose()


def _hardware_states(path: Path) -> object:
    """What the hardware manager last wrote about each device, or "unknown"."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "unknown"
    except (OSError, ValueError) as exc:
        return f"unreadable: {exc}"
