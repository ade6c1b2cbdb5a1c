"""systemd/install.sh into a staging root: every file in place with the intended mode
and owner, a real virtual environment with the kiosk programs, units that pass
systemd-analyze verify where they were installed, a second run that changes nothing;
then uninstall.sh keeping (or with --purge, removing) the shop's data."""

from __future__ import annotations

import configparser
import grp
import os
import pwd
import shutil
import stat as statmod
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.appliance_helpers import SYSTEM_UNITS, UNITS, snapshot, tool

SRC = Path(__file__).resolve().parents[2]
INSTALL = SRC / "systemd" / "install.sh"
UNINSTALL = SRC / "systemd" / "uninstall.sh"
USER = "nobody"  # an existing system user stands in for "kiosk"


def run(script: Path, *args: str) -> subprocess.CompletedProcess:
    out = subprocess.run(["bash", str(script), *args], capture_output=True, text=True, timeout=600,
                         cwd="/")
    assert out.returncode == 0, out.stdout + out.stderr
    return out


def install(root: Path) -> subprocess.CompletedProcess:
    # --no-deps: the staged release gets the kiosk itself (its programs), not the whole
    # dependency tree; kiosk-admin runs from the source tree with this interpreter.
    return run(INSTALL, "--root", str(root), "--user", USER, "--pip-args", "--no-deps",
               "--admin-python", sys.executable)


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("stage") / "root"
    before = _build_leftovers()
    result = install(root)
    # A developer's editable install (make test) leaves its own egg-info: only what
    # the installer adds counts.
    assert _build_leftovers() == before, "pip built inside the source tree"
    return root, result


def _build_leftovers() -> set[Path]:
    return set(SRC.glob("build")) | set(SRC.glob("*.egg-info"))


EXPECTED = {
    # path: (mode, owner, group)   "kiosk" stands for the --user and its primary group
    "opt/kiosk": ("drwxr-xr-x", "root", "root"),
    "opt/kiosk/releases": ("drwxr-xr-x", "root", "root"),
    "opt/kiosk/share": ("drwxr-xr-x", "root", "root"),
    "opt/kiosk/share/kiosk.toml": ("-rw-r--r--", "root", "root"),
    "opt/kiosk/share/70-kiosk.rules.in": ("-rw-r--r--", "root", "root"),
    "opt/kiosk/share/kivy-config.ini.in": ("-rw-r--r--", "root", "root"),
    "opt/kiosk/share/uninstall.sh": ("-rwxr-xr-x", "root", "root"),
    "opt/kiosk/share/README.md": ("-rw-r--r--", "root", "root"),
    "etc/kiosk": ("drwxr-x---", "root", "kiosk"),
    "etc/kiosk/kiosk.toml": ("-rw-r-----", "root", "kiosk"),
    "etc/systemd/system/kiosk.service": ("-rw-r--r--", "root", "root"),
    "etc/systemd/system/kiosk-backup.service": ("-rw-r--r--", "root", "root"),
    "etc/systemd/system/kiosk-backup.timer": ("-rw-r--r--", "root", "root"),
    "etc/udev/rules.d/70-kiosk.rules": ("-rw-r--r--", "root", "root"),
    "var/lib/kiosk": ("drwxr-x---", "kiosk", "kiosk"),
    "var/lib/kiosk/backups": ("drwxr-x---", "kiosk", "kiosk"),
    "var/lib/kiosk/kivy": ("drwxr-x---", "kiosk", "kiosk"),
    "var/lib/kiosk/kivy/config.ini": ("-rw-r-----", "kiosk", "kiosk"),
}


def test_every_file_in_place_with_mode_and_owner(staged) -> None:
    root, _ = staged
    user = pwd.getpwnam(USER)
    group = grp.getgrgid(user.pw_gid).gr_name
    names = {"root": "root", "kiosk": None}
    for rel, (mode, owner, grp_name) in EXPECTED.items():
        p = root / rel
        assert p.exists(), f"{rel} was not installed"
        st = p.lstat()
        assert statmod.filemode(st.st_mode) == mode, f"{rel}: {statmod.filemode(st.st_mode)} != {mode}"
        if os.geteuid() == 0:  # ownership can only be set (and so checked) as root
            want_user = USER if owner == "kiosk" else names[owner]
            want_group = group if grp_name == "kiosk" else names[grp_name]
            assert pwd.getpwuid(st.st_uid).pw_name == want_user, rel
            assert grp.getgrgid(st.st_gid).gr_name == want_group, rel
    for f in ["kiosk.toml", "kiosk.service"]:
        assert (root / "opt/kiosk/share" / f).read_bytes() == (SRC / "systemd" / f).read_bytes()
    assert (root / "etc/kiosk/kiosk.toml").read_bytes() == (SRC / "systemd/kiosk.toml").read_bytes()


def test_release_is_a_virtual_environment_with_the_kiosk_programs(staged) -> None:
    root, out = staged
    venv = root / "opt/kiosk/venv"
    assert venv.is_symlink() and os.readlink(venv).startswith("releases/")
    release = venv.resolve()
    assert release.parent == (root / "opt/kiosk/releases").resolve()
    assert (release / "pyvenv.cfg").is_file() and (release / ".complete").is_file()
    for program in ("kiosk", "kiosk-admin"):
        assert os.access(release / "bin" / program, os.X_OK), program
    # the kiosk itself is installed in it (its own copy, not the source tree)
    found = list(release.glob("lib/python3*/site-packages/kiosk/services/maintenance.py"))
    assert found, "the kiosk package is not in the release"
    assert os.readlink(root / "usr/local/bin/kiosk-admin") == "/opt/kiosk/venv/bin/kiosk-admin"


