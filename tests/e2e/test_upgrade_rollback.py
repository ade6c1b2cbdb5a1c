"""Upgrade rollbacks that always finish, reproduced with broken releases in a staging
root under a service manager that behaves like systemd's (tests/e2e/mini_systemd.py:
Type=notify with a real notify socket, Restart=always, the start limit): a release
whose kiosk exits before READY=1, one that crashes some seconds after it, one whose
migration fails; the "good after N minutes healthy" trial, confirmed or rolled back,
and the boot that rolls back a trial left from before it. Real SQLite databases."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.engine import Database
from db.migrate import head_revision, migrate
from kiosk.appliance.servicectl import wait_active
from kiosk.appliance.upgrade import (
    ReleaseGuard,
    RollbackFailed,
    Trial,
    Upgrader,
    UpgradeFailed,
    current_release,
    read_trial,
    write_trial,
)
from kiosk.services.maintenance import MaintenanceService
from tests.e2e.mini_systemd import MiniSystemd, make_release
from tests.invariants import check_invariants

OLD, NEW = "0.1.0-aaaa", "0.2.0-bbbb"


def wait_for(predicate, timeout: float = 60.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


@pytest.fixture
def prefix(tmp_path: Path) -> Path:
    p = tmp_path / "opt" / "kiosk"
    make_release(p, OLD, "good")
    (p / "venv").symlink_to(f"releases/{OLD}")
    return p


@pytest.fixture
def systemd(prefix: Path, tmp_path: Path) -> Iterator[MiniSystemd]:
    run = tmp_path / "run"
    run.mkdir()
    manager = MiniSystemd(prefix, run, restart_s=0.2, burst=3, interval_s=600)
    manager.start("kiosk.service")  # the shop's till, running the old release
    manager.calls.clear()
    yield manager
    manager.close()


def _sell(app) -> int:  # noqa: ANN001
    from kiosk.core.cart import Cart
    from kiosk.core.payments import PaymentMethod, Tender

    user = app.users.authenticate(app.settings.security.default_admin_pin)
    product = next(p for p in app.catalog.browse(limit=50) if not p.bulk)
    cart = Cart()
    cart.add(product)
    return app.sales.checkout(cart, [Tender(PaymentMethod.CASH, cart.total)], user.id).number


def _revision(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        conn.close()


def _upgrader(app, prefix: Path, systemd: MiniSystemd, *, migrate_fn=None, settle_s: float = 1.0,  # noqa: ANN001
              healthy_s: float = 600) -> Upgrader:
    maintenance = MaintenanceService(app.settings, service=systemd)

    def run_migrations() -> str:
        db = Database(app.db.path)
        try:
            result = migrate(db)
        finally:
            db.dispose()
        return f"{result.before} -> {result.after}"

    return Upgrader(prefix, systemd, backup=lambda: maintenance.backup(prefix="pre-upgrade", rotate=False,
                                                                       usb=False).path,
                    migrate=migrate_fn or run_migrations,
                    restore=lambda p: maintenance.restore(p, allow_stop=True),
                    timeout_s=30, settle_s=settle_s, healthy_s=healthy_s,
                    wait=lambda svc, unit, timeout_s, s: wait_active(svc, unit, timeout_s, s, sleep=time.sleep))


def _guard(app, prefix: Path, systemd: MiniSystemd, boot_id: str = "") -> ReleaseGuard:  # noqa: ANN001
    maintenance = MaintenanceService(app.settings, service=systemd)
    kwargs = {"boot_id": lambda: boot_id} if boot_id else {}
    return ReleaseGuard(prefix, systemd, restore=lambda p: maintenance.restore(p, allow_stop=True), **kwargs)


def test_a_release_that_exits_before_ready_is_rolled_back_and_the_old_one_started(demo_app, prefix, systemd) -> None:
    """`systemctl start` fails (the kiosk exits before READY=1); Restart=always then
    reaches the start limit (burst 3 here), so the rollback's own start would be refused
    "Start request repeated too quickly" unless the failed state is reset first."""
    app = demo_app
    sold = _sell(app)
    make_release(prefix, NEW, "exit_before_ready")
    app.close()
    with pytest.raises(UpgradeFailed) as exc:
        _upgrader(app, prefix, systemd).run(prefix / "releases" / NEW)
    text = exc.value.message("en")
    assert f"{NEW} failed" in text and "did not start" in text and f"back on {OLD}" in text
    steps = exc.value.report.steps
    assert current_release(prefix).name == OLD
    assert any(s.startswith("reset kiosk.service") for s in steps), steps
    assert steps[-1] == "started kiosk.service again"
    assert systemd.state("kiosk.service") == "active" and systemd.programs[-1] == OLD
    assert ("reset-failed", "kiosk.service") in systemd.calls
    assert read_trial(prefix) is None
    assert _revision(app.db.path) == head_revision()
    check_invariants(app.db)
    assert app.sales.last_number() == sold


def test_a_failed_migration_is_rolled_back_to_the_pre_upgrade_database(demo_app, prefix, systemd) -> None:
    """A real migration failure: the database claims an older schema than it has, so
    the next migration's ALTER TABLE fails (duplicate column)."""
    app = demo_app
    app.close()
    make_release(prefix, NEW, "good")
    conn = sqlite3.connect(app.db.path)
    conn.execute("UPDATE alembic_version SET version_num = '0004'")
    conn.commit()
    conn.close()
    with pytest.raises(UpgradeFailed) as exc:
        _upgrader(app, prefix, systemd).run(prefix / "releases" / NEW)
    assert "migration failed" in exc.value.message("en") and "duplicate column" in exc.value.message("en")
    assert current_release(prefix).name == OLD and systemd.programs[-1] == OLD
    assert systemd.state("kiosk.service") == "active"
    assert _revision(app.db.path) == "0004"  # the pre-upgrade file, exactly as it was
    assert NEW not in systemd.programs  # the new kiosk never ran on a half-migrated database


