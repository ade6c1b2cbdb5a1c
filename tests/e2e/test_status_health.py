"""kiosk-admin status says what a technician needs first: the release id (not a
hard-coded version), restarts and the last failure recorded by the unit's
ExecStopPost (kiosk.appliance.service_exit, run as systemd runs it), the clock's
synchronisation, the Pi's throttling flags (vcgencmd), the last USB copy; the same in
--json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kiosk.appliance import health, service_exit
from kiosk.appliance.upgrade import Trial, running_release, write_trial
from kiosk.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def _stop(state_dir: Path, **env: str) -> subprocess.CompletedProcess:
    """What systemd does after the kiosk stopped: ExecStopPost with its variables."""
    full = dict(os.environ, PYTHONPATH=str(ROOT), STATE_DIRECTORY=str(state_dir), **env)
    return subprocess.run([sys.executable, "-m", "kiosk.appliance.service_exit"], env=full, capture_output=True,
                          text=True, timeout=60)


def test_the_last_failure_survives_the_restart_that_follows(state_dir: Path) -> None:
    out = _stop(state_dir, SERVICE_RESULT="watchdog", EXIT_CODE="killed", EXIT_STATUS="ABRT")
    assert out.returncode == 0 and out.stderr.startswith("<4>kiosk stopped: the screen froze (watchdog)")
    # restarted, then stopped cleanly by a technician: the failure is still there
    assert _stop(state_dir, SERVICE_RESULT="success", EXIT_CODE="exited", EXIT_STATUS="0").returncode == 0
    data = service_exit.read(state_dir)
    assert data["failures"] == 1 and data["last_exit"]["result"] == "success"
    assert data["last_failure"]["reason"] == "the screen froze (watchdog) (ABRT)"
    _stop(state_dir, SERVICE_RESULT="exit-code", EXIT_CODE="exited", EXIT_STATUS="2")
    data = service_exit.read(state_dir)
    assert data["failures"] == 2 and "configuration error" in data["last_failure"]["reason"]
    # outside systemd it says so and never fails the stop
    out = subprocess.run([sys.executable, "-m", "kiosk.appliance.service_exit"], capture_output=True, text=True,
                         env={k: v for k, v in os.environ.items() if k != "STATE_DIRECTORY"} | {"PYTHONPATH": str(ROOT)},
                         timeout=60)
    assert out.returncode == 0 and "STATE_DIRECTORY" in out.stderr


def test_throttled_flags_are_read() -> None:
    assert health.parse_throttled("throttled=0x0") == {"value": "0x0", "flags": [], "ok": True}
    bad = health.parse_throttled("throttled=0x50005\n")
    assert bad["ok"] is False and bad["flags"] == ["under-voltage now", "throttled now",
                                                   "under-voltage has occurred", "throttling has occurred"]
    assert health.parse_throttled("throttled=zz")["ok"] is None


def test_throttling_runs_vcgencmd(tmp_path: Path) -> None:
    fake = tmp_path / "vcgencmd"  # a stand-in program answering as the Pi's does
    fake.write_text('#!/bin/sh\n[ "$1" = get_throttled ] && echo "throttled=0x10000"\n')
    fake.chmod(0o755)
    got = health.throttling(str(fake))
    assert got == {"value": "0x10000", "flags": ["under-voltage has occurred"], "ok": False}


def test_release_id_comes_from_the_release_folder(tmp_path: Path) -> None:
    release = tmp_path / "opt/kiosk/releases/0.2.0-3f9c0a1b2c4d"
    release.mkdir(parents=True)
    (tmp_path / "opt/kiosk/venv").symlink_to("releases/0.2.0-3f9c0a1b2c4d")
    assert running_release(tmp_path / "opt/kiosk", str(tmp_path / "opt/kiosk/venv")) == "0.2.0-3f9c0a1b2c4d"
    assert "development" in running_release(tmp_path / "opt/kiosk", str(tmp_path / "elsewhere"))


def test_status_shows_the_health_fields_in_text_and_json(app, state_dir: Path, config_file, fake_service, capsys,
                                                         tmp_path: Path, monkeypatch) -> None:
    from kiosk.cli import maintenance_commands
    from kiosk.services.maintenance import MaintenanceService

    prefix = tmp_path / "opt/kiosk"
    prefix.mkdir(parents=True)
    write_trial(prefix, Trial("0.2.0-bbbb", "0.1.0-aaaa", None, "2026-12-02T05:00:00", 0.0, "b", 0, 600))
    monkeypatch.setattr(maintenance_commands, "_maintenance",
                        lambda s: MaintenanceService(s, service=fake_service, prefix=prefix))
    _stop(state_dir, SERVICE_RESULT="core-dump", EXIT_CODE="dumped", EXIT_STATUS="SEGV")
    fake_service.states["kiosk.service"] = "active"
    assert main(["status", "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["release_on_trial"]["release"] == "0.2.0-bbbb" and st["release_on_trial"]["healthy_minutes"] == 10
    assert st["last_failure"]["reason"] == "the kiosk crashed (SEGV)" and st["failures"] == 1
    assert st["clock_synchronized"] == health.clock_synchronized()
    assert "throttled" in st and "last_usb_copy" in st and "release" in st
    assert main(["status"]) == 0
    text = capsys.readouterr().out
    assert "on trial since 2026-12-02T05:00:00, back to 0.1.0-aaaa" in text
    assert "the kiosk crashed (SEGV) (1 in all)" in text
    assert "usb copy" in text and "clock" in text and "power" in text
