"""Service calls the staff screens needed beyond the editor's: a manager PIN typed
to authorise one change, and the categories list with hidden ones."""

from __future__ import annotations

import pytest

from kiosk.app_factory import Services
from kiosk.core.errors import NotPermitted
from kiosk.core.permissions import Act
from kiosk.core.staff_errors import AuthorisationRefused
from kiosk.services.users import Role, UserInfo
from tests.conftest import CASHIER_PIN, MANAGER_PIN


def test_a_manager_or_admin_pin_authorises_a_catalog_change_once(app: Services, manager: UserInfo,
                                                                   cashier: UserInfo) -> None:
    grant = app.users.authorize(MANAGER_PIN, Act.EDIT_CATALOG, cashier)
    assert grant.authoriser == manager and grant.act is Act.EDIT_CATALOG
    assert app.users.authorize("000000", Act.EDIT_CATALOG, cashier).authoriser.role is Role.ADMIN
    with pytest.raises(AuthorisationRefused) as err:
        app.users.authorize(CASHIER_PIN, Act.EDIT_CATALOG, cashier)
    assert str(err.value) == "PIN no aceptado: «Editar el catálogo» requiere el PIN de un encargado o administrador."
    with pytest.raises(AuthorisationRefused):
        app.users.authorize("999999", Act.EDIT_CATALOG, cashier)
    extra = app.inventory.create_category("Envases", by=cashier.with_grant(grant))
    with pytest.raises(NotPermitted):  # once
        app.inventory.set_category_active(extra, False, cashier.with_grant(grant))
    events = [(r.act, r.user, r.authorised_by) for r in app.audit.entries()]
    assert ("authorised", "Carlos", "Marta") in events and ("authorisation_refused", "Carlos", "") in events


def test_categories_list_hidden_ones_last_with_counts(app: Services, manager: UserInfo, shop: dict) -> None:
    inv = app.inventory
    extra = inv.create_category("Envases", by=manager)
    inv.set_category_active(extra, False, manager)
    rows = inv.categories()
    assert [(r.name, r.kind, r.active, r.products) for r in rows] == [
        ("Limpieza", "goods", True, 4), ("Servicios", "services", True, 1), ("Envases", "goods", False, 0)]
    assert [r.name for r in inv.categories(include_inactive=False)] == ["Limpieza", "Servicios"]
