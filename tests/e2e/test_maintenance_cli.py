"""The technician's kiosk-admin commands: users, set-pin, logs, config check (a typo,
a missing device node), udev-rules and kivy-config."""

from __future__ import annotations

import configparser
import importlib.util
import io
import json
import re
import sys
from pathlib import Path

import pytest

from kiosk.appliance import kivy_config, udev
from kiosk.appliance.settings import DevicesSettings
from kiosk.cli import maintenance_commands
from kiosk.cli.main import main
from kiosk.config import ConfigError, parse_settings


def test_users_lists_names_and_roles(app, config_file, capsys) -> None:
    app.users.create_user("Ana", "cashier", "2468")
    assert main(["users", "--json"]) == 0
    users = json.loads(capsys.readouterr().out)
    assert [(u["name"], u["role"], u["active"]) for u in users] == [
        ("Administrador", "admin", True), ("Ana", "cashier", True)]
    assert main(["users"]) == 0
    assert "Ana" in capsys.readouterr().out


def test_set_pin_from_stdin_and_twice_without_echo(app, config_file, capsys, monkeypatch) -> None:
    ana = app.users.create_user("Ana", "cashier", "2468")
    monkeypatch.setattr(sys, "stdin", io.StringIO("1357\n"))
    assert main(["set-pin", "Ana", "--pin-stdin"]) == 0
    assert "PIN changed for Ana" in capsys.readouterr().out
    assert app.users.authenticate("1357").id == ana.id

    answers = iter(["8642", "8642"])
    monkeypatch.setattr(maintenance_commands.getpass, "getpass", lambda prompt: next(answers))
    assert main(["set-pin", str(ana.id)]) == 0
    assert app.users.authenticate("8642").id == ana.id


@pytest.mark.parametrize("argv, stdin, expected", [
    (["set-pin", "Ana", "--pin-stdin"], "12\n", "PIN"),  # too short: the rule is stated
    (["set-pin", "Nadie", "--pin-stdin"], "1357\n", "Nadie"),  # unknown user named
    (["set-pin", "Ana", "--pin-stdin"], "000000\n", "PIN"),  # the admin's PIN already
])
def test_set_pin_bad_input_changes_nothing(app, config_file, capsys, monkeypatch, argv, stdin, expected) -> None:
    app.users.create_user("Ana", "cashier", "2468")
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and expected in err
    assert app.users.authenticate("2468").name == "Ana"


def test_set_pin_typed_differently_twice(app, config_file, capsys, monkeypatch) -> None:
    answers = iter(["1357", "1375"])
    monkeypatch.setattr(maintenance_commands.getpass, "getpass", lambda prompt: next(answers))
    assert main(["set-pin", "Administrador"]) == 1
    assert "the two PINs differ" in capsys.readouterr().err
    assert app.users.authenticate("000000").role == "admin"


