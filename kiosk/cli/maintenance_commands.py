"""kiosk-admin backup | backups | restore | status | logs | udev-rules | kivy-config |
upgrade — the technician's commands (users, set-pin and audit: staff_commands.py)."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.appliance import kivy_config, udev
from kiosk.appliance.ownership import give_database_to, owner_of
from kiosk.appliance.servicectl import BACKUP_UNIT, KIOSK_UNIT, ServiceControl, Systemctl
from kiosk.appliance.templates import TemplateMissing
from kiosk.appliance.upgrade import (
    DEFAULT_HEALTHY_S,
    DEFAULT_PREFIX,
    ReleaseGuard,
    RollbackFailed,
    Upgrader,
    UpgradeFailed,
    read_trial,
)
from kiosk.cli.common import EXIT_FAIL, EXIT_OK, CommandError, print_json, print_table, services, settings

if TYPE_CHECKING:  # loaded by the commands that use them (kiosk/cli/main.py: start-up time)
    from kiosk.config import Settings
    from kiosk.services.maintenance import MaintenanceService, RestorePlan

# Replaced by tests: the systemctl wrapper and the program runner (journalctl, udevadm).
SERVICE_CONTROL: Callable[[], ServiceControl] = Systemctl
RUN: Callable[[list[str]], int] = subprocess.call


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="back up the database now (the kiosk keeps selling)")
    p.add_argument("--to", metavar="DIR", type=Path,
                   help="write the backup to DIR instead of <state>/backups (no rotation, no USB copy)")
    p.add_argument("--no-rotate", action="store_true", help="keep every old backup this time")
    p.add_argument("--no-usb", action="store_true", help="do not copy to the USB stick")
    p.add_argument("--nightly", action="store_true",
                   help="the nightly backup (kiosk-backup.timer); without it the backup is a manual one "
                        "(manual-…), kept apart so it never replaces a nightly one")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("backups", help="list the backups in <state>/backups")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_backups)

    p = sub.add_parser("restore", help="replace the database with a backup (the current one is kept aside)")
    p.add_argument("file", type=Path)
    p.add_argument("--yes", action="store_true", help="do not ask; stop and restart the kiosk if running")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("status", help="service, version, database, backups, print queue, devices, disk")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("logs", help="the kiosk's log (journalctl)")
    p.add_argument("-f", "--follow", action="store_true")
    p.add_argument("-n", "--lines", type=int, default=200)
    p.add_argument("--since", help='e.g. "today", "1 hour ago", "2026-03-01 08:00"')
    p.add_argument("--backup", action="store_true", help="include the backup service")
    p.set_defaults(func=cmd_logs)

    p = sub.add_parser("udev-rules", help="print the udev rules for [devices] (or install them)")
    p.add_argument("--user", default="kiosk", help="the kiosk's system user (default kiosk)")
    p.add_argument("--output", type=Path, help="write to this file instead of stdout")
    p.add_argument("--install", action="store_true",
                   help=f"write {udev.RULES_PATH} and reload udev (needs root)")
    p.set_defaults(func=cmd_udev_rules)

    p = sub.add_parser("kivy-config", help="print the Kivy configuration (touchscreen-only input)")
    p.add_argument("--output", type=Path, help="write to this file instead of stdout")
    p.set_defaults(func=cmd_kivy_config)

    p = sub.add_parser("upgrade", help="switch to a new release: back up, migrate, restart, roll back on failure")
    p.add_argument("--release", type=Path, required=True, help="the new release (a virtual environment)")
    p.add_argument("--prefix", type=Path, default=DEFAULT_PREFIX)
    p.add_argument("--timeout", type=float, default=120, help="seconds the kiosk gets to become ready")
    p.add_argument("--settle", type=float, default=20, help="seconds it must then stay up")
    p.add_argument("--healthy-minutes", type=float, default=DEFAULT_HEALTHY_S / 60,
                   help="minutes up without a restart before the new release counts as good (default 10)")
    p.set_defaults(func=cmd_upgrade)

    p = sub.add_parser("release", help="the release on trial after an upgrade (run by the kiosk-release units)")
    p.add_argument("action", choices=["status", "confirm", "boot"],
                   help="status: show it; confirm: good when healthy long enough, rolled back when failing; "
                        "boot: roll back a trial left from before this boot")
    p.add_argument("--prefix", type=Path, default=DEFAULT_PREFIX)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_release)


def _maintenance(s: Settings) -> MaintenanceService:
    from kiosk.services.maintenance import MaintenanceService

    return MaintenanceService(s, service=SERVICE_CONTROL())


def _mb(n: int | None) -> str:
    return "?" if n is None else f"{n / 1_048_576:.1f} MB"


# --- backup / restore ----------------------------------------------------------------

def cmd_backup(args: argparse.Namespace) -> int:
    s = settings(args)
    from kiosk.services.maintenance import MANUAL, SCHEDULED

    kind = SCHEDULED if args.nightly else MANUAL
    report = _maintenance(s).backup(args.to, prefix=kind, rotate=not args.no_rotate, usb=not args.no_usb)
    if args.json:
        print_json({"path": report.path, "kind": kind, "size_bytes": report.size, "integrity": "ok",
                    "removed": report.removed, "usb": report.usb, "usb_ok": report.usb_ok,
                    "usb_state": report.usb_state, "usb_message": report.usb_message})
    else:
        print(f"backup written: {report.path} ({_mb(report.size)}, integrity ok)")
        if report.removed:
            print(f"rotation removed {len(report.removed)} old backups")
        if s.backup.usb_dir:
            print(report.usb_message, file=sys.stdout if report.usb_ok else sys.stderr)
    return EXIT_OK if report.usb_ok else EXIT_FAIL


def cmd_backups(args: argparse.Namespace) -> int:
    s = settings(args)
    found = _maintenance(s).backups()
    if args.json:
        print_json([{"path": b.path, "kind": b.prefix, "taken_at": b.taken_at, "size_bytes": b.size}
                    for b in found])
    else:
        print_table(["taken", "kind", "size", "file"],
                    [(f"{b.taken_at:%Y-%m-%d %H:%M}", b.prefix, _mb(b.size), b.path.name) for b in found],
                    right=(2,))
    return EXIT_OK


def _confirm(args: argparse.Namespace) -> Callable[[RestorePlan], bool]:
    def ask(plan: RestorePlan) -> bool:
        if args.yes:
            return True
        if not sys.stdin.isatty():
            raise CommandError("restore needs a confirmation: run it in a terminal, or pass --yes")
        src = plan.source
        print(f"Restore {src.path}\n  {src.sales} sales, last at {src.last_sale_at or '-'}, schema {src.revision}"
              f"\nover {plan.target}? The current database is kept in backups/ (pre-restore-...).")
        if plan.service_running:
            print("The kiosk service will be stopped and started again.")
        return input("Type yes to continue: ").strip().lower() in ("yes", "y", "si", "sí")
    return ask


def cmd_restore(args: argparse.Namespace) -> int:
    s = settings(args)
    allow_stop = args.yes or sys.stdin.isatty()  # interactively the question covers the stop
    report = _maintenance(s).restore(args.file, allow_stop=allow_stop, confirm=_confirm(args))
    if args.json:
        print_json({"restored_from": report.restored_from, "kept_aside": report.kept_aside,
                    "sales": report.sales, "service_restarted": report.service_restarted})
    else:
        print(f"restored {report.restored_from} ({report.sales} sales)")
        if report.kept_aside:
            print(f"the previous database is kept as {report.kept_aside}")
        if report.service_restarted:
            print("the kiosk service was started again")
    return EXIT_OK


# --- status -------------------------------------------------------------------------

def cmd_status(args: argparse.Namespace) -> int:
    s = settings(args)
    st = _maintenance(s).status()
    db = st["database_info"]
    if args.json:
        print_json(st)
    else:
        last = st["last_backup"]
        rows = [
            ("service", f"{st['service']} (backup timer: {st['backup_timer']})"),
            ("version", st["version"]),
            ("release", st["release"] + (f"  (on trial since {st['release_on_trial']['since']}, back to "
                                         f"{st['release_on_trial']['previous']} unless it stays up "
                                         f"{st['release_on_trial']['healthy_minutes']:g} min)"
                                         if st["release_on_trial"] else "")),
            ("restarts", "-" if st["restarts"] is None else str(st["restarts"])),
            ("last crash", _failure_text(st["last_failure"], st["failures"])),
            ("clock", {True: "synchronised", False: "NOT synchronised (no NTP yet: times may be wrong)",
                       None: "unknown"}[st["clock_synchronized"]]),
            ("power", _throttle_text(st["throttled"])),
            ("usb copy", _usb_text(st["last_usb_copy"])),
            ("config", st["config"] or "built-in defaults"),
            ("state", f"{st['state_dir']}  ({s.state_dir_reason()})"),
            ("database", f"{st['database']}  {_mb(db['size_bytes'])}  integrity {db['integrity']}  "
                         f"schema {db['schema']} (newest {db['schema_head']})"),
            ("last backup", f"{last['taken_at']} ({last['age_hours']} h ago, {last['kind']})  {last['path']}"
             if last else "none"),
            ("print queue", "-" if st["print_queue_pending"] is None else f"{st['print_queue_pending']} pending"),
            ("default PIN", {True: "IN USE: replace it (kiosk-admin set-pin Administrador)", False: "replaced",
                             None: "unknown (older database)"}[st["default_pin_in_use"]]),
            ("disk free", f"{_mb(st['disk_free_bytes'])} of {_mb(st['disk_total_bytes'])}"),
        ]
        if st.get("dian") is not None:
            from kiosk.cli.dian_commands import status_line

            rows.append(("dian", status_line(st["dian"]).removeprefix("DIAN: ")))
        if st.get("sync") is not None:
            sy = st["sync"]
            waiting = sy["waiting_text"] or "nothing waiting to go up"
            error = f"; last error: {sy['last_error']}" if sy["last_error"] else ""
            rows.append(("shop server", f"{sy['server']} (till {sy['till_name']!r}, id {sy['till_id']}): "
                                        f"{waiting}{error}"))
        for warning in st["numbering"] or []:
            rows.append((f"numbering {warning['kind']}", f"{warning['level']}: {warning['text']}"))
        for node, info in st["device_nodes"].items():
            rows.append((f"node {node}", ("present" if info["present"] else "MISSING") + f"  ({info['setting']})"))
        devices = st["devices"]
        if isinstance(devices, dict):
            for name, value in devices.items():
                rows.append((f"device {name}", _device_text(value)))
        else:
            rows.append(("devices", str(devices)))
        width = max(len(k) for k, _ in rows)
        for key, value in rows:
            print(f"{key.ljust(width)}  {value}")
    if db["integrity"] == "missing":  # everything else is still shown: it helps to find out why
        from kiosk.services.maintenance import NoDatabase

        print(f"error: {NoDatabase.at(s)}", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK if db["integrity"] == "ok" else EXIT_FAIL


def _failure_text(failure: dict | None, count: int) -> str:
    if not failure:
        return "none recorded"
    return f"{failure['at']}: {failure['reason']} ({count} in all)"


def _throttle_text(throttled: dict | None) -> str:
    if throttled is None:
        return "not a Raspberry Pi (no vcgencmd)"
    if throttled.get("ok"):
        return f"ok ({throttled['value']})"
    if throttled.get("error"):
        return f"unknown: {throttled['error']}"
    return f"{throttled['value']}: " + ", ".join(throttled["flags"]) + " (check the power supply)"


def _usb_text(record: dict | None) -> str:
    if not record:
        return "none yet"
    return f"{record['at']}: {record['message']}"


def _device_text(value: object) -> str:
    if isinstance(value, dict):
        head = value.get("state") or value.get("status") or ("connected" if value.get("connected") else "")
        rest = ", ".join(f"{k}={v}" for k, v in value.items() if k not in ("state", "status"))
        return f"{head}  {rest}".strip()
    return str(value)


# --- logs ---------------------------------------------------------------------------

def cmd_logs(args: argparse.Namespace) -> int:
    if shutil.which("journalctl") is None:
        raise CommandError("journalctl not found: the logs are in the systemd journal of the kiosk")
    argv = ["journalctl", "--unit", KIOSK_UNIT]
    if args.backup:
        argv += ["--unit", BACKUP_UNIT]
    argv += ["--lines", str(args.lines)]
    if args.since:
        argv += ["--since", args.since]
    if args.follow:
        argv.append("--follow")
    return RUN(argv)


# --- generated files ----------------------------------------------------------------

def _write(path: Path, text: str, mode: int) -> None:
    """Write only when the content changed (an unchanged file keeps its mtime)."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def cmd_udev_rules(args: argparse.Namespace) -> int:
    s = settings(args)
    try:
        text = udev.render_rules(s.devices, user=args.user, config=str(s.source or "the built-in defaults"))
    except TemplateMissing as exc:
        raise CommandError(str(exc)) from None
    target = udev.RULES_PATH if args.install else args.output
    if target is None:
        sys.stdout.write(text)
        return EXIT_OK
    _write(target, text, 0o644)
    if args.install:
        for argv in (["udevadm", "control", "--reload-rules"], ["udevadm", "trigger", "--action=change"]):
            if RUN(argv) != 0:
                raise CommandError(f"{' '.join(argv)} failed; unplug and plug the devices in again")
        print(f"{target} installed; udev reloaded")
    return EXIT_OK


