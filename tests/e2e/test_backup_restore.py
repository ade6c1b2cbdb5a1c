"""Backups while the till keeps selling, restore (into a new state directory and onto a
"running" kiosk), the USB stick, and every bad input: a truncated or foreign file, a
database held open, a full disk. Real SQLite files throughout; only systemctl is a fake."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from db import backup as dbbackup
from kiosk.app_factory import build
from kiosk.cli.main import main
from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.services.maintenance import (
    MB,
    read_usb_record,
    DatabaseInUse,
    DiskFull,
    KioskRunning,
    MaintenanceService,
)
from tests.conftest import make_settings
from tests.e2e.appliance_helpers import FakeService
from tests.invariants import check_invariants

ROOT = Path(__file__).resolve().parents[2]


def _sell(app, n: int = 1) -> list[int]:
    user = app.users.authenticate(app.settings.security.default_admin_pin)
    product = next(p for p in app.catalog.browse(limit=50) if not p.bulk)
    numbers = []
    for _ in range(n):
        cart = Cart()
        cart.add(product)
        numbers.append(app.sales.checkout(cart, [Tender(PaymentMethod.CASH, cart.total)], user.id).number)
    return numbers


def _sale_numbers(path: Path) -> list[int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT number FROM sales ORDER BY number")]
    finally:
        conn.close()


def _fingerprint(db: Path) -> tuple:
    """The database as the next reader sees it (main file plus any WAL content)."""
    parts = [hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() and p.stat().st_size else None
             for p in (db, db.with_name(db.name + "-wal"))]
    return tuple(parts) + (len(_sale_numbers(db)),)


def test_backup_while_selling_then_restore_keeps_every_committed_sale(demo_app, tmp_path: Path) -> None:
    app = demo_app
    user = app.users.authenticate(app.settings.security.default_admin_pin)
    product = next(p for p in app.catalog.browse(limit=50) if not p.bulk)
    committed: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def till() -> None:
        while not stop.is_set():
            cart = Cart()
            cart.add(product)
            try:
                committed.append(app.sales.checkout(cart, [Tender(PaymentMethod.CASH, cart.total)], user.id).number)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return

    maintenance = MaintenanceService(app.settings, service=FakeService())
    seller = threading.Thread(target=till)
    seller.start()
    taken = []
    try:
        while len(committed) < 20:
            time.sleep(0.01)
        for _ in range(3):
            before = set(committed)
            report = maintenance.backup(rotate=False, usb=False)
            taken.append((before, report.path))
            time.sleep(0.05)
    finally:
        stop.set()
        seller.join(timeout=30)
    assert not errors
    final = set(committed)
    for before, path in taken:
        in_backup = _sale_numbers(path)
        assert before <= set(in_backup), "a sale committed before the backup started is missing"
        assert set(in_backup) <= final
        assert in_backup == list(range(1, len(in_backup) + 1))
    assert len(_sale_numbers(taken[-1][1])) > len(taken[0][0])  # sales went on during the backups

    # restore the last backup on another box (a fresh state directory)
    other = make_settings(tmp_path / "other")
    (tmp_path / "other").mkdir()
    restored = MaintenanceService(other, service=FakeService()).restore(taken[-1][1], allow_stop=False)
    assert restored.kept_aside is None
    assert restored.sales == len(_sale_numbers(taken[-1][1]))
    app2 = build(other)
    try:
        check_invariants(app2.db)
        assert app2.sales.last_number() == len(_sale_numbers(taken[-1][1]))
        assert _sell(app2) == [app2.sales.last_number()]  # and the till goes on from there
        check_invariants(app2.db)
    finally:
        app2.close()
    check_invariants(app.db)


def test_restore_refuses_a_running_kiosk_unless_allowed(demo_app) -> None:
    app = demo_app
    _sell(app, 3)
    fake = FakeService({"kiosk.service": "active"})
    maintenance = MaintenanceService(app.settings, service=fake)
    backup = maintenance.backup(rotate=False, usb=False).path
    _sell(app, 2)  # sales after the backup
    before = _fingerprint(app.db.path)

    with pytest.raises(KioskRunning) as exc:
        maintenance.restore(backup, allow_stop=False)
    assert "--yes" in str(exc.value)
    assert fake.calls == [] and _fingerprint(app.db.path) == before

    app.close()  # what stopping the service does to the kiosk's connections
    report = maintenance.restore(backup, allow_stop=True)
    assert fake.calls == [("stop", "kiosk.service"), ("start", "kiosk.service")]
    assert report.service_restarted and report.sales == 3
    assert _sale_numbers(app.db.path) == [1, 2, 3]
    # the database that was replaced is kept, whole, with the two later sales
    assert report.kept_aside.parent == app.state_dir / "backups"
    assert report.kept_aside.name.startswith("pre-restore-")
    assert _sale_numbers(report.kept_aside) == [1, 2, 3, 4, 5]
    assert dbbackup.integrity(report.kept_aside) == "ok"
    app2 = build(app.settings)
    check_invariants(app2.db)
    app2.close()


def test_restore_refuses_while_another_program_holds_the_database(demo_app) -> None:
    app = demo_app
    _sell(app, 2)
    fake = FakeService({"kiosk.service": "active"})
    maintenance = MaintenanceService(app.settings, service=fake)
    backup = maintenance.backup(rotate=False, usb=False).path
    _sell(app)
    app.close()
    before = _fingerprint(app.db.path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time\n"
         "c = sqlite3.connect(sys.argv[1]); c.execute('SELECT count(*) FROM sales').fetchall()\n"
         "print('open', flush=True); time.sleep(60)", str(app.db.path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(DatabaseInUse) as exc:
            maintenance.restore(backup, allow_stop=True)
        assert f"pid {holder.pid}" in exc.value.message("en")
    finally:
        holder.kill()
        holder.wait()
    # the service was stopped for the attempt and started again; nothing else changed
    assert fake.calls == [("stop", "kiosk.service"), ("start", "kiosk.service")]
    assert _fingerprint(app.db.path) == before


@pytest.mark.parametrize("damage", ["truncated", "text", "empty", "foreign"])
def test_restore_of_a_bad_file_leaves_the_data_untouched(demo_app, tmp_path: Path, config_file, fake_service,
                                                         capsys, damage: str) -> None:
    app = demo_app
    _sell(app, 2)
    good = dbbackup.backup(app.db.path, tmp_path / "good.db")
    bad = tmp_path / "bad.db"
    if damage == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    elif damage == "text":
        bad.write_text("sales.csv\n1,2,3\n" * 100)
    elif damage == "empty":
        bad.write_bytes(b"")
    else:
        conn = sqlite3.connect(bad)
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
        conn.close()
    before = _fingerprint(app.db.path)
    fake_service.states["kiosk.service"] = "active"
    assert main(["restore", str(bad), "--yes"]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "no es una base de datos del kiosco en buen estado" in err
    assert fake_service.calls == []  # refused before stopping anything
    assert _fingerprint(app.db.path) == before
    assert not list(app.state_dir.glob("*.part"))


def test_restore_without_a_terminal_needs_yes(demo_app, tmp_path: Path, config_file, fake_service, capsys,
                                              monkeypatch) -> None:
    app = demo_app
    good = dbbackup.backup(app.db.path, tmp_path / "good.db")
    _sell(app)
    before = _fingerprint(app.db.path)
    monkeypatch.setattr(sys, "stdin", open(os.devnull))  # noqa: SIM115 - closed by pytest
    fake_service.states["kiosk.service"] = "active"
    assert main(["restore", str(good)]) == 1
    assert "--yes" in capsys.readouterr().err  # "the kiosk is running ... pass --yes"
    fake_service.states["kiosk.service"] = "inactive"
    assert main(["restore", str(good)]) == 1
    assert "needs a confirmation" in capsys.readouterr().err
    assert fake_service.calls == [] and _fingerprint(app.db.path) == before


def test_full_disk_is_refused_before_anything_is_written(demo_app, fake_service) -> None:
    app = demo_app
    tiny = lambda path: SimpleNamespace(free=20 * MB, total=100 * MB)  # noqa: E731 - under the 50 MB reserve
    maintenance = MaintenanceService(app.settings, service=FakeService({"kiosk.service": "active"}),
                                     disk_usage=tiny)
    with pytest.raises(DiskFull) as exc:
        maintenance.backup()
    text = exc.value.message("en")
    assert "Not enough free space" in text and "20 MB free" in text
    assert not list((app.state_dir / "backups").glob("*.db*"))

    good = MaintenanceService(app.settings, service=FakeService()).backup(rotate=False, usb=False).path
    before = _fingerprint(app.db.path)
    with pytest.raises(DiskFull):
        maintenance.restore(good, allow_stop=True)
    assert maintenance.service.calls == []  # checked before the kiosk is stopped
    assert _fingerprint(app.db.path) == before


def _limit_file_size(limit: int):  # noqa: ANN202
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_disk_that_fills_up_during_the_backup_leaves_no_partial_file(demo_app, config_file) -> None:
    app = demo_app
    _sell(app, 5)
    app.close()
    size = app.db.path.stat().st_size
    before = _fingerprint(app.db.path)
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    out = subprocess.run([sys.executable, "-m", "kiosk.cli.main", "backup", "--no-usb"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120, preexec_fn=_limit_file_size(size // 3))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "La copia de seguridad falló" in out.stderr and "disk" in out.stderr
    assert not list((app.state_dir / "backups").glob("*.db*")), "a partial backup was left behind"
    assert _fingerprint(app.db.path) == before
    assert dbbackup.integrity(app.db.path) == "ok"


def test_usb_stick_copy_rotation_and_absence(demo_app, tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    settings = make_settings(demo_app.state_dir, backup={"usb_dir": str(stick), "keep_daily": 2,
                                                         "keep_weekly": 0, "keep_monthly": 0})
    mounted = MaintenanceService(settings, service=FakeService(), is_mount=lambda p: p == str(stick))
    first = mounted.backup()
    assert first.usb == f"copied to {stick / 'kiosk-backups' / first.path.name}" and first.usb_ok
    copy = stick / "kiosk-backups" / first.path.name
    assert dbbackup.integrity(copy) == "ok" and copy.read_bytes() == first.path.read_bytes()

    absent = MaintenanceService(settings, service=FakeService(), is_mount=lambda p: False)
    report = absent.backup()
    assert report.usb == "not mounted" and report.usb_ok  # no stick is not a failure

    full = MaintenanceService(settings, service=FakeService(), is_mount=lambda p: True,
                              disk_usage=lambda p: SimpleNamespace(free=(10 if str(stick) in str(p) else 10**6) * MB,
                                                                   total=10**6 * MB))
    report = full.backup()
    assert not report.usb_ok and report.usb.startswith("failed:") and "10 MB" in report.usb
    assert report.path.is_file()  # the backup on the card is still there
    assert not list(stick.rglob("*.part"))


def test_rotation_on_disk(demo_app) -> None:
    from datetime import datetime, timedelta

    settings = make_settings(demo_app.state_dir, backup={"keep_daily": 3, "keep_weekly": 0, "keep_monthly": 0,
                                                         "keep_safety": 1})
    clock = {"now": datetime(2026, 3, 1, 3, 30)}
    m = MaintenanceService(settings, service=FakeService(), clock=lambda: clock["now"])
    made = []
    for _ in range(6):
        made.append(m.backup(usb=False).path)
        clock["now"] += timedelta(days=1)
    m.backup(prefix="pre-upgrade", rotate=False, usb=False)
    clock["now"] += timedelta(hours=1)
    m.backup(prefix="pre-upgrade", rotate=False, usb=False)
    (m.backup_dir / "kiosk-20260101-000000.db.part").write_bytes(b"half")
    removed = m.rotate()
    left = sorted(p.name for p in m.backup_dir.glob("*.db*"))
    assert left == sorted([p.name for p in made[-3:]] + [m.backups()[0].path.name])
    # the old daily backups went at each nightly run; now the older safety copy and the
    # half-written file a power cut left behind
    assert [p.name for p in removed] == ["pre-upgrade-20260307-033000.db"]
    assert not list(m.backup_dir.glob("*.part"))


def test_backup_cli_json_and_status(demo_app, config_file, fake_service, capsys) -> None:
    import json

    app = demo_app
    _sell(app, 2)
    app.printing.enqueue(b"receipt", sale_id=None)
    (app.state_dir / "hardware.json").write_text(json.dumps({"scale": {"state": "connected", "port": "/dev/kiosk-scale"}}))
    assert main(["backup", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["integrity"] == "ok" and Path(out["path"]).is_file() and out["usb"] == "not configured"

    fake_service.states.update({"kiosk.service": "active", "kiosk-backup.timer": "active"})
    assert main(["status", "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["service"] == "active" and st["backup_timer"] == "active"
    assert st["version"]
    assert st["database"] == str(app.db.path) and Path(st["database"]).is_absolute()
    assert st["database_info"]["integrity"] == "ok" and st["database_info"]["size_bytes"] > 0
    assert st["database_info"]["schema"] == st["database_info"]["schema_head"]
    assert st["last_backup"]["path"] == out["path"] and st["last_backup"]["kind"] == "manual"
    assert out["kind"] == "manual"  # by hand: never takes the nightly one's place
    assert st["release"].endswith("(development, not an installed release)") and st["release_on_trial"] is None
    assert st["clock_synchronized"] in (True, False, None) and st["last_usb_copy"] is None
    assert st["restarts"] is None and st["failures"] == 0 and st["last_failure"] is None
    assert st["print_queue_pending"] == 1
    assert st["devices"] == {"scale": {"state": "connected", "port": "/dev/kiosk-scale"}}
    assert st["disk_free_bytes"] > 0

    (app.state_dir / "hardware.json").unlink()
    assert main(["status"]) == 0
    text = capsys.readouterr().out
    assert "service" in text and "active" in text and "devices      unknown" in text
    assert "1 pending" in text and "integrity ok" in text


def test_backup_of_a_missing_database_says_so(tmp_path: Path, state_dir: Path, config_file, capsys) -> None:
    assert main(["backup"]) == 1
    err = capsys.readouterr().err
    assert f"No hay base de datos en {state_dir / 'kiosk.db'} (carpeta de datos: de $STATE_DIRECTORY)" in err
    assert "kiosk-admin migrate" in err and "kiosk-admin restore" in err
    assert list(state_dir.iterdir()) == []  # not even a backups folder


def test_files_made_under_sudo_belong_to_the_kiosk_user(demo_app, config_file) -> None:
    """Run as root with the state directory owned by another user (as under systemd):
    backups and a restored database must belong to that user, or the service and the
    nightly backup could not use them."""
    import pwd

    app = demo_app
    app.close()
    nobody = pwd.getpwnam("nobody")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if os.geteuid() != 0:
        out = subprocess.run([sys.executable, "-m", "kiosk.cli.main", "backup", "--json"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert next(app.state_dir.glob("backups/manual-*.db")).stat().st_uid == os.geteuid()
        return
    for dirpath, _dirs, files in os.walk(app.state_dir):
        for name in [dirpath, *(os.path.join(dirpath, f) for f in files)]:
            os.chown(name, nobody.pw_uid, nobody.pw_gid)
    out = subprocess.run([sys.executable, "-m", "kiosk.cli.main", "backup", "--json"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    backup = next(app.state_dir.glob("backups/manual-*.db"))
    assert (backup.stat().st_uid, backup.stat().st_gid) == (nobody.pw_uid, nobody.pw_gid)

    out = subprocess.run([sys.executable, "-m", "kiosk.cli.main", "restore", str(backup), "--yes"], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    for p in [app.db.path, *app.state_dir.glob("backups/pre-restore-*.db")]:
        assert p.stat().st_uid == nobody.pw_uid, p

    # a command that opens the database as root (set-pin) leaves nothing root-owned behind
    out = subprocess.run([sys.executable, "-m", "kiosk.cli.main", "set-pin", "1", "--pin-stdin"], env=env,
                         cwd=ROOT, input="97531\n", capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert [p.name for p in app.state_dir.rglob("*") if p.stat().st_uid != nobody.pw_uid] == []


def test_first_migration_under_sudo_leaves_nothing_owned_by_root(state_dir: Path, config_file) -> None:
    import pwd

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(state_dir, nobody.pw_uid, nobody.pw_gid)
    out = subprocess.run([sys.executable, "-m", "kiosk.cli.main", "migrate"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert (state_dir / "kiosk.db").is_file()
    owner = state_dir.stat().st_uid
    assert [p.name for p in state_dir.rglob("*") if p.stat().st_uid != owner] == []


def test_demo_data_under_sudo_leaves_nothing_owned_by_root(state_dir: Path, config_file) -> None:
    """demo-data creates the database and the product pictures: all of it goes to the
    state directory's owner, or the service could not add a picture later."""
    import pwd

    if os.geteuid() != 0:
        pytest.skip("only root can give the folder to another user")
    nobody = pwd.getpwnam("nobody")
    os.chown(state_dir, nobody.pw_uid, nobody.pw_gid)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "kiosk.cli.main", "demo-data"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert len(list((state_dir / "images").glob("*.png"))) > 50
    assert [p.name for p in state_dir.rglob("*") if p.stat().st_uid != nobody.pw_uid] == []


