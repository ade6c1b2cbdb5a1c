"""systemd/install.sh into a staging root: every file in place with the intended mode
and owner, a real virtual environment with the kiosk programs (pip and the build
backend from requirements.lock, by hash), units that pass systemd-analyze verify where
they were installed, a second run that changes nothing; kiosk-admin run as sudo runs
it (a clean environment) finds the service's database; then uninstall.sh keeping (or
with --purge, removing) the shop's data."""

from __future__ import annotations

import configparser
import grp
import json
import os
import pwd
import shutil
import stat as statmod
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.core.errors import DomainError
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
    # --kiosk-only: the staged release gets pip, the build backend and the kiosk itself
    # (its programs), not the whole locked tree; kiosk-admin runs from the source tree
    # with this interpreter.
    return run(INSTALL, "--root", str(root), "--user", USER, "--kiosk-only", "--admin-python", sys.executable)


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
    "opt/kiosk/share/docs": ("drwxr-xr-x", "root", "root"),
    "opt/kiosk/share/docs/installation.md": ("-rw-r--r--", "root", "root"),
    "opt/kiosk/share/docs/customer-display.md": ("-rw-r--r--", "root", "root"),  # the unit's Documentation=
    "etc/kiosk": ("drwxr-x---", "root", "kiosk"),
    "etc/kiosk/kiosk.toml": ("-rw-r-----", "root", "kiosk"),
    "etc/systemd/system/kiosk.service": ("-rw-r--r--", "root", "root"),
    "etc/systemd/system/kiosk-backup.service": ("-rw-r--r--", "root", "root"),
    "etc/systemd/system/kiosk-backup.timer": ("-rw-r--r--", "root", "root"),
    "etc/systemd/system/kiosk-release-boot.service": ("-rw-r--r--", "root", "root"),
    "etc/systemd/system/kiosk-release-good.service": ("-rw-r--r--", "root", "root"),
    "etc/systemd/system/kiosk-release-good.timer": ("-rw-r--r--", "root", "root"),
    "etc/systemd/system/kiosk-customer-screen.service": ("-rw-r--r--", "root", "root"),
    "etc/systemd/system.conf.d/kiosk-watchdog.conf": ("-rw-r--r--", "root", "root"),
    "opt/kiosk/share/release-guard.sh": ("-rwxr-xr-x", "root", "root"),
    "etc/udev/rules.d/70-kiosk.rules": ("-rw-r--r--", "root", "root"),
    "var/lib/kiosk": ("drwxr-x---", "kiosk", "kiosk"),
    "var/lib/kiosk/backups": ("drwxr-x---", "kiosk", "kiosk"),
    "var/lib/kiosk/kivy": ("drwxr-x---", "kiosk", "kiosk"),
    "var/lib/kiosk/kivy/config.ini": ("-rw-r-----", "kiosk", "kiosk"),
    # the UBL 2.1 schemas the DIAN documents are checked against (kiosk/fiscal/schemas.py)
    "usr/share/kiosk/ubl-2.1-xsd": ("drwxr-xr-x", "root", "root"),
    "usr/share/kiosk/ubl-2.1-xsd/maindoc/UBL-Invoice-2.1.xsd": ("-rw-r--r--", "root", "root"),
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
    # the template, with state_dir naming where the installer put the state directory
    template = (SRC / "systemd/kiosk.toml").read_text(encoding="utf-8")
    assert 'state_dir = "/var/lib/kiosk"\n' in template
    assert (root / "etc/kiosk/kiosk.toml").read_text(encoding="utf-8") == \
        template.replace('state_dir = "/var/lib/kiosk"', f'state_dir = "{root}/var/lib/kiosk"')


