"""Backups (online, verified, rotated, copied to a USB stick), restore, and the
technician's status report. ``kiosk-admin`` and the nightly timer call this.

Backup names carry their kind and time: ``kiosk-20260301-031500.db`` for the nightly
backups (rotated 7 daily / 4 weekly / 12 monthly by default), ``manual-…`` for the
ones a technician takes by hand (kept apart: they never push a nightly one out),
``pre-migrate-…``, ``pre-upgrade-…`` and ``pre-restore-…`` for the safety copies taken
before a change (the newest ``keep_safety`` of each kind are kept).

Rotation never trusts the clock alone: every backup written is also appended to the
folder's ``.written`` list, and the newest ``keep_daily`` backups *in the order they
were written* are always kept, whatever their dates (a Pi without a real-time clock
that once ran with a date in the future would otherwise have every real backup look
"older" and be rotated away). ``*.part`` files that no copy is writing (a power cut,
a pulled stick) are removed.
"""

from __future__ import annotations

import errno
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
from kiosk.appliance import health, service_exit
from kiosk.appliance.devices import expected_nodes
from kiosk.appliance.ownership import give_to, owner_of
from kiosk.appliance.servicectl import KIOSK_UNIT, ServiceControl, Systemctl, is_running, processes_using
from kiosk.config import Settings, state_dir_reason
from kiosk.core.errors import DomainError
from kiosk.i18n import N_, translate

log = logging.getLogger(__name__)


def note_in_file(path: Path, act: str, subject: str = "", **values: object) -> bool:
    """kiosk.services.audit.note_in_file, loaded when a backup or restore is noted
    (the audit log brings SQLAlchemy: ``kiosk-admin status`` starts without it)."""
    from kiosk.services import audit

    return audit.note_in_file(path, act, subject, **values)


SCHEDULED = "kiosk"
MANUAL = "manual"
BACKUP_DIR = "backups"
WRITTEN = ".written"  # the names of the backups in the order they were written
USB_RECORD = ".usb-last.json"  # the last copy to the USB stick, for `kiosk-admin status`
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

    @property
    def kind(self) -> str:
        """"kiosk", "manual", "pre-migrate", "pre-upgrade", "pre-restore" ..."""
        if self.prefix.startswith("pre-"):
            return "-".join(self.prefix.split("-")[:2])
        return self.prefix


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


def read_written(directory: Path) -> list[str]:
    """The backup names in the order they were written (oldest first)."""
    try:
        return (directory / WRITTEN).read_text(encoding="utf-8").split()
    except OSError:
        return []


