"""The systemd units pass `systemd-analyze verify` and say what the appliance needs;
the configuration template lists every setting with its default and validates; the
shell scripts pass shellcheck. A missing tool fails these tests, it never skips them."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

from kiosk.config import Settings, parse_settings

from tests.e2e.appliance_helpers import SYSTEM_UNITS, UNITS, tool

SYSTEMD = Path(__file__).resolve().parents[2] / "systemd"


def read_unit(name: str) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in (SYSTEMD / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


def staged_root(tmp_path: Path, unit_files: list[Path]) -> Path:
    """A root with the system's units, ours in /etc/systemd/system and a stand-in for
    every program our units start (verify checks that ExecStart= is executable)."""
    root = tmp_path / "root"
    (root / "usr/lib/systemd").mkdir(parents=True)
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    etc = root / "etc/systemd/system"
    etc.mkdir(parents=True)
    for f in unit_files:
        shutil.copy(f, etc / f.name)
        for exe in re.findall(r"^Exec\w+=[-+!@:]*(/\S+)", f.read_text(), re.M):
            stub = root / exe.lstrip("/")
            stub.parent.mkdir(parents=True, exist_ok=True)
            stub.write_text("#!/bin/sh\n")
            stub.chmod(0o755)
    return root


def verify(root: Path, names: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([tool("systemd-analyze"), "verify", f"--root={root}",
                           *(f"/etc/systemd/system/{n}" for n in names)],
                          capture_output=True, text=True, timeout=120)


def test_every_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    tool("systemd-analyze")
    assert SYSTEM_UNITS.is_dir(), f"{SYSTEM_UNITS} is missing: systemd is not installed"
    root = staged_root(tmp_path, [SYSTEMD / u for u in UNITS])
    out = verify(root, UNITS)
    # warnings (an unknown key, a bad value) do not change the exit status: any output fails
    assert out.returncode == 0 and not out.stdout.strip() and not out.stderr.strip(), out.stdout + out.stderr


def test_verify_catches_a_broken_unit(tmp_path: Path) -> None:
    """The check above is worth something: a typo in a key is reported."""
    broken = tmp_path / "src" / "kiosk.service"
    broken.parent.mkdir()
    broken.write_text((SYSTEMD / "kiosk.service").read_text().replace("WatchdogSec=", "WatchdogSecs="))
    out = verify(staged_root(tmp_path, [broken]), ["kiosk.service"])
    assert "WatchdogSecs" in out.stderr


def test_the_customer_screen_unit_follows_the_kiosk_without_being_bound_to_it() -> None:
    """Its own unit, as the kiosk user, restarted on failure, ordered after kiosk.service
    but not stopped or restarted with it (the till restarting must not take it down),
    on a DRM output of its own, sharing the till's /run/kiosk for the cart feed."""
    u = read_unit("kiosk-customer-screen.service")
    unit, service = u["Unit"], u["Service"]
    assert "kiosk.service" in unit["After"][0].split()
    for binding in ("Requires", "BindsTo", "PartOf", "Requisite", "Upholds"):
        assert binding not in unit, binding
    assert service["User"] == ["kiosk"] and service["Restart"] == ["always"]
    assert service["ExecStart"] == ["/opt/kiosk/venv/bin/kiosk-customer-screen"]
    assert service["RestartPreventExitStatus"] == ["2"]
    env = dict(e.split("=", 1) for e in service["Environment"])
    assert env["SDL_VIDEODRIVER"] == "kmsdrm" and env["SDL_KMSDRM_DEVICE_INDEX"] == "1"
    assert env["KIVY_HOME"] != dict(e.split("=", 1) for e in read_unit("kiosk.service")["Service"]["Environment"])[
        "KIVY_HOME"]  # its own Kivy configuration: no touchscreen input
    assert service["DeviceAllow"] == ["char-drm rw"]
    kiosk = read_unit("kiosk.service")["Service"]
    for s in (service, kiosk):
        assert s["RuntimeDirectory"] == ["kiosk"] and s["RuntimeDirectoryPreserve"] == ["yes"]
    assert u["Install"]["WantedBy"] == ["multi-user.target"]


