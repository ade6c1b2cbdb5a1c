"""The customer screen's command line: a clear message and exit code 2 (no restart by
systemd) without a feed to follow; ``kiosk --customer-screen`` knows the flag."""

from __future__ import annotations

from pathlib import Path

from kiosk.customer_screen.main import main, parse_args, socket_path
from kiosk.main import parse_args as kiosk_args
from kiosk.main import resolve_settings


def test_without_a_socket_it_says_what_to_set_and_exits_2(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    assert main(["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "[customer_display] screen_socket" in err and "--socket" in err


def test_a_bad_configuration_exits_2_with_the_key(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    config = tmp_path / "kiosk.toml"
    config.write_text('[customer_display]\nscreen_rotate_s = 0.5\n', encoding="utf-8")
    assert main(["--config", str(config)]) == 2
    assert "screen_rotate_s" in capsys.readouterr().err


def test_the_socket_comes_from_the_flag_the_configuration_or_the_demo(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path}"\n[customer_display]\nscreen_socket = "/run/kiosk/c.sock"\n',
                      encoding="utf-8")
    args = parse_args(["--config", str(config)])
    assert socket_path(args, resolve_settings(args)) == "/run/kiosk/c.sock"
    args = parse_args(["--config", str(config), "--socket", "/tmp/x.sock"])
    assert socket_path(args, resolve_settings(args)) == "/tmp/x.sock"
    args = parse_args(["--demo", "--state", str(tmp_path / "demo")])
    assert socket_path(args, resolve_settings(args, env={})) == str(tmp_path / "demo" / "customer-screen.sock")
    assert kiosk_args(["--demo", "--windowed", "--customer-screen"]).customer_screen
