"""Fixtures for the inventory tests: users of each role, a small catalog built
through the services, and real picture files made with Pillow."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from kiosk.app_factory import Services
from kiosk.core.units import SaleMode, Uom
from kiosk.demo import demo_ean13
from kiosk.services.users import Role, UserInfo
from tests.conftest import CASHIER_PIN, MANAGER_PIN
from tests.inventory.helpers import draft


@pytest.fixture
def manager(app: Services) -> UserInfo:
    return app.users.create_user("Marta", Role.MANAGER, MANAGER_PIN)


@pytest.fixture
def cashier(app: Services) -> UserInfo:
    return app.users.create_user("Carlos", Role.CASHIER, CASHIER_PIN)


@pytest.fixture
def shop(app: Services, admin: UserInfo) -> dict[str, int]:
    """A few products of each sale mode, with stock through the ledger. Returns sku -> id."""
    inv = app.inventory
    goods = inv.create_category("Limpieza", "goods", "#1E88E5", by=admin)
    services = inv.create_category("Servicios", "services", "#F4511E", by=admin)
    ids = {}
    for d, stock in [
        (draft(sku="DET", name="Detergente líquido lavanda", brand="Brillo", category_id=goods, price=320,
               cost=160, low_stock=20_000, barcodes=[demo_ean13(901)]), 80_000),
        (draft(sku="CLO", name="Cloro tradicional", brand="Blancor", category_id=goods, uom=Uom.GAL, price=420,
               cost=190, low_stock=10_000), 40_000),
        (draft(sku="POL", name="Detergente en polvo", brand="Brillo", category_id=goods, sale_mode=SaleMode.WEIGHT,
               uom=Uom.KG, price=290, cost=140, low_stock=30_000), 18_000),
        (draft(sku="ESP", name="Esponja doble uso", brand="Limpix", category_id=goods, sale_mode=SaleMode.UNIT,
               uom=Uom.UNIT, price=60, cost=25, tax_rate_bp=1900, low_stock=30, barcodes=[demo_ean13(902)]), 150),
        (draft(sku="SRV", name="Entrega a domicilio", brand="", category_id=services, sale_mode=SaleMode.SERVICE,
               uom=Uom.UNIT, price=200, cost=0), 0),
    ]:
        ids[d.sku] = inv.create_product(d, initial_stock=stock, user_id=admin.id)
    return ids


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    """A real 640x480 JPEG with a distinct left half, as a phone would save it."""
    img = Image.new("RGB", (640, 480), (20, 120, 200))
    img.paste((250, 200, 0), (0, 0, 320, 480))
    path = tmp_path / "stick" / "jabon.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, quality=90)
    return path