# --- rotation that never loses restore points -------------------------------------------

def _backups_on_disk(m: MaintenanceService) -> list[str]:
    return sorted(b.path.name for b in m.backups())


def test_rotation_keeps_the_newest_backups_whatever_their_dates(demo_app) -> None:
    """A Pi without a real-time clock ran for ten nights believing it was 2037; then
    the clock was put right. Every real backup taken since has an "older" date than
    those ten: rotating by dates alone deleted each one the next night."""
    from datetime import datetime, timedelta

    settings = make_settings(demo_app.state_dir, backup={"keep_daily": 3, "keep_weekly": 2, "keep_monthly": 2})
    clock = {"now": datetime(2037, 6, 1, 3, 30)}
    m = MaintenanceService(settings, service=FakeService(), clock=lambda: clock["now"])
    for _ in range(10):
        m.backup(usb=False)
        clock["now"] += timedelta(days=1)
    clock["now"] = datetime(2026, 12, 1, 3, 30)  # the clock is right again
    real = []
    for _ in range(5):
        real.append(m.backup(usb=False).path.name)
        clock["now"] += timedelta(days=1)
    kept = _backups_on_disk(m)
    assert set(real[-3:]) <= set(kept), "the newest real backups were rotated away"
    assert len([n for n in kept if n.startswith("kiosk-2026")]) >= 3