def note_written(directory: Path, path: Path) -> None:
    with open(directory / WRITTEN, "a", encoding="utf-8") as fh:
        fh.write(path.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _compact_written(directory: Path, kept: set[str]) -> None:
    names = [n for n in read_written(directory) if n in kept]
    tmp = directory / (WRITTEN + ".new")
    tmp.write_text("".join(n + "\n" for n in names), encoding="utf-8")
    os.replace(tmp, directory / WRITTEN)


def to_keep(backups: list[BackupFile], daily: int, weekly: int, monthly: int, safety: int,
            written: list[str] | None = None) -> set[Path]:
    """Grandfather-father-son: the newest backup of each of the last ``daily`` days that
    have one, of the last ``weekly`` ISO weeks and of the last ``monthly`` months; the
    newest scheduled backup always; the newest ``safety`` copies of each other kind.

    "Newest" is the order the backups were written (``written``, oldest first; files
    it does not list count as older, by their dates), so the newest ``daily`` nightly
    backups are kept whatever dates a wrong clock gave them."""
    order = {name: i for i, name in enumerate(written or [])}

    def newest_first(items: list[BackupFile]) -> list[BackupFile]:
        return sorted(items, key=lambda b: (order.get(b.path.name, -1), _age(b)), reverse=True)

    scheduled = newest_first([b for b in backups if b.scheduled])
    keep: set[Path] = {b.path for b in scheduled[:max(1, daily)]}
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
    kinds: dict[str, list[BackupFile]] = {}
    for b in backups:
        if not b.scheduled:
            kinds.setdefault(b.kind, []).append(b)
    for items in kinds.values():
        keep.update(b.path for b in newest_first(items)[:safety])
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
    usb: str = "not configured"  # "copied to …", "not mounted", "failed: …" (English, for logs and scripts)
    usb_ok: bool = True
    # not_configured | copied | not_mounted | read_only | vanished | full | no_permission | failed
    usb_state: str = "not_configured"
    usb_message: str = ""  # what a person reads, in the shop's language


# What went wrong with the USB stick, said so that someone at the till can act on it.
USB_MESSAGES = {
    "copied": N_("Backup copied to the USB stick ({path})."),
    "not_mounted": N_("No USB stick at {usb_dir}: the backup stays on the till only. Plug the stick in."),
    "read_only": N_("The USB stick at {usb_dir} is read-only (its lock switch, or a damaged file system "
                    "the system protected): the backup stays on the till. Unlock or check the stick."),
    "vanished": N_("The USB stick at {usb_dir} was removed or stopped answering during the copy: the backup "
                   "stays on the till; nothing half-copied was left. Plug it in and back up again."),
    "full": N_("The USB stick at {usb_dir} is full: {detail}"),
    "no_permission": N_("The kiosk may not write to the USB stick at {usb_dir}; mount it for the kiosk user "
                        "(uid=kiosk in /etc/fstab)."),
    "failed": N_("The copy to the USB stick at {usb_dir} failed: {detail}"),
}
_VANISHED = {errno.ENOENT, errno.ENODEV, errno.EIO, errno.ENXIO, errno.ESTALE, errno.ENOTCONN}


def usb_problem(exc: BaseException) -> str:
    """The USB message key for an error during the copy to the stick."""
    if isinstance(exc, DiskFull):
        return "full"
    code = getattr(exc, "errno", None)
    if code == errno.EROFS:
        return "read_only"
    if code in (errno.EACCES, errno.EPERM):
        return "no_permission"
    if code == errno.ENOSPC:
        return "full"
    if code in _VANISHED:
        return "vanished"
    return "failed"


def read_usb_record(backup_dir: Path) -> dict | None:
    """The last copy to the USB stick (time, outcome, message), or None."""
    try:
        data = json.loads((backup_dir / USB_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


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
                 clock: Callable[[], datetime] = datetime.now, unit: str = KIOSK_UNIT,
                 prefix: Path | None = None):
        self.settings = settings
        self.service = service or Systemctl()
        self.disk_usage = disk_usage
        self.is_mount = is_mount
        self.holders = holders
        self.clock = clock
        self.unit = unit
        self.prefix = prefix  # /opt/kiosk (releases); None: the default

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
            dbbackup.remove_stale_parts(directory)  # copies a power cut or a kill interrupted
            self._require_space(directory, self._db_bytes())
            dest = self._new_name(directory, prefix)
            try:
                dbbackup.backup(self.db_path, dest)
            except dbbackup.BackupError as exc:
                raise BackupFailed(reason=str(exc)) from None
            except OSError as exc:
                raise BackupFailed(reason=f"{dest}: {exc.strerror or exc}") from None
            if to is None:
                note_written(directory, dest)
            give_to(owner, directory, dest, directory / ".lock", directory / WRITTEN)
            report = BackupReport(dest, dest.stat().st_size)
            log.info("backup written: %s (%d bytes)", dest, report.size)
            note_in_file(self.db_path, "backup", dest.name, after={"kind": prefix, "size_bytes": report.size,
                                                                  "folder": str(directory)})
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
        keep = to_keep(found, b.keep_daily, b.keep_weekly, b.keep_monthly, b.keep_safety,
                       read_written(directory)) | {protect}
        removed = []
        for item in found:
            if item.path not in keep:
                item.path.unlink(missing_ok=True)
                removed.append(item.path)
        _compact_written(directory, {p.name for p in keep if p is not None})
        dbbackup.remove_stale_parts(directory)  # left by a power cut in the middle of a copy
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
            self._usb_outcome(report, "not_mounted", "not mounted", ok=True)
            log.warning("USB backup copy skipped: %s is not a mounted stick", usb_dir)
            return
        target_dir = Path(usb_dir) / USB_SUBDIR
        dest = target_dir / report.path.name
        part = dest.with_name(dest.name + ".part")
        claim = None
        try:
            # Never parents=True: a stick pulled after the mount check leaves an empty
            # mount point, and the copy must fail rather than land on the SD card.
            target_dir.mkdir(exist_ok=True)
            dbbackup.remove_stale_parts(target_dir)  # a copy cut short when the stick was pulled
            self._require_space(target_dir, report.size)
            claim = dbbackup.claim_part(part)
            with open(report.path, "rb") as src, open(part, "wb") as out:
                shutil.copyfileobj(src, out, 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
            result = dbbackup.integrity(part)
            if result != "ok":
                raise dbbackup.BackupError(f"the copy on the stick failed its integrity check: {result}")
            os.replace(part, dest)
            dbbackup.fsync_dir(target_dir)
            note_written(target_dir, dest)
            self._rotate(target_dir, protect=dest)
            self._usb_outcome(report, "copied", f"copied to {dest}", ok=True, path=dest)
        except (OSError, dbbackup.BackupError, DiskFull) as exc:
            try:
                part.unlink(missing_ok=True)
            except OSError:
                pass  # read-only or gone: nothing can be written there, nor removed
            state = usb_problem(exc)
            detail = exc.message() if isinstance(exc, DiskFull) else (getattr(exc, "strerror", None) or str(exc))
            self._usb_outcome(report, state, f"failed: {exc}", ok=False, detail=detail)
            log.error("USB backup copy failed (%s): %s", state, exc)
        finally:
            if claim is not None:
                os.close(claim)

    def _usb_outcome(self, report: BackupReport, state: str, text: str, *, ok: bool, path: Path | None = None,
                     detail: str = "") -> None:
        """Say what happened to the stick copy: in the report, and in the backups folder
        for `kiosk-admin status` (the last copy, good or bad)."""
        usb_dir = self.settings.backup.usb_dir
        report.usb, report.usb_ok, report.usb_state = text, ok, state
        report.usb_message = translate(USB_MESSAGES[state]).format(usb_dir=usb_dir, path=path or "", detail=detail)
        record = {"at": self.clock().isoformat(timespec="seconds"), "state": state, "ok": ok,
                  "path": str(path) if path else None, "message": translate(USB_MESSAGES[state], "en").format(
                      usb_dir=usb_dir, path=path or "", detail=detail)}
        try:
            tmp = self.backup_dir / (USB_RECORD + ".new")
            tmp.write_text(json.dumps(record), encoding="utf-8")
            os.replace(tmp, self.backup_dir / USB_RECORD)
            give_to(owner_of(self.settings.state_dir), self.backup_dir / USB_RECORD)
        except OSError as exc:
            log.warning("cannot record the USB copy: %s", exc)

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
            note_in_file(self.db_path, "restore", source.name, after={
                "sales": plan.source.sales, "kept_aside": aside.name if aside else None})
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
        dian = None
        sync = None
        if self.db_path.is_file():
            database["size_bytes"] = self._db_bytes()
            try:
                database["integrity"] = dbbackup.integrity(self.db_path, quick=True)  # admin_start_s
                database["schema"] = _revision(self.db_path)
                pending = _pending_jobs(self.db_path)
                numbering = _numbering_warnings(self.db_path, s) if s.fiscal.on else None
                dian = _dian_summary(self.db_path, s) if s.fiscal.on else None
                sync = _sync_summary(self.db_path)
            except (dbbackup.BackupError, sqlite3.Error) as exc:
                database["integrity"] = f"unreadable: {exc}"
        last = self.last_backup()
        last_info = None
        if last is not None:
            age = self.clock() - last.taken_at
            last_info = {"path": str(last.path), "kind": last.prefix, "taken_at": last.taken_at.isoformat(),
                         "age_hours": round(age.total_seconds() / 3600, 1), "size_bytes": last.size}
        usage = self.disk_usage(s.state_dir if s.state_dir.exists() else Path("/"))
        from kiosk.appliance.upgrade import DEFAULT_PREFIX, current_release, read_trial, running_release

        prefix = self.prefix or DEFAULT_PREFIX
        installed = current_release(prefix)
        trial = read_trial(prefix)
        restarts = self.service.properties(self.unit, ["NRestarts"]).get("NRestarts", "")
        exits = service_exit.read(s.state_dir)
        return {
            "service": self.service.state(self.unit),
            "backup_timer": self.service.state("kiosk-backup.timer"),
            "version": __version__,
            "release": running_release(prefix),
            "release_installed": installed.name if installed else None,
            "release_on_trial": ({"release": trial.release, "previous": trial.previous, "since": trial.started_at,
                                  "healthy_minutes": trial.healthy_s / 60} if trial else None),
            "restarts": int(restarts) if restarts.isdigit() else None,
            "failures": exits.get("failures", 0),
            "last_failure": exits.get("last_failure"),
            "clock_synchronized": health.clock_synchronized(),
            "throttled": health.throttling(),
            "last_usb_copy": read_usb_record(self.backup_dir),
            "config": str(s.source) if s.source else None,
            "state_dir": str(s.state_dir),
            "state_dir_origin": s.state_dir_origin,
            "database": str(self.db_path.absolute()),
            "database_info": database,
            "last_backup": last_info,
            "backups": len(self.backups()),
            "print_queue_pending": pending,
            "default_pin_in_use": _default_pin_in_use(self.db_path),
            # fiscal profile on: what managers are warned about (no valid numbering, few
            # numbers or days left); None when the profile is off
            "numbering": numbering,
            # fiscal profile on: documents waiting for DIAN, the oldest's age, contingency
            "dian": dian,
            # the shop server: documents waiting to go up and since when (None: works alone)
            "sync": sync,
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
    """The newest schema, from the migration files (no Alembic import: status starts fast)."""
    from db.heads import head_from_files

    head = head_from_files()
    if head is None:
        from db.migrate import alembic_head

        head = alembic_head()
    return head


def _revision(path: Path) -> str | None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()


def _default_pin_in_use(path: Path) -> bool | None:
    """An active user still has the first start's default PIN (true before the first
    start too: the kiosk will create the admin with it). None: an older schema."""
    if not path.is_file():
        return True
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT count(*) FROM users WHERE active = 1 AND must_change_pin = 1").fetchone()
        return bool(row[0])
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _pending_jobs(path: Path) -> int | None:
    """Receipts waiting in the print queue (PrintQueue.pending_count's question, asked
    with sqlite3 as the other figures are: status loads neither SQLAlchemy nor the
    printer modules)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT COUNT(*) FROM print_jobs WHERE status = 'pending'").fetchone()[0]
    except sqlite3.Error as exc:  # an old schema or a locked file must not break the report
        log.warning("print queue not readable: %s", exc)
        return None
    finally:
        conn.close()


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


def _sync_summary(path: Path) -> dict | None:
    """What waits to go up to the shop server (kiosk/services/sync_status.py), without
    trying to reach it; None on a till that works alone."""
    if not _registered_with_server(path):  # the usual till: no SQLAlchemy loaded for status
        return None
    from db.engine import Database
    from kiosk.services.sync_status import sync_status, waiting_text

    db = Database(path)
    try:
        st = sync_status(db)
        return {**st.as_dict(), "waiting_text": waiting_text(st)} if st.registered else None
    except Exception as exc:  # an old schema or a locked file must not break the report
        log.warning("sync outbox not readable: %s", exc)
        return None
    finally:
        db.dispose()


def _registered_with_server(path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT count(*) FROM sync_link").fetchone()[0] > 0
        finally:
            conn.close()
    except sqlite3.Error:  # an older schema without the table, or an unreadable file
        return False


def _dian_summary(path: Path, settings: Settings) -> dict | None:
    """What waits for DIAN (kiosk/services/dian_outbox.py), read without building the app."""
    from db.engine import Database
    from kiosk.services.dian_outbox import outbox_summary

    db = Database(path)
    try:
        return outbox_summary(db, settings.dian).as_dict()
    except Exception as exc:  # an old schema or a locked file must not break the report
        log.warning("DIAN outbox not readable: %s", exc)
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