def test_a_release_that_crashes_after_coming_up_is_rolled_back_by_the_trial_check(demo_app, prefix,
                                                                                   systemd) -> None:
    """It passes the upgrade's short settle time, then crashes: on trial, the check
    (kiosk-release-good.timer) sees the restarts (and systemd having given up) and rolls
    back, resetting the start limit before starting the old release."""
    app = demo_app
    app.close()
    make_release(prefix, NEW, "crash_after", after=1.5)
    report = _upgrader(app, prefix, systemd, settle_s=0.5).run(prefix / "releases" / NEW)
    assert report.upgraded and current_release(prefix).name == NEW
    trial = read_trial(prefix)
    assert trial is not None and trial.release == NEW and trial.previous == OLD
    assert any(s.startswith(f"on trial: {NEW} counts as good after 10 minutes") for s in report.steps)
    wait_for(lambda: systemd.state("kiosk.service") == "failed")  # Restart=always gave up: a dark till
    result = _guard(app, prefix, systemd).confirm()
    assert result.verdict == "rolled_back" and "failed" in result.reason
    assert current_release(prefix).name == OLD and systemd.programs[-1] == OLD
    assert systemd.state("kiosk.service") == "active"
    assert ("reset-failed", "kiosk.service") in systemd.calls
    assert read_trial(prefix) is None
    check_invariants(app.db)


def test_restarts_alone_roll_the_trial_back(demo_app, prefix, systemd) -> None:
    app = demo_app
    app.close()
    systemd.burst = 100  # systemd never gives up here: the restarts are the sign
    make_release(prefix, NEW, "crash_after", after=1.0)
    assert _upgrader(app, prefix, systemd, settle_s=0.3).run(prefix / "releases" / NEW).upgraded
    wait_for(lambda: systemd.nrestarts >= 1)
    result = _guard(app, prefix, systemd).confirm()
    assert result.verdict == "rolled_back" and "restarted" in result.reason
    assert current_release(prefix).name == OLD and systemd.state("kiosk.service") == "active"


def test_a_healthy_release_counts_as_good_after_its_minutes(app, prefix, systemd) -> None:
    app.close()
    make_release(prefix, NEW, "good")
    assert _upgrader(app, prefix, systemd, healthy_s=1.0).run(prefix / "releases" / NEW).upgraded
    guard = _guard(app, prefix, systemd)
    first = guard.confirm()
    if first.verdict == "waiting":
        time.sleep(1.1)
        first = guard.confirm()
    assert first.verdict == "good" and read_trial(prefix) is None
    assert guard.confirm().verdict == "none"
    assert current_release(prefix).name == NEW and systemd.state("kiosk.service") == "active"


def test_the_next_boot_rolls_back_a_release_that_had_not_proved_itself(demo_app, prefix, systemd) -> None:
    """The box went down (a hang reset by the hardware watchdog, a power cut) while the
    new release was on trial: before the kiosk starts, the boot check goes back."""
    app = demo_app
    app.close()
    make_release(prefix, NEW, "good")
    upgrader = _upgrader(app, prefix, systemd)
    upgrader.boot_id = lambda: "boot-1"
    assert upgrader.run(prefix / "releases" / NEW).upgraded
    conn = sqlite3.connect(app.db.path)  # the new release wrote something meanwhile
    conn.execute("CREATE TABLE written_by_the_new_release (x)")
    conn.commit()
    conn.close()
    systemd.stop("kiosk.service")  # the power cut

    same_boot = _guard(app, prefix, systemd, boot_id="boot-1").boot()
    assert same_boot.verdict == "not_this_boot" and read_trial(prefix) is not None

    result = _guard(app, prefix, systemd, boot_id="boot-2").boot()
    assert result.verdict == "rolled_back" and current_release(prefix).name == OLD
    assert systemd.state("kiosk.service") == "inactive"  # kiosk.service starts after the boot check
    conn = sqlite3.connect(app.db.path)
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'written_by_the_new_release'").fetchone()
    conn.close()
    systemd.start("kiosk.service")
    assert systemd.programs[-1] == OLD


def test_a_rollback_runs_every_step_and_says_which_failed(app, prefix, systemd, tmp_path) -> None:
    """The pre-upgrade backup vanished: the database cannot be restored, but the link
    is switched back and the old kiosk started all the same, and the error is named."""
    app.close()
    make_release(prefix, NEW, "good")
    write_trial(prefix, Trial(NEW, OLD, str(tmp_path / "gone.db"), "2026-12-02T05:00:00", 0.0, "boot-1", 0, 600))
    (prefix / "venv").unlink()
    (prefix / "venv").symlink_to(f"releases/{NEW}")
    with pytest.raises(RollbackFailed) as exc:
        _guard(app, prefix, systemd, boot_id="boot-2").confirm()
    assert "gone.db" in exc.value.message("en")
    assert current_release(prefix).name == OLD
    assert systemd.state("kiosk.service") == "active" and systemd.programs[-1] == OLD
    assert read_trial(prefix) is None