def test_logs_runs_journalctl_for_the_units(monkeypatch) -> None:
    ran = []
    monkeypatch.setattr(maintenance_commands, "RUN", lambda argv: ran.append(argv) or 0)
    monkeypatch.setattr(maintenance_commands.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert main(["logs", "-n", "50", "--since", "today", "--backup", "-f"]) == 0
    assert ran == [["journalctl", "--unit", "kiosk.service", "--unit", "kiosk-backup.service",
                    "--lines", "50", "--since", "today", "--follow"]]


def test_logs_without_journalctl_says_where_logs_are(monkeypatch, capsys) -> None:
    monkeypatch.setattr(maintenance_commands.shutil, "which", lambda name: None)
    assert main(["logs"]) == 1
    assert "journalctl not found" in capsys.readouterr().err


# --- configuration ------------------------------------------------------------------

def test_config_check_names_a_typo_and_the_right_key(tmp_path: Path, state_dir, monkeypatch, capsys) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[devices]\nscael = "0403:6001"\n\n[backup]\nkeep_daily = "seven"\n', encoding="utf-8")
    monkeypatch.setenv("STATE_DIRECTORY", str(state_dir))
    assert main(["--config", str(cfg), "config", "check"]) == 2
    err = capsys.readouterr().err
    assert str(cfg) in err
    assert "[devices] scael" in err and "scale" in err  # "¿quiso decir scale?"
    assert "[backup] keep_daily" in err and "'seven'" in err


def test_config_check_json_is_json_also_when_the_configuration_is_invalid(tmp_path: Path, state_dir, monkeypatch,
                                                                         capsys) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[devices]\nscael = "0403:6001"\n\n[backup]\nkeep_daily = "seven"\n', encoding="utf-8")
    monkeypatch.setenv("STATE_DIRECTORY", str(state_dir))
    assert main(["--config", str(cfg), "config", "check", "--json"]) == 2
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["ok"] is False and out["valid"] is False and out["source"] == str(cfg)
    problems = {p["key"]: p["message"] for p in out["problems"]}
    assert "scale" in problems["[devices] scael"] and "'seven'" in problems["[backup] keep_daily"]
    assert "[devices] scael" in captured.err  # the text for a person still goes to stderr


def test_config_check_reports_a_missing_device_node(tmp_path: Path, state_dir, monkeypatch, capsys) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[devices]\nscale = "0403:6001"\n\n[printer]\nurl = "file:///dev/usb/lp7"\n', encoding="utf-8")
    monkeypatch.setenv("STATE_DIRECTORY", str(state_dir))
    assert main(["--config", str(cfg), "config", "check", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] is True and out["ok"] is False
    missing = {m["setting"]: m for m in out["missing_devices"]}
    assert missing["[devices] scale"]["node"] == "/dev/kiosk-scale"
    assert "0403:6001" in missing["[devices] scale"]["message"]
    assert "udev" in missing["[devices] scale"]["message"]
    assert missing["[printer] url"]["node"] == "/dev/usb/lp7"
    assert main(["--config", str(cfg), "config", "check"]) == 1
    text = capsys.readouterr().out
    assert "[devices] scale: Falta /dev/kiosk-scale" in text and "balanza" in text


@pytest.mark.parametrize("value, fragment", [
    ("0403-6001", 'a USB id "VVVV:PPPP"'),
    ("403:6001", 'a USB id "VVVV:PPPP"'),
    ("0403:6001:bad serial", 'a USB id "VVVV:PPPP"'),
])
def test_bad_usb_ids_are_explained(value: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_settings({"devices": {"scanner": value}}, language="en")
    assert "[devices] scanner" in str(exc.value) and fragment in str(exc.value)


def test_two_devices_with_one_id_need_serial_numbers() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_settings({"devices": {"scale": "0403:6001", "printer": "0403:6001"}}, language="en")
    assert "same USB id 0403:6001" in str(exc.value) and "SERIAL" in str(exc.value)
    ok = parse_settings({"devices": {"scale": "0403:6001:A1", "printer": "0403:6001:B2"}})
    assert ok.devices.usb_id("printer").serial == "B2"


def test_backup_settings_are_checked() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_settings({"backup": {"keep_daily": 0, "keep_weekly": 0, "keep_monthly": 0, "usb_dir": "media"}},
                       language="en")
    assert "at least one of keep_daily" in str(exc.value)


# --- udev rules ---------------------------------------------------------------------

_RULE_ITEM = re.compile(r'^(?P<key>[A-Z_]+(\{[^}]+\})?)\s*(?P<op>==|!=|\+=|-=|:=|=)\s*"(?P<value>[^"]*)"$')
MATCH_OPS = {"==", "!="}


def parse_rules(text: str) -> list[list[tuple[str, str, str]]]:
    """A strict reading of udev's rule syntax: KEY OP "value" items joined by commas,
    at least one match and one assignment per rule."""
    rules = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        items = []
        for part in line.split(", "):
            m = _RULE_ITEM.match(part.strip())
            assert m, f"line {n}: cannot parse {part!r}"
            items.append((m["key"], m["op"], m["value"]))
        assert any(op in MATCH_OPS for _, op, _ in items), f"line {n}: no match key"
        assert any(op not in MATCH_OPS for _, op, _ in items), f"line {n}: no assignment"
        rules.append(items)
    return rules


def test_udev_rules_for_every_device() -> None:
    devices = DevicesSettings(scale="0403:6001", scanner="05e0:1200", printer="04B8:0202:XYZ1")
    rules = parse_rules(udev.render_rules(devices, user="kiosk"))
    by_link = {}
    for items in rules:
        keys = {(k, op): v for k, op, v in items}
        if ("SYMLINK", "+=") in keys:
            by_link.setdefault(keys[("SYMLINK", "+=")], []).append(keys)
    scale = by_link["kiosk-scale"][0]
    assert scale[("ATTRS{idVendor}", "==")] == "0403" and scale[("ATTRS{idProduct}", "==")] == "6001"
    assert scale[("ENV{ID_MM_DEVICE_IGNORE}", "=")] == "1"  # ModemManager keeps off the scale
    assert scale[("OWNER", "=")] == "kiosk" and scale[("MODE", "=")] == "0660"
    printer = by_link["kiosk-printer"]
    assert {r[("SUBSYSTEM", "==")] for r in printer} == {"usbmisc", "tty"}
    assert all(r[("ATTRS{idVendor}", "==")] == "04b8" and r[("ATTRS{serial}", "==")] == "XYZ1" for r in printer)
    # the raw USB device too (python-escpos usb://), or "Access denied"
    assert any(("SUBSYSTEM", "==", "usb") in items and ("GROUP", "=", "lp") in items for items in rules)
    # the scanner: a stable name, and no longer a keyboard for SDL/libinput/Kivy
    assert {r[("SUBSYSTEM", "==")] for r in by_link["kiosk-scanner"]} == {"input", "tty"}
    hidden = [items for items in rules if ("ENV{ID_CLASS}", "=", "barcode-scanner") in items]
    assert hidden and ("ENV{ID_INPUT_KEYBOARD}", "=", "") in hidden[0]
    assert ("ATTRS{idVendor}", "==", "05e0") in hidden[0]
    # any touchscreen without an id
    assert by_link["kiosk-touch"][0][("ENV{ID_INPUT_TOUCHSCREEN}", "==")] == "1"
    assert ("ATTRS{idVendor}", "==") not in by_link["kiosk-touch"][0]


def test_udev_rules_leave_out_unconfigured_devices(tmp_path: Path, state_dir, monkeypatch, capsys) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[devices]\nscanner = "05e0:1200"\n', encoding="utf-8")
    monkeypatch.setenv("STATE_DIRECTORY", str(state_dir))
    assert main(["--config", str(cfg), "udev-rules", "--user", "till"]) == 0
    text = capsys.readouterr().out
    rules = parse_rules(text)
    assert "kiosk-scale" not in text.replace('# scale: not configured ([devices] scale = "")', "")
    assert '# scale: not configured' in text and '# printer: not configured' in text
    assert all(("OWNER", "=", "till") in items for items in rules if any(k == "OWNER" for k, _, _ in items))
    assert str(cfg) in text  # says where it came from

    out = tmp_path / "rules"
    assert main(["--config", str(cfg), "udev-rules", "--output", str(out)]) == 0
    first = out.stat().st_mtime_ns
    assert main(["--config", str(cfg), "udev-rules", "--output", str(out)]) == 0
    assert out.stat().st_mtime_ns == first and oct(out.stat().st_mode & 0o777) == "0o644"


def test_udev_install_reloads_udev(tmp_path: Path, config_file, monkeypatch) -> None:
    ran = []
    monkeypatch.setattr(maintenance_commands, "RUN", lambda argv: ran.append(argv) or 0)
    monkeypatch.setattr(udev, "RULES_PATH", tmp_path / "rules.d" / "70-kiosk.rules")
    assert main(["udev-rules", "--install"]) == 0
    assert (tmp_path / "rules.d" / "70-kiosk.rules").is_file()
    assert ran == [["udevadm", "control", "--reload-rules"], ["udevadm", "trigger", "--action=change"]]


# --- Kivy -----------------------------------------------------------------------------

def _kivy(text: str) -> configparser.RawConfigParser:
    cp = configparser.RawConfigParser()
    cp.optionxform = str
    cp.read_string(text)
    return cp


def test_kivy_config_reads_only_the_touchscreen(tmp_path: Path, config_file, capsys) -> None:
    # read from Kivy's source: importing Kivy here would reconfigure this process's logging
    source = (Path(importlib.util.find_spec("kivy").origin).parent / "config.py").read_text()
    kivy_config_version = int(re.search(r"^KIVY_CONFIG_VERSION = (\d+)", source, re.M)[1])
    assert main(["kivy-config"]) == 0
    cp = _kivy(capsys.readouterr().out)
    assert dict(cp.items("input")) == {"touchscreen": "hidinput,/dev/kiosk-touch"}
    # complete, at the installed Kivy's version: Kivy will not "upgrade" it and add
    # probesysfs (every input device, the scanner too) back into [input]
    assert cp.getint("kivy", "config_version") == kivy_config_version
    assert cp.get("kivy", "log_enable") == "0" and cp.get("graphics", "show_cursor") == "0"
    assert cp.has_option("graphics", "fullscreen") and cp.has_option("kivy", "keyboard_mode")


def test_kivy_config_with_a_mouse_on_the_bench() -> None:
    defaults = _kivy("[kivy]\nconfig_version = 27\n[input]\nmouse = mouse\n%(name)s = probesysfs\n")
    cp = _kivy(kivy_config.render(DevicesSettings(mouse=True, touch_provider="mtdev"), defaults=defaults))
    assert dict(cp.items("input")) == {"touchscreen": "mtdev,/dev/kiosk-touch",
                                       "mouse": "mouse,disable_on_activity"}
    assert cp.get("graphics", "show_cursor") == "1"
