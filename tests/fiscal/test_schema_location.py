"""Where the UBL 2.1 schemas are found: beside the source tree by default (shared/
next to the repository, or next to a parent folder), or where the environment
variable or ``[dian] schema_dir`` says — and a wrong explicit place is an error."""

from __future__ import annotations

import pytest

from kiosk.config import ConfigError, load_settings
from kiosk.fiscal.errors import SchemaUnavailable
from kiosk.fiscal.schemas import ENV_VAR, UblValidator, find_schema_dir, installed_validator


def test_default_is_found_beside_the_source_tree():
    found = find_schema_dir(env={})
    assert (found / "maindoc" / "UBL-Invoice-2.1.xsd").is_file()
    assert found.name == "ubl-2.1-xsd"


def test_environment_variable_and_setting_override_the_default(tmp_path):
    real = find_schema_dir(env={})
    link = tmp_path / "xsd"
    link.symlink_to(real, target_is_directory=True)
    assert find_schema_dir(env={ENV_VAR: str(link)}) == link
    assert find_schema_dir(link, env={}) == link
    settings = load_settings(env={"HOME": str(tmp_path)}, overrides={"dian": {"schema_dir": str(link)}})
    assert UblValidator.find(settings.dian.schema_dir, env={}).directory == real.resolve()
    # the variable wins over the setting
    assert find_schema_dir(tmp_path / "nowhere", env={ENV_VAR: str(link)}) == link


def test_a_wrong_explicit_place_is_an_error_not_a_silent_fallback(tmp_path):
    with pytest.raises(SchemaUnavailable) as err:
        find_schema_dir(tmp_path, env={})
    assert str(tmp_path) in str(err.value) and "KIOSK_UBL_XSD_DIR" in str(err.value)
    with pytest.raises(SchemaUnavailable):
        find_schema_dir(env={ENV_VAR: str(tmp_path / "missing")})


def test_dian_settings_are_validated(tmp_path):
    settings = load_settings(env={"HOME": str(tmp_path)}, overrides={"dian": {"environment": 1}})
    assert settings.dian.service_url == "https://vpfe.dian.gov.co/WcfDianCustomerServices.svc"
    assert load_settings(env={"HOME": str(tmp_path)}).dian.service_url.startswith("https://vpfe-hab.")
    with pytest.raises(ConfigError) as err:
        load_settings(env={"HOME": str(tmp_path)}, overrides={"dian": {"environment": 3}})
    assert "[dian] environment" in str(err.value)
    with pytest.raises(ConfigError, match=r"\[dian\] url"):
        load_settings(env={"HOME": str(tmp_path)}, overrides={"dian": {"url": "ftp://x"}})


def test_without_installed_schemas_validation_is_left_out_unless_a_folder_is_named(tmp_path):
    assert installed_validator(env={}) is not None
    nowhere = [tmp_path / "a", tmp_path / "b"]  # a till where the schemas were not installed
    assert installed_validator(env={}, defaults=nowhere) is None
    with pytest.raises(SchemaUnavailable):
        installed_validator(tmp_path / "named", env={}, defaults=nowhere)
    with pytest.raises(SchemaUnavailable):
        installed_validator(env={ENV_VAR: str(tmp_path)}, defaults=nowhere)
