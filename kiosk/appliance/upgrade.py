"""Upgrading the installed kiosk, with a way back.

Every installed version is a release: its own virtual environment under
``/opt/kiosk/releases/<version>-<source hash>``. ``/opt/kiosk/venv`` is a symbolic link
to the release in use (the units start ``/opt/kiosk/venv/bin/kiosk``) and
``/opt/kiosk/previous`` to the one before. An upgrade:

1. backs the database up (``pre-upgrade-….db``),
2. stops the kiosk and points ``venv`` at the new release,
3. migrates the database with the new code,
4. starts the kiosk and waits until systemd reports it active (``Type=notify``: the
   lock screen was drawn) and it stays up for a while,
5. otherwise rolls back: the previous release, the pre-upgrade database, started again.

A rollback always runs to its end: every step is tried even when one before it
failed, the kiosk's start-limit counter is reset before it is started again (after a
crash loop systemd would refuse "Start request repeated too quickly"), and what went
wrong is reported with every step taken.

A release that came up is only *on trial* (``/opt/kiosk/trial.json``), as greenboot
and balena do it: it counts as good once the kiosk has stayed up, without a restart,
for ``healthy_s`` (kiosk-release-good.timer asks every minute). If it keeps crashing
or systemd gave up on it, it is rolled back then; if the box goes down before it
proved itself (a hang the hardware watchdog reset, a power cut), the next boot rolls
it back before the kiosk starts (kiosk-release-boot.service).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from kiosk.appliance.servicectl import KIOSK_UNIT, ServiceControl, is_running, wait_active
from kiosk.core.errors import DomainError
from kiosk.i18n import N_

log = logging.getLogger(__name__)

DEFAULT_PREFIX = Path("/opt/kiosk")
TRIAL = "trial.json"
DEFAULT_HEALTHY_S = 600.0
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


class UpgradeFailed(DomainError):
    code = "upgrade_failed"
    template = N_("The upgrade to {release} failed ({reason}); the kiosk is back on {previous}.")


class RollbackFailed(DomainError):
    code = "rollback_failed"
    template = N_("The upgrade to {release} failed ({reason}) and so did the way back ({error}). "
                  "Run kiosk-admin status and see docs/installation.md (Upgrade).")


@dataclass
class UpgradeReport:
    release: Path
    previous: Path | None
    backup: Path | None = None
    migrated: str = ""
    steps: list[str] = field(default_factory=list)
    upgraded: bool = False


def switch_link(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` atomically (a new link renamed over the old one)."""
    tmp = link.with_name(link.name + ".new")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    relative = os.path.relpath(target, link.parent)
    tmp.symlink_to(relative)
    os.replace(tmp, link)


def current_release(prefix: Path) -> Path | None:
    link = prefix / "venv"
    return link.resolve() if link.is_symlink() else None


def running_release(prefix: Path = DEFAULT_PREFIX, interpreter_prefix: str | None = None) -> str:
    """The release this program runs from ("0.2.0-3f9c0a1b2c4d"); outside a release
    (development) the package version and "development"."""
    import sys

    from kiosk import __version__

    here = Path(interpreter_prefix or sys.prefix).resolve()
    if here.parent.name == "releases":
        return here.name
    return f"{__version__} (development, not an installed release)"


def current_boot_id(path: Path = BOOT_ID) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


@dataclass
class Trial:
    """A release that came up after an upgrade but has not yet proved itself."""

    release: str  # folder names under releases/
    previous: str
    backup: str | None  # the pre-upgrade database, restored by a rollback
    started_at: str  # wall clock, for people
    started_mono: float  # CLOCK_MONOTONIC when it came up (valid within one boot)
    boot_id: str
    restarts: int  # the unit's NRestarts when it came up
    healthy_s: float


def read_trial(prefix: Path) -> Trial | None:
    try:
        data = json.loads((prefix / TRIAL).read_text(encoding="utf-8"))
        return Trial(**data)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as exc:
        log.error("%s is unreadable (%s): treating it as no trial", prefix / TRIAL, exc)
        return None


def write_trial(prefix: Path, trial: Trial) -> None:
    path = prefix / TRIAL
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(json.dumps(asdict(trial), indent=1), encoding="utf-8")
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def clear_trial(prefix: Path) -> None:
    (prefix / TRIAL).unlink(missing_ok=True)


