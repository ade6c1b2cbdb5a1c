from pathlib import Path

import pytest

from kiosk.config import ConfigError, config_path, load_settings, resolve_state_dir


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "kiosk.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_without_any_file(tmp_path):
    s = load_settings(env={"HOME": str(tmp_path)})
    assert s.currency.code == "USD" and s.currency.decimals == 2
    assert s.locale.language == "es"
    assert s.security.default_admin_pin == "000000"
    assert s.state_dir == tmp_path / ".local" / "share" / "kiosk"


def test_file_resolution_order(tmp_path, monkeypatch):
    a, b = write(tmp_path, ""), tmp_path / "other.toml"
    b.write_text('[shop]\nname = "Otra"\n', encoding="utf-8")
    assert config_path(a, {"KIOSK_CONFIG": str(b)}) == a
    assert config_path(None, {"KIOSK_CONFIG": str(b)}) == b
    assert load_settings(env={"KIOSK_CONFIG": str(b), "HOME": str(tmp_path)}).shop.name == "Otra"


def test_state_directory_rule(tmp_path):
    env = {"STATE_DIRECTORY": "/var/lib/kiosk:/other", "HOME": "/home/ana"}
    assert resolve_state_dir(Path("/cfg"), env, config_file=True) == (Path("/var/lib/kiosk"), "environment")
    assert resolve_state_dir(None, env, config_file=False) == (Path("/var/lib/kiosk"), "environment")
    assert resolve_state_dir(Path("/cfg"), {"HOME": "/home/ana"}, config_file=True) == (Path("/cfg"), "config")
    # a configuration file without state_dir means the appliance's folder, never the user's
    assert resolve_state_dir(None, {"HOME": "/root"}, config_file=True) == (Path("/var/lib/kiosk"), "system")
    assert resolve_state_dir(None, {"XDG_DATA_HOME": "/x"}, config_file=False) == (Path("/x/kiosk"), "user")
    assert resolve_state_dir(None, {"HOME": "/home/ana"}, config_file=False) == \
        (Path("/home/ana/.local/share/kiosk"), "user")


@pytest.mark.parametrize("how", ["given", "KIOSK_CONFIG", "default path"])
def test_any_configuration_file_means_the_appliance_state_directory(tmp_path, monkeypatch, how):
    """sudo drops $STATE_DIRECTORY and sets HOME=/root: with a configuration file in use,
    however it was found, the state directory is still /var/lib/kiosk."""
    from kiosk import config

    cfg = write(tmp_path, '[shop]\nname = "Jabones Luz"\n')
    monkeypatch.setattr(config, "DEFAULT_CONFIG_PATH", cfg)
    env = {"HOME": str(tmp_path)}
    if how == "KIOSK_CONFIG":
        env["KIOSK_CONFIG"] = str(cfg)
    s = load_settings(cfg if how == "given" else None, env=env)
    assert s.shop.name == "Jabones Luz" and s.source == cfg
    assert s.state_dir == Path("/var/lib/kiosk") and s.database_path == Path("/var/lib/kiosk/kiosk.db")
    assert s.state_dir_reason("en") == f"the appliance's folder: {cfg} sets no [paths] state_dir"
    cfg.write_text(f'[paths]\nstate_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    s = load_settings(cfg if how == "given" else None, env=env)
    assert s.state_dir == tmp_path / "data" and s.state_dir_origin == "config"
    s = load_settings(cfg if how == "given" else None, env={**env, "STATE_DIRECTORY": "/run/state"})
    assert s.state_dir == Path("/run/state") and s.state_dir_origin == "environment"


def test_without_any_configuration_file_the_state_is_the_users(tmp_path, monkeypatch):
    from kiosk import config

    monkeypatch.setattr(config, "DEFAULT_CONFIG_PATH", tmp_path / "absent.toml")
    s = load_settings(env={"HOME": str(tmp_path)})
    assert s.source is None and s.state_dir == tmp_path / ".local" / "share" / "kiosk"
    assert s.state_dir_reason("es") == "la carpeta propia del usuario: no se usa ningún archivo de configuración"


def test_a_relative_state_dir_is_refused(tmp_path):
    """A relative path would be another folder for every working directory (sudo from ~)."""
    p = write(tmp_path, '[paths]\nstate_dir = "kiosk-data"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(p, env={"HOME": str(tmp_path)})
    assert err.value.problems == [("[paths] state_dir",
                                   'se espera una ruta absoluta como "/var/lib/kiosk" (se leyó \'kiosk-data\')')]


def test_cop_with_zero_decimals(tmp_path):
    p = write(tmp_path, '[currency]\ncode = "COP"\ndecimals = 0\n[locale]\nformats = "es_CO"\n')
    s = load_settings(p, env={"HOME": str(tmp_path)})
    assert s.currency.decimals == 0 and s.currency.notes()[0] == 2000


def test_every_problem_is_named_with_key_and_expected_form_in_spanish(tmp_path):
    p = write(tmp_path, '[currency]\ndecimals = 3\ncod = "USD"\n[printer]\nurl = "ftp://x"\n'
                        '[security]\nfree_attempts = "cinco"\n[ui]\ntheme = "pink"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(p, env={"HOME": str(tmp_path)})
    text = str(err.value)
    assert str(p) in text
    assert "[currency] decimals: se espera uno de 0, 2 (se leyó 3)" in text
    assert "[currency] cod: no es un ajuste conocido — ¿quiso decir code?" in text
    assert "[printer] url:" in text and "tcp://HOST:9100" in text
    assert "[security] free_attempts: se espera un número entero" in text
    assert "[ui] theme: se espera uno de 'day', 'night'" in text
    assert "Invalid configuration" in err.value.message("en")


def test_broken_toml_and_missing_file(tmp_path):
    p = write(tmp_path, "[shop\nname = 1")
    with pytest.raises(ConfigError) as err:
        load_settings(p, env={})
    assert "TOML" in str(err.value)
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path / "nope.toml", env={})
    assert "no se encontró" in str(err.value)