def test_a_manual_backup_does_not_replace_the_nightly_one(demo_app, config_file, fake_service, capsys) -> None:
    from datetime import datetime

    settings = make_settings(demo_app.state_dir, backup={"keep_daily": 1, "keep_weekly": 0, "keep_monthly": 0,
                                                         "keep_safety": 2})
    clock = {"now": datetime(2026, 12, 1, 3, 30)}
    m = MaintenanceService(settings, service=FakeService(), clock=lambda: clock["now"])
    nightly = m.backup(usb=False).path.name
    for hour in (10, 12, 15):  # the technician backs up by hand during the day
        clock["now"] = datetime(2026, 12, 1, hour)
        m.backup(prefix="manual", usb=False)
    kept = _backups_on_disk(m)
    assert nightly in kept
    assert [n for n in kept if n.startswith("manual-")] == ["manual-20261201-120000.db", "manual-20261201-150000.db"]

    demo_app.close()
    assert main(["backup", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "manual"
    assert main(["backup", "--nightly", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "kiosk"


def test_interrupted_part_files_are_cleaned_but_not_one_being_written(demo_app) -> None:
    m = MaintenanceService(demo_app.settings, service=FakeService())
    m.backup_dir.mkdir(parents=True, exist_ok=True)
    stale = m.backup_dir / "kiosk-20261201-033000.db.part"
    stale.write_bytes(b"half a backup: the power went")
    busy = m.backup_dir / "kiosk-20261201-040000.db.part"
    fd = dbbackup.claim_part(busy)  # another backup is writing this one right now
    try:
        report = m.backup(prefix="manual", rotate=False, usb=False)
        assert not stale.exists() and busy.exists()
    finally:
        os.close(fd)
    assert dbbackup.remove_stale_parts(m.backup_dir) == [busy]
    assert report.path.is_file() and not list(m.backup_dir.glob("*.part"))


@pytest.fixture
def stick(tmp_path: Path):  # noqa: ANN201
    """A real file system mounted as the USB stick (tmpfs), so read-only is the kernel's."""
    mount_point = tmp_path / "stick"
    mount_point.mkdir()
    out = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount_point)],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs stand-in for the USB stick (the test needs root): {out.stderr}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, timeout=30)


def test_a_read_only_stick_gives_a_clear_message(demo_app, stick: Path, config_file, capsys) -> None:
    (stick / "kiosk-backups").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(stick)], check=True, timeout=30)
    settings = make_settings(demo_app.state_dir, backup={"usb_dir": str(stick)})
    report = MaintenanceService(settings, service=FakeService()).backup(prefix="manual")
    assert not report.usb_ok and report.usb_state == "read_only"
    assert "solo lectura" in report.usb_message and str(stick) in report.usb_message
    assert report.path.is_file()  # the backup on the card is there all the same
    record = read_usb_record(demo_app.state_dir / "backups")
    assert record["state"] == "read_only" and record["ok"] is False and "read-only" in record["message"]

    demo_app.close()
    cfg = config_file
    cfg.write_text(cfg.read_text() + f'[backup]\nusb_dir = "{stick}"\n', encoding="utf-8")
    assert main(["backup"]) == 1
    assert "La memoria USB en" in capsys.readouterr().err
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["last_usb_copy"]["state"] == "read_only"


