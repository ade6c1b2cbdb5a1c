"""Service calls the staff screens needed beyond the editor's: a manager PIN typed
to reach them, and the categories list with hidden ones."""

from __future__ import annotations

import pytest

from kiosk.app_factory import Services
from kiosk.core.errors import NotPermitted, WrongPin
from kiosk.services.users import Role, UserInfo


def test_authorize_lets_managers_and_admins_in(app: Services, manager: UserInfo, cashier: UserInfo) -> None:
    assert app.users.authorize("2222", Role.MANAGER) == manager
    assert app.users.authorize("000000", Role.MANAGER).role is Role.ADMIN
    with pytest.raises(NotPermitted) as err:
        app.users.authorize("3333", Role.MANAGER)
    assert str(err.value) == "Se necesita el PIN de un encargado."
    with pytest.raises(WrongPin):
        app.users.authorize("9999", Role.MANAGER)
    events = [(e[1], e[2]) for e in app.users.events(10)]
    assert ("staff_denied", "Carlos") in events and ("staff_access", "Marta") in events
    assert ("pin_failed", None) in events


def test_categories_list_hidden_ones_last_with_counts(app: Services, manager: UserInfo, shop: dict) -> None:
    inv = app.inventory
    extra = inv.create_category("Envases", by=manager)
    inv.set_category_active(extra, False, manager)
    rows = inv.categories()
    assert [(r.name, r.kind, r.active, r.products) for r in rows] == [
        ("Limpieza", "goods", True, 4), ("Servicios", "services", True, 1), ("Envases", "goods", False, 0)]
    assert [r.name for r in inv.categories(include_inactive=False)] == ["Limpieza", "Servicios"]