def test_release_is_a_virtual_environment_with_the_kiosk_programs(staged) -> None:
    root, out = staged
    venv = root / "opt/kiosk/venv"
    assert venv.is_symlink() and os.readlink(venv).startswith("releases/")
    release = venv.resolve()
    assert release.parent == (root / "opt/kiosk/releases").resolve()
    assert (release / "pyvenv.cfg").is_file() and (release / ".complete").is_file()
    for program in ("kiosk", "kiosk-admin", "kiosk-customer-screen"):  # each unit's ExecStart=
        assert os.access(release / "bin" / program, os.X_OK), program
    # the kiosk itself is installed in it (its own copy, not the source tree)
    found = list(release.glob("lib/python3*/site-packages/kiosk/services/maintenance.py"))
    assert found, "the kiosk package is not in the release"
    # pip and the build backend are the locked ones (installed by hash before the kiosk)
    assert (release / "requirements.lock").read_bytes() == (SRC / "requirements.lock").read_bytes()
    locked = _locked_versions()
    have = subprocess.run([str(release / "bin/python"), "-c",
                           "from importlib.metadata import version as v; "
                           "print(v('pip'), v('setuptools'), v('wheel'))"],
                          capture_output=True, text=True, timeout=60, check=True).stdout.split()
    assert have == [locked["pip"], locked["setuptools"], locked["wheel"]]
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
    for action in ["apt-get install",
                   "systemctl enable kiosk.service kiosk-backup.timer kiosk-release-boot.service "
                   "kiosk-release-good.timer",
                   "systemctl disable getty@tty1.service", "udevadm control --reload-rules",
                   "systemctl daemon-reload",
                   # the customer screen is optional: off unless asked for or configured
                   "systemctl disable kiosk-customer-screen.service"]:
        assert f"skipped (staging): {action}" in out.stdout, action


def test_timers_start_before_the_kiosk(staged) -> None:
    """A first start that fails must not leave the till without its nightly backup."""
    _, out = staged
    timers = out.stdout.index("skipped (staging): systemctl start kiosk-backup.timer kiosk-release-good.timer")
    kiosk = out.stdout.index("skipped (staging): systemctl restart kiosk.service")
    assert timers < kiosk