def test_a_stick_pulled_during_the_backup_gives_a_clear_message(demo_app, tmp_path: Path) -> None:
    """Pulled after the mount check: the mount point is gone (or an empty folder on the
    card, never written to); nothing half-copied is left and the message says so."""
    stick = tmp_path / "media" / "stick"
    stick.mkdir(parents=True)

    def pulled(path: str) -> bool:
        shutil.rmtree(stick)  # the stick goes away right after it was seen mounted
        return True

    settings = make_settings(demo_app.state_dir, backup={"usb_dir": str(stick)})
    report = MaintenanceService(settings, service=FakeService(), is_mount=pulled).backup(prefix="manual")
    assert not report.usb_ok and report.usb_state == "vanished"
    assert "se retiró" in report.usb_message
    assert not stick.exists() and report.path.is_file()


def test_a_good_stick_copy_is_recorded_for_status(demo_app, stick: Path) -> None:
    settings = make_settings(demo_app.state_dir, backup={"usb_dir": str(stick)})
    report = MaintenanceService(settings, service=FakeService()).backup(prefix="manual")
    assert report.usb_ok and report.usb_state == "copied" and "copiada" in report.usb_message
    record = read_usb_record(demo_app.state_dir / "backups")
    assert record["ok"] is True and record["path"] == str(stick / "kiosk-backups" / report.path.name)
    assert (stick / "kiosk-backups" / ".written").read_text().split() == [report.path.name]
