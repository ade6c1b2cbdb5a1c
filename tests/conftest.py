"""Fixtures shared by every test folder: settings on a temporary state directory and
a fully built application (migrated real SQLite file), optionally with the demo shop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from kiosk import formatting, i18n
from kiosk.app_factory import Services, build
from kiosk.config import Settings, load_settings
from kiosk.demo import load_demo

# Property tests judge results, never speed: on a shared 2-core machine at load 20 an
# example may take seconds, and hypothesis' deadline and "too slow" checks would fail
# a correct test.
settings.register_profile("kiosk", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("kiosk")


def make_settings(state_dir: Path, **overrides: dict) -> Settings:
    sections = {"printer": {"url": f"file://{state_dir / 'printer.bin'}"}}
    for section, values in overrides.items():
        sections.setdefault(section, {}).update(values)
    return load_settings(env={"STATE_DIRECTORY": str(state_dir), "HOME": str(state_dir)},
                         overrides=sections)


def _reset_process_state() -> None:
    """What the application keeps process-wide: language, Babel locale, money format,
    the shop's time zone and gpiozero's default pin factory."""
    from gpiozero import Device

    i18n.configure(language="es", locale="es", money=i18n.MoneyFormat())
    formatting.set_timezone("")
    if Device.pin_factory is not None:
        Device.pin_factory.close()
        Device.pin_factory = None


@pytest.fixture(autouse=True)
def _fresh_process_state() -> Iterator[None]:
    """Every test starts in Spanish with default formats, the system time zone and no
    GPIO factory, and leaves things that way, so tests pass in any order."""
    _reset_process_state()
    yield
    _reset_process_state()


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    d = tmp_path / "state"
    d.mkdir()
    return d


@pytest.fixture
def settings(state_dir: Path) -> Settings:
    return make_settings(state_dir)


@pytest.fixture
def app(settings: Settings) -> Iterator[Services]:
    services = build(settings)
    yield services
    services.close()


@pytest.fixture
def demo_app(app: Services) -> Services:
    load_demo(app.db, app.state_dir, app.settings.currency.decimals)
    return app


@pytest.fixture
def admin(app: Services):  # noqa: ANN201
    return app.users.authenticate(app.settings.security.default_admin_pin)
