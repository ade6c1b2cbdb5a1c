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
    assert resolve_state_dir(Path("/cfg"), {"STATE_DIRECTORY": "/var/lib/kiosk:/other"}) == Path("/var/lib/kiosk")
    assert resolve_state_dir(Path("/cfg"), {}) == Path("/cfg")
    assert resolve_state_dir(None, {"XDG_DATA_HOME": "/x"}) == Path("/x/kiosk")


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
