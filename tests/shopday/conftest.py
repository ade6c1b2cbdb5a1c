"""The shop day's tests run with the product's default: selling needs an open till
session ([till] without_session = "refuse")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.app_factory import Services, build
from kiosk.demo import load_demo
from tests.conftest import CASHIER_PIN, MANAGER_PIN, make_settings

DAY = {"till": {"without_session": "refuse", "note_over": "5"}}


@pytest.fixture(scope="session")
def day_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the demo shop, a cashier and a manager, no open session."""
    state = tmp_path_factory.mktemp("day-base")
    app = build(make_settings(state, **DAY))
    load_demo(app.db, app.state_dir, app.settings.currency.decimals)
    app.users.create_user("Carla", "cashier", CASHIER_PIN)
    app.users.create_user("Mario", "manager", MANAGER_PIN)
    app.close()
    return state


@pytest.fixture
def day(day_base: Path, state_dir: Path) -> Iterator[Services]:
    from tests.conftest import seed_state

    seed_state(day_base, state_dir)
    app = build(make_settings(state_dir, **DAY))
    yield app
    app.close()


@pytest.fixture
def cashier(day: Services):  # noqa: ANN201
    return day.users.get(name="Carla")


@pytest.fixture
def manager(day: Services):  # noqa: ANN201
    return day.users.get(name="Mario")


@pytest.fixture
def boss(day: Services):  # noqa: ANN201
    return next(u for u in day.users.users() if u.role.value == "admin")
