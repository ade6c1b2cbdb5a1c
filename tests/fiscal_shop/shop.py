"""A Colombian serviteca for the fiscal tests (and their SIGKILL worker and UI tests):
settings with the fiscal profile on, a small catalog in whole pesos through the
inventory service, numbering resolutions through the numbering service, and a sale
through the till as the checkout makes it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from kiosk.app_factory import Services
from kiosk.config import Settings
from kiosk.core.cart import Cart
from kiosk.core.customers import CustomerDraft
from kiosk.core.fiscal import IdType
from kiosk.core.numbering import NumberingKind, ResolutionDraft
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.units import SaleMode, Uom
from kiosk.services.fiscal_documents import FiscalRequest
from kiosk.services.inventory import ProductDraft
from kiosk.services.sales import SaleResult
from kiosk.services.users import UserInfo
from tests.conftest import make_settings, open_till

SOFTWARE_PIN = "75315"
TECHNICAL_KEY = "fc8eac422eba16e22ffd8c6f94b3f40a6e38162c"

FISCAL = {
    "country": "CO", "nit": "900373076", "dv": "4", "person": "legal", "legal_name": "Serviteca Andina S.A.S.",
    "trade_name": "Serviteca Andina", "responsibilities": ["O-13"], "address": "Carrera 7 # 71-21",
    "city_code": "11001", "city_name": "Bogotá, D.C.", "department": "Bogotá", "email": "caja@andina.example",
    "phone": "6015550100", "till_plate": "CAJA-01", "till_location": "Local 1, Bogotá",
    "software_id": "5c6f7e8d-1a2b-4c3d-9e8f-0a1b2c3d4e5f", "software_pin": SOFTWARE_PIN,
    "software_maker": "Equipo Kiosk", "software_maker_company": "Kiosk POS S.A.S.",
}


def fiscal_overrides(**fiscal: object) -> dict[str, dict]:
    """The configuration sections of the serviteca (for make_settings / make_ui)."""
    return {"currency": {"code": "COP", "decimals": 0, "symbol": "$"},
            "locale": {"formats": "es_CO", "timezone": "America/Bogota"},
            "tax": {"rates": [0, 5, 8, 19], "default_rate": 19},
            "shop": {"name": "Serviteca Andina", "tax_id": "900373076-4"}, "fiscal": {**FISCAL, **fiscal}}


def fiscal_settings(state_dir: Path, **fiscal: object) -> Settings:
    return make_settings(state_dir, **fiscal_overrides(**fiscal))


# sku, name, category, mode, uom, price per uom (pesos), tax %, barcode
CATALOG = [
    ("DET-LAV", "Detergente líquido lavanda", "Detergentes", SaleMode.VOLUME, Uom.L, 18_900, 19, ""),
    ("JAB-KG", "Jabón en polvo", "Detergentes", SaleMode.WEIGHT, Uom.KG, 9_800, 19, ""),
    ("CERA", "Cera para autos 250 ml", "Autos", SaleMode.UNIT, Uom.UNIT, 24_500, 19, "7702010123450"),
    ("CAFE", "Café tinto", "Cafetería", SaleMode.UNIT, Uom.UNIT, 2_500, 8, ""),
    ("AGUA", "Agua potable", "Cafetería", SaleMode.UNIT, Uom.UNIT, 1_800, 0, ""),
    ("LAV-MOT", "Lavado de motor", "Servicios", SaleMode.SERVICE, Uom.UNIT, 35_000, 19, ""),
]


def load_serviteca(app: Services, admin: UserInfo) -> dict[str, int]:
    """The catalog (sku -> product id), with stock through the ledger."""
    categories: dict[str, int] = {}
    ids = {}
    for sku, name, category, mode, uom, price, rate, code in CATALOG:
        if category not in categories:
            kind = "services" if mode is SaleMode.SERVICE else "goods"
            categories[category] = app.inventory.create_category(category, kind, by=admin)
        d = ProductDraft(sku=sku, name=name, sale_mode=mode, uom=uom, price=price, cost=price // 2,
                         tax_rate_bp=rate * 100, category_id=categories[category], barcodes=[code] if code else [])
        stock = 0 if mode is SaleMode.SERVICE else (200_000 if uom in (Uom.L, Uom.KG) else 500)
        ids[sku] = app.inventory.create_product(d, initial_stock=stock, user_id=admin.id)
    return ids


def add_resolutions(app: Services, admin: UserInfo, *, today: date | None = None, size: int = 5_000_000,
                    kinds: Sequence[NumberingKind] = (NumberingKind.POS, NumberingKind.INVOICE,
                                                      NumberingKind.CREDIT)) -> dict[NumberingKind, int]:
    """One resolution per kind, valid from a month ago for two years: kind -> id."""
    today = today or app.numbering.today()
    prefixes = {NumberingKind.POS: "CJ1", NumberingKind.INVOICE: "FE1", NumberingKind.CREDIT: "NC1",
                NumberingKind.CONTINGENCY: "CT1"}
    out = {}
    for i, kind in enumerate(kinds):
        start = today - timedelta(days=30)
        r = app.numbering.add(ResolutionDraft(
            kind=kind, resolution=f"1876400000001{i}", resolution_date=start, prefix=prefixes[kind], range_from=1,
            range_to=size, valid_from=start, valid_to=start + timedelta(days=730),
            technical_key=TECHNICAL_KEY if kind is NumberingKind.INVOICE else ""), admin)
        out[kind] = r.id
    return out


def fleet_customer(app: Services, admin: UserInfo):  # noqa: ANN201 - CustomerInfo
    return app.customers.add(CustomerDraft(id_type=IdType.NIT, id_number="860069804", name="Transportes Andinos S.A.",
                                           email="compras@andinos.example", person="legal",
                                           responsibilities=("O-13",)), admin)


def sell(app: Services, user: UserInfo, items: Sequence[tuple[str, int]], *, request: FiscalRequest | None = None,
         method: PaymentMethod = PaymentMethod.CASH) -> SaleResult:
    """Ring up ``(sku, quantity in base units)`` and pay it all with ``method`` (the till
    opened first when it is closed)."""
    open_till(app)
    cart = Cart()
    for sku, quantity in items:
        cart.add(app.catalog.by_sku(sku), quantity)
    return app.till.complete_sale(cart, [Tender(method, cart.total)], user, fiscal=request)
