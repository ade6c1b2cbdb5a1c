"""The upgrade path: back up, switch release, migrate, restart, and roll back (previous
release and pre-upgrade database) when the new one does not come up. Real release
folders, symbolic links and SQLite files; the service control is the injected fake."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from db.migrate import head_revision
from kiosk.appliance.servicectl import wait_active
from kiosk.appliance.upgrade import Upgrader, UpgradeFailed, current_release
from kiosk.cli.main import main
from kiosk.services.maintenance import MaintenanceService
from tests.e2e.appliance_helpers import FakeService
from tests.invariants import check_invariants


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class ReleaseAwareService(FakeService):
    """Comes up only when /opt/kiosk/venv points at a release that works."""

    def __init__(self, prefix: Path, broken: set[str]):
        super().__init__({"kiosk.service": "active"})
        self.prefix = prefix
        self.broken = broken

    def start(self, unit: str) -> None:
        super().start(unit)
        release = (self.prefix / "venv").resolve().name
        self.states[unit] = "activating" if release in self.broken else "active"


@pytest.fixture
def prefix(tmp_path: Path) -> Path:
    p = tmp_path / "opt" / "kiosk"
    for name in ("0.0.9-aaaa", "0.1.0-bbbb", "0.2.0-cccc"):
        exe = p / "releases" / name / "bin" / "kiosk"
        exe.parent.mkdir(parents=True)
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)
    (p / "venv").symlink_to("releases/0.1.0-bbbb")
    return p


def _marker(db: Path) -> bool:
    conn = sqlite3.connect(db)
    try:
        return bool(conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'upgrade_marker'").fetchone())
    finally:
        conn.close()


def _upgrader(app, prefix: Path, service, migrate, clock: Clock) -> Upgrader:
    maintenance = MaintenanceService(app.settings, service=service)

    def backup() -> Path:
        return maintenance.backup(prefix="pre-upgrade", rotate=False, usb=False).path

    def wait(svc, unit, timeout_s, settle_s) -> bool:  # noqa: ANN001
        return wait_active(svc, unit, timeout_s, settle_s, clock=clock, sleep=clock.sleep)

    return Upgrader(prefix, service, backup=backup, migrate=migrate,
                    restore=lambda p: maintenance.restore(p, allow_stop=True),
                    timeout_s=60, settle_s=10, wait=wait)


def _schema_change(db: Path) -> str:
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE upgrade_marker (x)")
    conn.commit()
    conn.close()
    return "0001 -> 0002"


def test_a_good_release_is_switched_to_and_old_ones_pruned(app, prefix: Path) -> None:
    service = ReleaseAwareService(prefix, broken=set())
    clock = Clock()
    app.close()
    report = _upgrader(app, prefix, service, lambda: _schema_change(app.db.path), clock).run(
        prefix / "releases" / "0.2.0-cccc")
    assert report.upgraded and report.migrated == "0001 -> 0002"
    assert current_release(prefix).name == "0.2.0-cccc"
    assert (prefix / "previous").resolve().name == "0.1.0-bbbb"
    assert sorted(p.name for p in (prefix / "releases").iterdir()) == ["0.1.0-bbbb", "0.2.0-cccc"]
    assert service.calls == [("stop", "kiosk.service"), ("start", "kiosk.service")]
    assert report.backup.name.startswith("pre-upgrade-") and not _marker(report.backup)
    assert _marker(app.db.path)
    assert clock.now >= 10  # it waited for the kiosk to stay up


def test_a_release_that_does_not_come_up_is_rolled_back(demo_app, prefix: Path) -> None:
    app = demo_app
    before_sales = app.sales.last_number()
    app.close()
    service = ReleaseAwareService(prefix, broken={"0.2.0-cccc"})
    clock = Clock()
    upgrader = _upgrader(app, prefix, service, lambda: _schema_change(app.db.path), clock)
    with pytest.raises(UpgradeFailed) as exc:
        upgrader.run(prefix / "releases" / "0.2.0-cccc")
    text = exc.value.message("en")
    assert "0.2.0-cccc" in text and "did not become ready" in text and "back on 0.1.0-bbbb" in text
    assert current_release(prefix).name == "0.1.0-bbbb"
    assert service.states["kiosk.service"] == "active"  # the old release runs again
    assert service.calls == [("stop", "kiosk.service"), ("start", "kiosk.service"),
                             ("stop", "kiosk.service"), ("reset-failed", "kiosk.service"),
                             ("start", "kiosk.service")]
    assert not _marker(app.db.path), "the migrated database was not rolled back"
    assert (prefix / "releases" / "0.2.0-cccc").is_dir()  # kept for a look; nothing pruned
    steps = exc.value.report.steps
    assert any(s.startswith("database restored from") for s in steps)
    check_invariants(app.db)
    assert app.sales.last_number() == before_sales
    assert 60 <= clock.now < 120


def test_a_failed_migration_is_rolled_back(app, prefix: Path) -> None:
    service = ReleaseAwareService(prefix, broken=set())
    app.close()

    def migrate() -> str:
        _schema_change(app.db.path)
        raise RuntimeError("table products has no column named colour")

    with pytest.raises(UpgradeFailed) as exc:
        _upgrader(app, prefix, service, migrate, Clock()).run(prefix / "releases" / "0.2.0-cccc")
    assert "migration failed: table products has no column named colour" in exc.value.message("en")
    assert current_release(prefix).name == "0.1.0-bbbb" and not _marker(app.db.path)
    assert service.calls[-1] == ("start", "kiosk.service")


def test_nothing_happens_for_the_running_release_or_a_bad_folder(app, prefix: Path, tmp_path: Path) -> None:
    service = ReleaseAwareService(prefix, broken=set())
    upgrader = _upgrader(app, prefix, service, lambda: "-", Clock())
    report = upgrader.run(prefix / "releases" / "0.1.0-bbbb")
    assert not report.upgraded and report.steps == ["already running this release"] and service.calls == []
    empty = tmp_path / "not-a-release"
    empty.mkdir()
    with pytest.raises(UpgradeFailed) as exc:
        upgrader.run(empty)
    assert "no kiosk program" in exc.value.message("en")
    assert service.calls == [] and current_release(prefix).name == "0.1.0-bbbb"


def test_wait_active_needs_the_kiosk_to_stay_up() -> None:
    class Scripted:
        def __init__(self, states: list[str]):
            self.states = states

        def state(self, unit: str) -> str:
            return self.states.pop(0) if len(self.states) > 1 else self.states[0]

    clock = Clock()
    # up at once and stays up
    assert wait_active(Scripted(["active"]), "k", 30, 5, clock=clock, sleep=clock.sleep)
    # starting for a while, then up
    assert wait_active(Scripted(["activating"] * 10 + ["active"]), "k", 30, 5, clock=clock, sleep=clock.sleep)
    # up, then crashed (Restart= brings it back to activating), and never up again
    clock.now = 0
    crashing = Scripted(["active", "active", "activating"] + ["activating"] * 100)
    assert not wait_active(crashing, "k", 30, 5, clock=clock, sleep=clock.sleep)
    # never up
    assert not wait_active(Scripted(["failed"]), "k", 30, 5, clock=clock, sleep=clock.sleep)


def test_upgrade_command(app, prefix: Path, config_file, fake_service, capsys) -> None:
    fake_service.states["kiosk.service"] = "active"
    assert main(["upgrade", "--release", str(prefix / "releases" / "0.2.0-cccc"), "--prefix", str(prefix),
                 "--timeout", "5", "--settle", "0"]) == 0
    out = capsys.readouterr().out
    head = head_revision()
    assert "backed up to" in out and f"migrated: {head} -> {head}" in out and "kiosk.service is running" in out
    assert current_release(prefix).name == "0.2.0-cccc"
    assert list((app.state_dir / "backups").glob("pre-upgrade-*.db"))


def test_upgrade_without_a_database_leaves_its_creation_to_the_kiosk(state_dir: Path, prefix: Path, config_file,
                                                                     fake_service, capsys) -> None:
    """Not one of the commands that create a database: the new kiosk makes it at its start."""
    fake_service.states["kiosk.service"] = "active"
    assert main(["upgrade", "--release", str(prefix / "releases" / "0.2.0-cccc"), "--prefix", str(prefix),
                 "--timeout", "5", "--settle", "0"]) == 0
    out = capsys.readouterr().out
    assert f"no database at {state_dir / 'kiosk.db'} yet; the kiosk creates it when it starts" in out
    assert current_release(prefix).name == "0.2.0-cccc"
    assert list(state_dir.iterdir()) == []