def test_kiosk_service_is_the_appliance() -> None:
    u = read_unit("kiosk.service")
    unit, service = u["Unit"], u["Service"]
    assert service["Type"] == ["notify"] and service["NotifyAccess"] == ["main"]
    assert int(service["WatchdogSec"][0]) > 0
    assert service["Restart"] == ["always"]
    assert int(unit["StartLimitBurst"][0]) >= 3 and int(unit["StartLimitIntervalSec"][0]) >= 60
    assert "getty@tty1.service" in unit["Conflicts"][0] and service["TTYPath"] == ["/dev/tty1"]
    assert service["User"] == ["kiosk"] and service["ExecStart"] == ["/opt/kiosk/venv/bin/kiosk"]
    assert service["StateDirectory"] == ["kiosk"] and service["ConfigurationDirectory"] == ["kiosk"]
    assert service["StandardOutput"] == ["journal"] and service["StandardError"] == ["journal"]
    for key, value in [("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "read-only"),
                       ("PrivateTmp", "yes"), ("DevicePolicy", "closed")]:
        assert service[key] == [value], key
    # a configuration error (exit 2) is not retried five times; no console, no start
    assert service["RestartPreventExitStatus"] == ["2"]
    assert unit["ConditionPathExists"] == ["/dev/tty0"]
    # the installer's /etc/kiosk mode (0750) is the unit's: no warning at every start
    assert service["ConfigurationDirectoryMode"] == ["0750"]
    assert service["ExecStopPost"] == ["/opt/kiosk/venv/bin/kiosk-service-exit"]
    allowed = {d.split()[0] for d in service["DeviceAllow"]}
    assert {"char-drm", "char-input", "char-ttyUSB", "char-ttyACM", "char-usb_device", "char-usb",
            "char-gpiochip", "/dev/tty1"} <= allowed
    env = dict(e.split("=", 1) for e in service["Environment"])
    assert env["KIVY_HOME"] == "/var/lib/kiosk/kivy" and env["SDL_VIDEODRIVER"] == "kmsdrm"
    assert env["KIOSK_CONFIG"] == "/etc/kiosk/kiosk.toml"


def test_backup_units() -> None:
    service = read_unit("kiosk-backup.service")["Service"]
    assert service["Type"] == ["oneshot"] and service["User"] == ["kiosk"]
    assert service["ExecStart"] == ["/opt/kiosk/venv/bin/kiosk-admin backup --nightly"]
    assert service["ConfigurationDirectoryMode"] == ["0750"]
    assert service["ProtectSystem"] == ["strict"] and "-/media" in service["ReadWritePaths"][0]
    timer = read_unit("kiosk-backup.timer")
    assert timer["Timer"]["OnCalendar"][0].startswith("*-*-*")  # daily
    assert timer["Timer"]["Persistent"] == ["true"]  # a till switched off at night is backed up at boot
    assert timer["Install"]["WantedBy"] == ["timers.target"]


def _template_values() -> dict:
    """The template with every commented-out setting switched on."""
    text = (SYSTEMD / "kiosk.toml").read_text(encoding="utf-8")
    uncommented = re.sub(r"^# (\w+ = .*)$", r"\1", text, flags=re.M)
    return tomllib.loads(uncommented)


def _sections() -> list[tuple[tuple[str, ...], type]]:
    """Every settings table as its path and model; a nested one such as [payments.qr]
    (a field whose type is itself a section) is a table of its own."""
    from pydantic import BaseModel

    out = []

    def walk(path: tuple[str, ...], model: type) -> None:
        out.append((path, model))
        for key, field in model.model_fields.items():
            if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
                walk((*path, key), field.annotation)

    for section, field in Settings.model_fields.items():
        if not field.exclude:
            walk((section,), field.annotation)
    return out


def _leaf_keys(model: type) -> set[str]:
    from pydantic import BaseModel

    return {k for k, f in model.model_fields.items()
            if not (isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel))}