def cmd_kivy_config(args: argparse.Namespace) -> int:
    s = settings(args)
    try:
        text = kivy_config.render(s.devices)
    except (TemplateMissing, kivy_config.KivyConfigError) as exc:
        raise CommandError(str(exc)) from None
    if args.output is None:
        sys.stdout.write(text)
    else:
        _write(args.output, text, 0o644)
    return EXIT_OK


# --- upgrade ------------------------------------------------------------------------

def cmd_upgrade(args: argparse.Namespace) -> int:
    from db.engine import Database
    from db.migrate import migrate

    s = settings(args)
    maintenance = _maintenance(s)
    owner = owner_of(s.state_dir)

    def backup() -> Path | None:
        if not maintenance.db_path.is_file():
            return None
        return maintenance.backup(prefix="pre-upgrade", rotate=False, usb=False).path

    def run_migrations() -> str:
        from kiosk.app_factory import record_upgrade
        from kiosk.services.access import Access
        from kiosk.services.audit import AuditService

        if not maintenance.db_path.is_file():  # never created here: the kiosk does at its start
            return f"no database at {maintenance.db_path} yet; the kiosk creates it when it starts"
        db = Database(maintenance.db_path)
        try:
            result = migrate(db, backup_dir=None)
            if result.before is not None and result.before != result.after:
                record_upgrade(AuditService(db, Access()), result, release=str(args.release))
        finally:
            db.dispose()
            give_database_to(owner, maintenance.db_path)
        return f"{result.before or 'new'} -> {result.after}"

    def restore(path: Path) -> None:
        maintenance.restore(path, allow_stop=True)

    upgrader = Upgrader(args.prefix, maintenance.service, backup=backup, migrate=run_migrations,
                        restore=restore, timeout_s=args.timeout, settle_s=args.settle,
                        healthy_s=args.healthy_minutes * 60)
    try:
        report = upgrader.run(args.release)
    except (UpgradeFailed, RollbackFailed) as exc:
        for step in exc.report.steps:
            print(step)
        raise
    for step in report.steps:
        print(step)
    return EXIT_OK


def cmd_release(args: argparse.Namespace) -> int:
    s = settings(args)
    maintenance = _maintenance(s)
    if args.action == "status":
        trial = read_trial(args.prefix)
        if args.json:
            print_json({"trial": trial})
        else:
            print("no release on trial" if trial is None else
                  f"{trial.release} on trial since {trial.started_at} (good after {trial.healthy_s / 60:g} minutes "
                  f"up without a restart; else back to {trial.previous})")
        return EXIT_OK
    guard = ReleaseGuard(args.prefix, maintenance.service,
                         restore=lambda path: maintenance.restore(path, allow_stop=True))
    try:
        report = guard.confirm() if args.action == "confirm" else guard.boot()
    except RollbackFailed as exc:
        for step in exc.report.steps:
            print(step)
        raise
    if args.json:
        print_json(report)
    else:
        for step in report.steps:
            print(step)
        print({"none": "no release on trial", "waiting": f"{report.release} on trial: {report.reason}",
               "good": f"{report.release} counts as good: {report.reason}",
               "rolled_back": f"{report.release} rolled back: {report.reason}",
               "not_this_boot": f"{report.release} on trial since this boot"}[report.verdict])
    return EXIT_FAIL if report.verdict == "rolled_back" else EXIT_OK