def test_the_hardware_watchdog_is_handed_to_systemd(staged) -> None:
    root, _ = staged
    conf = configparser.ConfigParser()
    conf.read(root / "etc/systemd/system.conf.d/kiosk-watchdog.conf")
    assert conf["Manager"]["RuntimeWatchdogSec"] == "15s" and conf["Manager"]["RebootWatchdogSec"] == "2min"
    for key in ("RuntimeWatchdogSec", "RebootWatchdogSec"):  # values systemd accepts as time spans
        out = subprocess.run([tool("systemd-analyze"), "timespan", conf["Manager"][key]], capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, out.stderr


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


def test_the_ubl_schemas_are_installed_and_validate(staged, tmp_path: Path) -> None:
    from kiosk.fiscal.schemas import UblValidator, find_schema_dir

    root, result = staged
    installed = root / "usr/share/kiosk/ubl-2.1-xsd"
    assert "installed the UBL 2.1 schemas" in result.stdout
    assert find_schema_dir(installed, env={}) == installed
    source = find_schema_dir(None, env={})
    assert sorted(p.relative_to(installed) for p in installed.rglob("*.xsd")) == \
        sorted(p.relative_to(source) for p in source.rglob("*.xsd"))
    assert UblValidator(installed).errors(b"<x/>") == ["unknown document element 'x'"]
    out = subprocess.run(["bash", str(INSTALL), "--root", str(tmp_path / "other"), "--ubl-xsd", str(tmp_path)],
                         capture_output=True, text=True, timeout=120, cwd="/")
    assert out.returncode == 1 and "no maindoc/UBL-Invoice-2.1.xsd" in out.stderr


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
    config = root / "etc/kiosk/kiosk.toml"  # its state_dir names the copy's state directory
    config.write_text(config.read_text(encoding="utf-8").replace(f'"{staged[0]}/', f'"{root}/'), encoding="utf-8")
    return root


def test_an_edited_configuration_is_kept(staged, tmp_path: Path) -> None:
    root = copy_of(staged, tmp_path)
    (root / "etc/kiosk/kiosk.toml").write_text('[shop]\nname = "Jabones Luz"\n\n[devices]\nscale = "0403:6001"\n')
    out = install(root)
    assert "keeping the existing" in out.stdout
    assert "Jabones Luz" in (root / "etc/kiosk/kiosk.toml").read_text()
    assert f"wrote {root}/etc/udev/rules.d/70-kiosk.rules" in out.stdout
    assert 'ATTRS{idVendor}=="0403"' in (root / "etc/udev/rules.d/70-kiosk.rules").read_text()


def test_the_customer_screen_is_enabled_by_its_flag_or_its_socket(staged, tmp_path: Path) -> None:
    """Optional: --customer-screen, or a configured [customer_display] screen_socket."""
    root = copy_of(staged, tmp_path)
    out = run(INSTALL, "--root", str(root), "--user", USER, "--kiosk-only", "--admin-python", sys.executable,
              "--customer-screen")
    assert "skipped (staging): systemctl enable kiosk-customer-screen.service" in out.stdout
    assert "restart kiosk-customer-screen.service" in out.stdout
    (root / "etc/kiosk/kiosk.toml").write_text('[customer_display]\nscreen_socket = "/run/kiosk/customer-screen.sock"\n')
    out = install(root)
    assert "skipped (staging): systemctl enable kiosk-customer-screen.service" in out.stdout
    (root / "etc/kiosk/kiosk.toml").write_text('[customer_display]\n# screen_socket = "/run/kiosk/x.sock"\n')
    out = install(root)
    assert "skipped (staging): systemctl disable kiosk-customer-screen.service" in out.stdout


def test_a_broken_configuration_stops_the_installer(staged, tmp_path: Path) -> None:
    root = copy_of(staged, tmp_path)
    rules = (root / "etc/udev/rules.d/70-kiosk.rules").read_bytes()
    (root / "etc/kiosk/kiosk.toml").write_text('[devices]\nscael = "0403:6001"\n')
    out = subprocess.run(["bash", str(INSTALL), "--root", str(root), "--user", USER, "--kiosk-only",
                          "--admin-python", sys.executable], capture_output=True, text=True, timeout=600)
    assert out.returncode == 1
    assert "scael" in out.stderr and "scale" in out.stderr and "fix" in out.stderr
    assert (root / "etc/udev/rules.d/70-kiosk.rules").read_bytes() == rules  # nothing rendered from it


def test_uninstall_keeps_the_shops_data_unless_purged(staged, tmp_path: Path) -> None:
    root = copy_of(staged, tmp_path)
    (root / "var/lib/kiosk/kiosk.db").write_bytes(b"the shop's sales")
    out = run(UNINSTALL, "--root", str(root), "--user", USER)
    assert ("skipped (staging): systemctl disable --now kiosk-backup.timer kiosk-release-good.timer "
            "kiosk-customer-screen.service kiosk.service" in out.stdout)
    assert "skipped (staging): systemctl enable --now getty@tty1.service" in out.stdout
    assert not (root / "opt/kiosk").exists()
    assert not (root / "etc/systemd/system/kiosk.service").exists()
    assert not (root / "etc/udev/rules.d/70-kiosk.rules").exists()
    assert not (root / "etc/systemd/system.conf.d/kiosk-watchdog.conf").exists()
    assert not list((root / "etc/systemd/system").glob("kiosk*"))
    assert not (root / "usr/local/bin/kiosk-admin").is_symlink()
    assert (root / "var/lib/kiosk/kiosk.db").read_bytes() == b"the shop's sales"
    assert (root / "etc/kiosk/kiosk.toml").is_file()
    out = run(UNINSTALL, "--root", str(root), "--purge")
    assert not (root / "var/lib/kiosk").exists() and not (root / "etc/kiosk").exists()


def _locked_versions() -> dict[str, str]:
    versions = {}
    for line in (SRC / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line[0].isspace() and not line.startswith("#"):
            name, _, rest = line.partition("==")
            versions[name] = rest.split()[0].rstrip(";")
    return versions


# --- kiosk-admin with sudo on the installed box -----------------------------------------

ADMIN = Path(sys.executable).parent / "kiosk-admin"  # this source tree's, as the release has it


def sudo_admin(home: Path, config: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """`sudo kiosk-admin ...`: a clean environment (env -i) with only what sudo sets;
    no $STATE_DIRECTORY, no $KIOSK_CONFIG. HOME is an empty folder standing in for
    /root, to see whether anything is created there."""
    return subprocess.run(["env", "-i", f"HOME={home}", "PATH=/usr/local/bin:/usr/bin:/bin", "LOGNAME=root",
                           "USER=root", "SHELL=/bin/bash", "SUDO_USER=tecnico", str(ADMIN),
                           "--config", str(config), *args],
                          input=stdin, capture_output=True, text=True, timeout=120, cwd=home)


def files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


def test_sudo_kiosk_admin_works_on_the_service_database(staged, tmp_path: Path) -> None:
    """The till and every command share one database: set-pin changes the PIN the till
    asks for; a command on a missing database names the path and creates nothing."""
    from kiosk.app_factory import build
    from kiosk.config import load_settings

    root = copy_of(staged, tmp_path)
    config, state, home = root / "etc/kiosk/kiosk.toml", root / "var/lib/kiosk", tmp_path / "root-home"
    home.mkdir()
    db = state / "kiosk.db"
    before = files_under(state)

    # nothing yet: every command that needs the database says where it looked, creates nothing
    out = sudo_admin(home, config, "status", "--json")
    assert out.returncode == 1, out.stdout + out.stderr
    st = json.loads(out.stdout)
    assert st["database"] == str(db) and st["database_info"]["integrity"] == "missing"
    assert st["state_dir_origin"] == "config"
    assert f"No hay base de datos en {db} (carpeta de datos: [paths] state_dir en {config})" in out.stderr
    for args, stdin in [(("set-pin", "Administrador", "--pin-stdin"), "482916\n"), (("users",), ""),
                        (("backup",), ""), (("sales", "list"), ""), (("products", "export", str(home / "p.csv")), "")]:
        out = sudo_admin(home, config, *args, stdin=stdin)
        assert out.returncode == 1 and f"No hay base de datos en {db}" in out.stderr, (args, out.stderr)
        assert "kiosk-admin migrate" in out.stderr
    assert files_under(state) == before and files_under(home) == []

    # the installer's first start (migrate), then the technician changes the PIN
    out = sudo_admin(home, config, "migrate")
    assert out.returncode == 0 and f"database {db}: new ->" in out.stdout, out.stdout + out.stderr
    out = sudo_admin(home, config, "set-pin", "Administrador", "--pin-stdin", stdin="482916\n")
    assert out.returncode == 0 and "PIN changed for Administrador" in out.stdout, out.stderr
    out = sudo_admin(home, config, "status", "--json")
    st = json.loads(out.stdout)
    assert out.returncode == 0 and st["database"] == str(db) and st["database_info"]["integrity"] == "ok"
    assert files_under(home) == []  # no second database in root's home

    # the till, as systemd starts it, opens the same database: the new PIN, not 000000
    till = build(load_settings(env={"KIOSK_CONFIG": str(config), "STATE_DIRECTORY": str(state)}))
    try:
        assert till.settings.database_path == db
        assert till.users.authenticate("482916").name == "Administrador"
        with pytest.raises(DomainError):
            till.users.authenticate("000000")
    finally:
        till.close()


def test_a_configuration_without_state_dir_still_means_var_lib_kiosk(staged, tmp_path: Path) -> None:
    """An installation from before the installer wrote state_dir: the line is missing."""
    root = copy_of(staged, tmp_path)
    config, home = root / "etc/kiosk/kiosk.toml", tmp_path / "root-home"
    home.mkdir()
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace(f'state_dir = "{root}/var/lib/kiosk"', ""), encoding="utf-8")
    existed = Path("/var/lib/kiosk").exists()
    out = sudo_admin(home, config, "status", "--json")
    st = json.loads(out.stdout)
    assert st["database"] == "/var/lib/kiosk/kiosk.db" and st["state_dir_origin"] == "system"
    if not Path("/var/lib/kiosk/kiosk.db").exists():
        assert out.returncode == 1 and "No hay base de datos en /var/lib/kiosk/kiosk.db" in out.stderr
    assert files_under(home) == [] and Path("/var/lib/kiosk").exists() == existed


def test_a_state_dir_other_than_the_services_is_warned_about(staged, tmp_path: Path) -> None:
    root = copy_of(staged, tmp_path)
    (root / "etc/kiosk/kiosk.toml").write_text('[paths]\nstate_dir = "/srv/kiosk"\n', encoding="utf-8")
    out = install(root)
    assert 'sets [paths] state_dir = "/srv/kiosk", but the kiosk service keeps' in out.stdout
    assert f"its data in {root}/var/lib/kiosk" in out.stdout


def test_installer_refuses_unknown_options() -> None:
    out = subprocess.run(["bash", str(INSTALL), "--rot", "/tmp/x"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "unknown option --rot" in out.stderr and "usage:" in out.stderr
