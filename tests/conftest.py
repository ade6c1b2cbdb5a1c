"""Fixtures shared by every test folder: settings on a temporary state directory and
a fully built application (migrated real SQLite file, its till open: a session
with a float of 0), optionally with the demo shop."""

from __future__ import annotations

import shutil
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


# The admin's PIN in the UI tests: the first start's default (000000) must be replaced
# before anything else, so the demo template's admin has replaced it with this one.
ADMIN_PIN = "246813"
MANAGER_PIN = "271828"
CASHIER_PIN = "314159"


def make_settings(state_dir: Path, **overrides: dict) -> Settings:
    """Settings on ``state_dir``. Tests that are not about the shop day sell as the demo
    shop does: a sale with no open till session opens one itself ([till]
    without_session = "open"; the product's default is "refuse"). The ``app`` fixture's
    till is opened explicitly (``open_till``); tests of the shop day pass
    ``till={"without_session": "refuse"}``."""
    sections = {"printer": {"url": f"file://{state_dir / 'printer.bin'}"}, "till": {"without_session": "open",
                                                                                   "report_on_close": False}}
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


@pytest.fixture(scope="session")
def base_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the first start's admin (default PIN) and its PIN
    look-up key, made once: hashing a PIN costs scrypt's full price (0.4 s)."""
    state = tmp_path_factory.mktemp("base-state")
    app = build(make_settings(state))
    open_till(app)
    app.close()
    return state


def open_till(app: Services, amount: int = 0) -> None:
    """Abrir caja by kiosk-admin, unless the till is open: selling needs an open
    session ([till] without_session = "refuse")."""
    from kiosk.services.access import TECHNICIAN

    if app.sessions.current() is None:
        app.sessions.open(TECHNICIAN, amount=amount)


def database_at(path: Path, revision: str):  # noqa: ANN201
    """A database migrated only up to ``revision`` (what an older kiosk left behind)."""
    from alembic import command

    from db.engine import Database
    from db.migrate import alembic_config

    db = Database(path)
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return db


def seed_state(base: Path, state_dir: Path) -> None:
    """Copy a prepared database and its PIN look-up key into an empty state folder."""
    from kiosk.services.users import LOOKUP_KEY_FILE

    if (state_dir / "kiosk.db").exists():
        return
    for name in ("kiosk.db", LOOKUP_KEY_FILE):
        shutil.copy2(base / name, state_dir / name)


@pytest.fixture
def app(settings: Settings, base_state: Path) -> Iterator[Services]:
    seed_state(base_state, settings.state_dir)
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
