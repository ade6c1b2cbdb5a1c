"""Fixtures for the fiscal-profile tests: a migrated serviteca with the profile on,
its catalog, users of each role and DIAN numbering resolutions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.app_factory import Services, build
from kiosk.services.users import Role, UserInfo
from tests.fiscal_shop.shop import add_resolutions, fiscal_settings, load_serviteca


@pytest.fixture
def co_app(state_dir) -> Iterator[Services]:  # noqa: ANN001
    app = build(fiscal_settings(state_dir))
    yield app
    app.close()


@pytest.fixture
def boss(co_app: Services) -> UserInfo:
    return co_app.users.authenticate(co_app.settings.security.default_admin_pin)


@pytest.fixture
def cashier(co_app: Services) -> UserInfo:
    return co_app.users.create_user("Camila", Role.CASHIER, "3333")


@pytest.fixture
def manager(co_app: Services) -> UserInfo:
    return co_app.users.create_user("Mateo", Role.MANAGER, "2222")


@pytest.fixture
def serviteca(co_app: Services, boss: UserInfo) -> dict[str, int]:
    return load_serviteca(co_app, boss)


@pytest.fixture
def ranges(co_app: Services, boss: UserInfo, serviteca: dict[str, int]) -> dict:
    return add_resolutions(co_app, boss)
