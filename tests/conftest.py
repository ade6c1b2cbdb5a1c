"""Fixtures shared by every test folder: settings on a temporary state directory and
a fully built application (migrated real SQLite file, its till open: a session
with a float of 0), optionally with the demo shop."""

from __future__ import annotations

import functools
import re
import shutil
from collections.abc import Callable, Iterator
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


# --- how `make test` shares the tests between its workers (pytest-xdist) ----------------------
# `--dist loadfile` kept a file's tests on one worker and sent the files with the most
# tests first: the few long files (a minute or more of UI or installer tests) came last,
# and one worker ran them alone while the other sat idle. Now long folders come first
# and every test goes on its own to whichever worker is free, except the tests of a
# module that share a module-scoped fixture (an installed staging root, a shop built
# once): they stay together on one worker, so that fixture is made once (such modules
# are sent first, then the single tests in the collection's order).
# (pytest-xdist's own `--dist loadgroup` cannot group by xdist_group marks under
# pytest 9.2: it renames the item's old `_nodeid` attribute, which pytest no longer reads.)
LONG_FIRST = ("tests/ui/", "tests/e2e/", "tests/sync/", "tests/bench/", "tests/serviteca/", "tests/shopday/",
              "tests/fiscal_shop/", "tests/customer_screen/", "tests/inventory/", "tests/db/")
MODULE_FIXTURE = re.compile(r"""scope\s*=\s*["']module["']""")


def _run_order(item: pytest.Item) -> int:
    path = item.path.relative_to(item.config.rootpath).as_posix()
    return next((i for i, top in enumerate(LONG_FIRST) if path.startswith(top)), len(LONG_FIRST))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_run_order)  # stable: a file's tests keep their order and stay together


@functools.cache
def _shares_module_fixture(root: Path, file: str) -> bool:
    """Whether a test file (or a conftest.py above it) declares a module-scoped fixture."""
    path = root / file
    candidates = [path] + [d / "conftest.py" for d in path.parents if d.is_relative_to(root)]
    return any(p.is_file() and MODULE_FIXTURE.search(p.read_text(encoding="utf-8")) for p in candidates)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):  # noqa: ANN001, ANN201
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class TestOrModule(LoadGroupScheduling):
        """One test per unit of work; one module per unit when it shares a module fixture."""

        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            return file if _shares_module_fixture(config.rootpath, file) else nodeid

    return TestOrModule(config, log)


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


@pytest.fixture(scope="session")
def demo_states(base_state: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], Path]:
    """``base_state`` with the demo shop (its database rows and product pictures), made
    once per number of currency decimals: loading it cost a second or more per test."""
    made: dict[int, Path] = {}

    def state_for(decimals: int) -> Path:
        if decimals not in made:
            state = tmp_path_factory.mktemp(f"demo-state-{decimals}")
            seed_state(base_state, state)
            services = build(make_settings(state))
            load_demo(services.db, state, decimals)
            services.close()
            made[decimals] = state
        return made[decimals]

    return state_for


@pytest.fixture
def app(request: pytest.FixtureRequest, settings: Settings, base_state: Path) -> Iterator[Services]:
    if "demo_app" in request.fixturenames and not (settings.state_dir / "kiosk.db").exists():
        template = request.getfixturevalue("demo_states")(settings.currency.decimals)
        shutil.copytree(template, settings.state_dir, dirs_exist_ok=True)
    seed_state(base_state, settings.state_dir)
    services = build(settings)
    yield services
    services.close()


@pytest.fixture
def demo_app(app: Services) -> Services:
    """``app`` with the demo shop: copied in from ``demo_states`` before it was built
    (load_demo adds nothing to a catalog that has products)."""
    load_demo(app.db, app.state_dir, app.settings.currency.decimals)
    return app


@pytest.fixture
def admin(app: Services):  # noqa: ANN201
    return app.users.authenticate(app.settings.security.default_admin_pin)