def _restarts(service: ServiceControl, unit: str) -> int:
    try:
        value = service.properties(unit, ["NRestarts"]).get("NRestarts", "")
    except Exception:  # noqa: BLE001 - a status read must never stop a rollback
        return 0
    return int(value) if value.isdigit() else 0


def roll_back(prefix: Path, service: ServiceControl, unit: str, previous: Path | None, backup: Path | None,
              restore: Callable[[Path], None], *, start: bool) -> tuple[list[str], list[str]]:
    """Back to ``previous`` and the ``backup`` database; every step is tried whatever
    happened to the one before. Returns (steps taken, errors)."""
    steps: list[str] = []
    errors: list[str] = []

    def step(done: str, failed: str, action: Callable[[], object]) -> bool:
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - reported; the next steps still run
            errors.append(f"{failed}: {exc}")
            steps.append(f"could not {failed}: {exc}")
            return False
        steps.append(done)
        return True

    step(f"stopped {unit}", f"stop {unit}", lambda: service.stop(unit))
    if previous is None:
        errors.append("there is no previous release to go back to")
        steps.append("could not switch back: there is no previous release")
    else:
        step(f"switched back to {previous.name}", f"switch back to {previous.name}",
             lambda: switch_link(prefix / "venv", previous))
    if backup is not None:
        step(f"database restored from {backup}", f"restore the database from {backup}", lambda: restore(backup))
    clear_trial(prefix)
    if start:
        # A crash loop leaves the unit failed with its start limit reached: systemd
        # would refuse the start ("Start request repeated too quickly").
        step(f"reset {unit}'s failed state and start limit", f"reset {unit}", lambda: service.reset_failed(unit))
        step(f"started {unit} again", f"start {unit}", lambda: service.start(unit))
    return steps, errors


class Upgrader:
    def __init__(self, prefix: Path, service: ServiceControl, *, backup: Callable[[], Path],
                 migrate: Callable[[], str], restore: Callable[[Path], None],
                 timeout_s: float = 120, settle_s: float = 20, unit: str = KIOSK_UNIT,
                 wait: Callable[..., bool] = wait_active, healthy_s: float = DEFAULT_HEALTHY_S,
                 clock: Callable[[], float] = time.monotonic, boot_id: Callable[[], str] = current_boot_id):
        self.prefix = prefix
        self.service = service
        self.backup = backup
        self.migrate = migrate
        self.restore = restore
        self.timeout_s = timeout_s
        self.settle_s = settle_s
        self.unit = unit
        self.wait = wait
        self.healthy_s = healthy_s
        self.clock = clock
        self.boot_id = boot_id

    def run(self, release: Path) -> UpgradeReport:
        release = release.resolve()
        if not (release / "bin" / "kiosk").exists():
            raise UpgradeFailed(release=str(release), reason="no kiosk program in it",
                                previous=str(current_release(self.prefix)))
        previous = current_release(self.prefix)
        report = UpgradeReport(release, previous)
        if previous == release:
            report.steps.append("already running this release")
            return report
        link = self.prefix / "venv"
        was_running = is_running(self.service, self.unit)
        report.backup = self.backup()
        report.steps.append(f"backed up to {report.backup}")
        self.service.stop(self.unit)
        report.steps.append(f"stopped {self.unit}")
        switch_link(link, release)
        if previous is not None:
            switch_link(self.prefix / "previous", previous)
        report.steps.append(f"switched to {release.name}")
        try:
            report.migrated = self.migrate()
            report.steps.append(f"migrated: {report.migrated}")
        except Exception as exc:  # any failure of the new code sends us back
            return self._roll_back(report, f"migration failed: {exc}", was_running)
        try:
            # Type=notify: `systemctl start` fails when the kiosk exits before READY=1.
            self.service.start(self.unit)
            up = self.wait(self.service, self.unit, self.timeout_s, self.settle_s)
        except Exception as exc:  # noqa: BLE001 - whatever happened, the till must not stay dark
            return self._roll_back(report, f"{self.unit} did not start: {exc}", was_running)
        if not up:
            return self._roll_back(report, f"{self.unit} did not become ready within {self.timeout_s:.0f} s",
                                   was_running)
        report.steps.append(f"{self.unit} is running")
        report.upgraded = True
        self._prune(keep={release, previous})
        if previous is not None:
            write_trial(self.prefix, Trial(
                release.name, previous.name, str(report.backup) if report.backup else None,
                datetime.now().astimezone().isoformat(timespec="seconds"), self.clock(), self.boot_id(),
                _restarts(self.service, self.unit), self.healthy_s))
            report.steps.append(f"on trial: {release.name} counts as good after {self.healthy_s / 60:g} minutes "
                                f"up without a restart; otherwise it is rolled back")
        return report

    def _roll_back(self, report: UpgradeReport, reason: str, was_running: bool) -> UpgradeReport:
        log.error("upgrade to %s failed: %s; rolling back", report.release, reason)
        report.steps.append(f"failed: {reason}")
        steps, errors = roll_back(self.prefix, self.service, self.unit, report.previous, report.backup,
                                  self.restore, start=was_running)
        report.steps += steps
        if errors:
            err = RollbackFailed(release=str(report.release), reason=reason, error="; ".join(errors))
            err.report = report
            raise err
        err = UpgradeFailed(release=report.release.name, reason=reason, previous=report.previous.name)
        err.report = report
        raise err

    def _prune(self, keep: set[Path | None]) -> None:
        """Releases other than the current and the previous one only take space."""
        releases = self.prefix / "releases"
        if not releases.is_dir():
            return
        for item in releases.iterdir():
            if item.is_dir() and not item.is_symlink() and item.resolve() not in keep:
                shutil.rmtree(item, ignore_errors=True)
                log.info("removed old release %s", item.name)


