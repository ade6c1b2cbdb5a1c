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
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.appliance.servicectl import KIOSK_UNIT, ServiceControl, is_running, wait_active
from kiosk.core.errors import DomainError
from kiosk.i18n import N_

log = logging.getLogger(__name__)

DEFAULT_PREFIX = Path("/opt/kiosk")


class UpgradeFailed(DomainError):
    code = "upgrade_failed"
    template = N_("The upgrade to {release} failed ({reason}); the kiosk is back on {previous}.")


class RollbackFailed(DomainError):
    code = "rollback_failed"
    template = N_("The upgrade to {release} failed ({reason}) and so did the way back ({error}). "
                  "Run kiosk-admin status and see the README (Upgrade).")


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


class Upgrader:
    def __init__(self, prefix: Path, service: ServiceControl, *, backup: Callable[[], Path],
                 migrate: Callable[[], str], restore: Callable[[Path], None],
                 timeout_s: float = 120, settle_s: float = 20, unit: str = KIOSK_UNIT,
                 wait: Callable[..., bool] = wait_active):
        self.prefix = prefix
        self.service = service
        self.backup = backup
        self.migrate = migrate
        self.restore = restore
        self.timeout_s = timeout_s
        self.settle_s = settle_s
        self.unit = unit
        self.wait = wait

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
        self.service.start(self.unit)
        if not self.wait(self.service, self.unit, self.timeout_s, self.settle_s):
            return self._roll_back(report, f"{self.unit} did not become ready within {self.timeout_s:.0f} s",
                                   was_running)
        report.steps.append(f"{self.unit} is running")
        report.upgraded = True
        self._prune(keep={release, previous})
        return report

    def _roll_back(self, report: UpgradeReport, reason: str, was_running: bool) -> UpgradeReport:
        log.error("upgrade to %s failed: %s; rolling back", report.release, reason)
        report.steps.append(f"failed: {reason}")
        try:
            self.service.stop(self.unit)
            if report.previous is None:
                raise RuntimeError("there is no previous release to go back to")
            switch_link(self.prefix / "venv", report.previous)
            report.steps.append(f"switched back to {report.previous.name}")
            if report.backup is not None:
                self.restore(report.backup)
                report.steps.append(f"database restored from {report.backup}")
            if was_running:
                self.service.start(self.unit)
                report.steps.append(f"started {self.unit} again")
        except Exception as exc:
            err = RollbackFailed(release=str(report.release), reason=reason, error=str(exc))
            err.report = report
            raise err from None
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