def _nested(path: tuple[str, ...], value: object) -> dict:
    for part in reversed(path):
        value = {part: value}
    return value


def _get(obj: object, path: tuple[str, ...]) -> object:
    for part in path:
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part)
    return obj


def test_config_template_lists_every_setting_with_its_default() -> None:
    values = _template_values()
    defaults = Settings()
    for path, model in _sections():
        name = ".".join(path)
        table = _get(values, path)
        assert table is not None, f"[{name}] is missing from systemd/kiosk.toml"
        keys = set(table) - (set(model.model_fields) - _leaf_keys(model))  # less the nested tables
        assert keys == _leaf_keys(model), \
            f"[{name}]: template keys {sorted(keys)} != settings {sorted(_leaf_keys(model))}"
        for key in _leaf_keys(model):
            default = getattr(_get(defaults, path), key)
            if default is None:  # no default to show: an example value is given
                continue
            shown = getattr(_get(parse_settings(_nested(path, {key: table[key]})), path), key)
            assert shown == default, f"[{name}] {key}: template shows {shown!r}, default is {default!r}"
    assert set(values) == {s for s, f in Settings.model_fields.items() if not f.exclude}


def test_config_template_validates_as_installed_and_uncommented() -> None:
    text = (SYSTEMD / "kiosk.toml").read_text(encoding="utf-8")
    parse_settings(tomllib.loads(text), "systemd/kiosk.toml")  # as installed: all defaults
    parse_settings(_template_values(), "systemd/kiosk.toml")  # every value shown is valid


def test_shell_scripts_pass_shellcheck() -> None:
    scripts = sorted(SYSTEMD.glob("*.sh"))
    assert {s.name for s in scripts} >= {"install.sh", "uninstall.sh"}
    out = subprocess.run([tool("shellcheck"), "--severity=style", *map(str, scripts)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    for s in scripts:
        assert s.stat().st_mode & 0o111, f"{s.name} is not executable"
        assert "set -euo pipefail" in s.read_text()


def test_configuration_reference_has_every_key() -> None:
    manual = (SYSTEMD.parent / "docs" / "installation.md").read_text(encoding="utf-8")
    reference = manual[manual.index("## Configuration reference"):]
    reference = reference[:reference.index("\n## ", 10)]
    rows = set(re.findall(r"^\| `\[([\w.]+)\] (\w+)` \|", reference, re.M))
    wanted = {(".".join(path), key) for path, model in _sections() for key in _leaf_keys(model)}
    assert wanted - rows == set(), "settings missing from docs/installation.md's configuration reference"
    assert rows - wanted == set(), "docs/installation.md documents settings that do not exist"


def test_protect_home_lets_the_kiosk_read_the_templates_media_folders_example() -> None:
    """The template suggests a folder under /home for photos: the unit must not hide /home."""
    template = (SYSTEMD / "kiosk.toml").read_text(encoding="utf-8")
    assert '"/home/' in template
    assert read_unit("kiosk.service")["Service"]["ProtectHome"] != ["yes"]


def test_release_units() -> None:
    boot = read_unit("kiosk-release-boot.service")
    assert "kiosk.service" in boot["Unit"]["Before"][0]
    assert boot["Unit"]["ConditionPathExists"] == ["/opt/kiosk/trial.json"]
    assert boot["Service"]["ExecStart"] == ["/opt/kiosk/share/release-guard.sh boot"]
    assert boot["Install"]["WantedBy"] == ["multi-user.target"]
    good = read_unit("kiosk-release-good.service")
    assert good["Service"]["ExecStart"] == ["/opt/kiosk/share/release-guard.sh confirm"]
    assert good["Unit"]["ConditionPathExists"] == ["/opt/kiosk/trial.json"]
    timer = read_unit("kiosk-release-good.timer")["Timer"]
    assert timer["OnUnitInactiveSec"] == ["1min"] and timer["OnBootSec"] == ["1min"]