@dataclass
class GuardReport:
    verdict: str  # none | waiting | good | rolled_back | not_this_boot
    release: str = ""
    reason: str = ""
    steps: list[str] = field(default_factory=list)


class ReleaseGuard:
    """The release on trial: confirmed when healthy long enough, rolled back when not
    (run by kiosk-release-good.service and, at boot, kiosk-release-boot.service)."""

    def __init__(self, prefix: Path, service: ServiceControl, *, restore: Callable[[Path], None],
                 unit: str = KIOSK_UNIT, clock: Callable[[], float] = time.monotonic,
                 boot_id: Callable[[], str] = current_boot_id):
        self.prefix = prefix
        self.service = service
        self.restore = restore
        self.unit = unit
        self.clock = clock
        self.boot_id = boot_id

    def confirm(self) -> GuardReport:
        trial = read_trial(self.prefix)
        if trial is None:
            return GuardReport("none")
        if trial.boot_id != self.boot_id():
            return self._roll_back(trial, "the box restarted before the release proved itself", start=True)
        state = self.service.state(self.unit)
        restarts = _restarts(self.service, self.unit)
        if state == "failed":
            return self._roll_back(trial, f"{self.unit} failed (systemd gave up restarting it)", start=True)
        if restarts > trial.restarts:
            return self._roll_back(trial, f"{self.unit} restarted {restarts - trial.restarts} times since the upgrade",
                                   start=True)
        up_s = self.clock() - trial.started_mono
        if state == "active" and up_s >= trial.healthy_s:
            clear_trial(self.prefix)
            log.info("release %s is good: up %.0f s without a restart", trial.release, up_s)
            return GuardReport("good", trial.release, f"up {up_s / 60:.0f} minutes without a restart")
        return GuardReport("waiting", trial.release,
                           f"{state}, up {up_s / 60:.1f} of {trial.healthy_s / 60:g} minutes")

    def boot(self) -> GuardReport:
        """Before the kiosk starts: a trial left from an earlier boot never proved itself."""
        trial = read_trial(self.prefix)
        if trial is None:
            return GuardReport("none")
        if trial.boot_id == self.boot_id():
            return GuardReport("not_this_boot", trial.release, "the trial began in this boot")
        # kiosk.service starts after this unit: it picks the previous release up itself.
        return self._roll_back(trial, "the box restarted before the release proved itself", start=False)

    def _roll_back(self, trial: Trial, reason: str, *, start: bool) -> GuardReport:
        log.error("release %s on trial rolled back: %s", trial.release, reason)
        previous = self.prefix / "releases" / trial.previous
        steps, errors = roll_back(self.prefix, self.service, self.unit,
                                  previous if previous.is_dir() else None,
                                  Path(trial.backup) if trial.backup else None, self.restore, start=start)
        if errors:
            err = RollbackFailed(release=trial.release, reason=reason, error="; ".join(errors))
            err.report = GuardReport("rolled_back", trial.release, reason, steps)
            raise err
        return GuardReport("rolled_back", trial.release, reason, steps)