def test_generated_files(staged) -> None:
    root, _ = staged
    rules = (root / "etc/udev/rules.d/70-kiosk.rules").read_text()
    assert 'SYMLINK+="kiosk-touch"' in rules and f'OWNER="{USER}"' in rules
    assert "# scale: not configured" in rules  # the template's devices are all empty
    kivy = configparser.RawConfigParser()
    kivy.read(root / "var/lib/kiosk/kivy/config.ini")
    assert dict(kivy.items("input")) == {"touchscreen": "hidinput,/dev/kiosk-touch"}


def test_system_changes_are_shown_not_made(staged) -> None:
    _, out = staged
    for action in ["apt-get install", "systemctl enable kiosk.service kiosk-backup.timer",
                   "systemctl disable getty@tty1.service", "udevadm control --reload-rules",
                   "systemctl daemon-reload"]:
        assert f"skipped (staging): {action}" in out.stdout, action


def test_installed_units_pass_verify(staged) -> None:
    """verify the units where the installer put them, with the release's real programs."""
    root, _ = staged
    system_units = root / "usr/lib/systemd/system"  # the distribution's units, for references
    if not system_units.exists():
        shutil.copytree(SYSTEM_UNITS, system_units, symlinks=True)
    out = subprocess.run([tool("systemd-analyze"), "verify", f"--root={root}",
                          *(f"/etc/systemd/system/{u}" for u in UNITS)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and not out.stderr.strip(), out.stdout + out.stderr


def test_second_run_changes_nothing(staged) -> None:
    root, _ = staged
    before = snapshot(root)
    out = install(root)
    assert "done (nothing to change)" in out.stdout
    assert "wrote" not in out.stdout and "building" not in out.stdout
    after = snapshot(root)
    changed = [p for p in set(before) | set(after) if before.get(p) != after.get(p)]
    assert changed == []


def copy_of(staged, tmp_path: Path) -> Path:
    """A copy of the staged installation (its release already built: reruns are quick)."""
    root = tmp_path / "root"
    shutil.copytree(staged[0], root, symlinks=True)
    return root


def test_an_edited_configuration_is_kept(staged, tmp_path: Path) -> None:
    root = copy_of(staged, tmp_path)
    (root / "etc/kiosk/kiosk.toml").write_text('[shop]\nname = "Jabones Luz"\n\n[devices]\nscale = "0403:6001"\n')
    out = install(root)
    assert "keeping the existing" in out.stdout
    assert "Jabones Luz" in (root / "etc/kiosk/kiosk.toml").read_text()
    assert f"wrote {root}/etc/udev/rules.d/70-kiosk.rules" in out.stdout
    assert 'ATTRS{idVendor}=="0403"' in (root / "etc/udev/rules.d/70-kiosk.rules").read_text()


def test_a_broken_configuration_stops_the_installer(staged, tmp_path: Path) -> None:
    root = copy_of(staged, tmp_path)
    rules = (root / "etc/udev/rules.d/70-kiosk.rules").read_bytes()
    (root / "etc/kiosk/kiosk.toml").write_text('[devices]\nscael = "0403:6001"\n')
    out = subprocess.run(["bash", str(INSTALL), "--root", str(root), "--user", USER, "--pip-args", "--no-deps",
                          "--admin-python", sys.executable], capture_output=True, text=True, timeout=600)
    assert out.returncode == 1
    assert "scael" in out.stderr and "scale" in out.stderr and "fix" in out.stderr
    assert (root / "etc/udev/rules.d/70-kiosk.rules").read_bytes() == rules  # nothing rendered from it


def test_uninstall_keeps_the_shops_data_unless_purged(staged, tmp_path: Path) -> None:
    root = copy_of(staged, tmp_path)
    (root / "var/lib/kiosk/kiosk.db").write_bytes(b"the shop's sales")
    out = run(UNINSTALL, "--root", str(root), "--user", USER)
    assert "skipped (staging): systemctl disable --now kiosk-backup.timer kiosk.service" in out.stdout
    assert "skipped (staging): systemctl enable --now getty@tty1.service" in out.stdout
    assert not (root / "opt/kiosk").exists()
    assert not (root / "etc/systemd/system/kiosk.service").exists()
    assert not (root / "etc/udev/rules.d/70-kiosk.rules").exists()
    assert not (root / "usr/local/bin/kiosk-admin").is_symlink()
    assert (root / "var/lib/kiosk/kiosk.db").read_bytes() == b"the shop's sales"
    assert (root / "etc/kiosk/kiosk.toml").is_file()
    out = run(UNINSTALL, "--root", str(root), "--purge")
    assert not (root / "var/lib/kiosk").exists() and not (root / "etc/kiosk").exists()


def test_installer_refuses_unknown_options() -> None:
    out = subprocess.run(["bash", str(INSTALL), "--rot", "/tmp/x"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "unknown option --rot" in out.stderr and "usage:" in out.stderr
