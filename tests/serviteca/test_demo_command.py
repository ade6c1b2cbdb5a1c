"""``kiosk --demo [SHOP]``: the cleaning shop stays the default (same state directory,
same settings); ``--demo serviteca`` runs the Colombian shop in its own state
directory with its currency, tax and fiscal profile over the configured settings."""

from __future__ import annotations

import pytest

from kiosk.demo_serviteca import SELLER_NIT
from kiosk.main import parse_args, resolve_settings


def test_plain_demo_is_still_the_cleaning_shop(tmp_path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path), "HOME": str(tmp_path)}
    args = parse_args(["--demo", "--windowed"])
    assert args.demo == "cleaning" and args.windowed
    s = resolve_settings(args, env)
    assert s.state_dir == tmp_path / "kiosk-demo"
    assert not s.fiscal.on and s.currency.code != "COP"
    assert parse_args([]).demo is None


def test_demo_serviteca_has_its_own_state_and_fiscal_profile(tmp_path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path), "HOME": str(tmp_path)}
    s = resolve_settings(parse_args(["--demo", "serviteca", "--windowed", "--language", "en"]), env)
    assert s.state_dir == tmp_path / "kiosk-demo-serviteca"
    assert (s.currency.code, s.currency.decimals, s.locale.formats) == ("COP", 0, "es_CO")
    assert s.fiscal.on and s.fiscal.nit == SELLER_NIT and s.dian.environment == 2
    assert s.locale.language == "en"  # the command line still wins
    assert s.till.without_session == "open"


def test_an_unknown_demo_shop_is_refused(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        parse_args(["--demo", "panaderia"])
    assert exc.value.code == 2 and "serviteca" in capsys.readouterr().err
