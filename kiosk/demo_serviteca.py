"""The second demo shop: a Colombian *serviteca* (car service shop) selling services
by the job or by the hour beside parts with EAN-13 codes, oil by the litre from a
drum and a few other bulk items, in whole pesos (COP), IVA 19 % and a few excluded
items, with the fiscal profile on in DIAN's testing environment. Used by
``kiosk --demo serviteca``, ``kiosk-admin demo-data --shop serviteca`` and the tests.

    overrides = settings_overrides()                 # [currency] [locale] [tax] [shop] [fiscal] ...
    dian = start_demo_dian(state_dir)                # throw-away certificate + fake DIAN on 127.0.0.1
    settings = dian.settings(settings)               # [dian] pointed at them
    services = build(settings)
    load_serviteca(services, state_dir)              # catalog, customers, resolutions, staff
    ...
    services.close(); dian.stop()

Every NIT check digit here is computed with python-stdnum (``nit_dv``), never typed.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from stdnum.co import nit as co_nit

from kiosk.core.barcodes import gtin_check_digit
from kiosk.core.units import SaleMode, Uom
from kiosk.demo import DemoProduct, load_demo, load_demo_staff

log = logging.getLogger(__name__)

SHOPS = ("cleaning", "serviteca")  # kiosk --demo [SHOP], kiosk-admin demo-data --shop SHOP


def nit_dv(number: str) -> str:
    """The NIT's check digit (DIAN's modulus 11), by python-stdnum."""
    return co_nit.calc_check_digit(number)


# --- the shop -------------------------------------------------------------------------------
SELLER_NIT = "901482375"
SOFTWARE_ID = "b8d7c6e5-4f3a-4b2c-9d1e-0f9a8b7c6d5e"
SOFTWARE_PIN = "20261"  # the software's PIN as DIAN would register it (testing only)
# The invoice range's technical key (a made-up one: DIAN gives the real one with the range).
TECHNICAL_KEY = "3f1c9a7e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a"
RESOLUTIONS = {  # kind -> (DIAN resolution number, prefix on this till)
    "pos": ("18764090000001", "SC"),
    "invoice": ("18764090000002", "SF"),
    "credit": ("18764090000003", "SN"),
    "contingency": ("18764090000004", "SX"),
}


def fiscal_profile() -> dict[str, Any]:
    """[fiscal]: the seller, its till and the software, in DIAN's testing environment."""
    return {
        "country": "CO", "nit": SELLER_NIT, "dv": nit_dv(SELLER_NIT), "person": "legal",
        "legal_name": "Serviteca El Cruce S.A.S.", "trade_name": "Serviteca El Cruce",
        "responsibilities": ["O-13", "O-15"], "address": "Calle 80 # 68-45", "city_code": "11001",
        "city_name": "Bogotá, D.C.", "department": "Bogotá", "email": "facturacion@elcruce.example",
        "phone": "6017450080", "till_plate": "CAJA-01", "till_location": "Patio de servicio, Calle 80",
        "software_id": SOFTWARE_ID, "software_pin": SOFTWARE_PIN, "software_provider_nit": SELLER_NIT,
        "software_provider_dv": nit_dv(SELLER_NIT), "software_maker": "Equipo Kiosk",
        "software_maker_company": "Kiosk POS S.A.S.", "zero_rate": "excluded",
    }


def settings_overrides() -> dict[str, dict]:
    """The configuration sections of the serviteca demo (whatever kiosk.toml says)."""
    return {
        "currency": {"code": "COP", "decimals": 0, "symbol": "$"},
        "locale": {"formats": "es_CO", "timezone": "America/Bogota"},
        "tax": {"rates": [0, 19], "default_rate": 19},
        "shop": {"name": "Serviteca El Cruce", "tax_id": f"{SELLER_NIT}-{nit_dv(SELLER_NIT)}",
                 "address": "Calle 80 # 68-45, Bogotá", "phone": "601 745 0080"},
        "fiscal": fiscal_profile(),
        "dian": {"environment": 2},
    }


# name, kind, colour
CATEGORIES = [
    ("Servicios de taller", "services", "#F4511E"),
    ("Lavado", "services", "#039BE5"),
    ("Lubricantes", "goods", "#6D4C41"),
    ("Filtros", "goods", "#546E7A"),
    ("Llantas", "goods", "#37474F"),
    ("Baterías", "goods", "#FDD835"),
    ("Plumillas y luces", "goods", "#8E24AA"),
    ("Accesorios", "goods", "#43A047"),
]

V, W, U, S = SaleMode.VOLUME, SaleMode.WEIGHT, SaleMode.UNIT, SaleMode.SERVICE
P = DemoProduct
# Prices in whole pesos, tax included; IVA 19 % unless 0 (excluded).
PRODUCTS: list[DemoProduct] = [
    # Services: by the job, or by the hour (quantity = hours)
    P("SRV-ACE", "Cambio de aceite (mano de obra)", "", "Servicios de taller", S, Uom.UNIT, "25000", "0", "0", "0", 19),
    P("SRV-ALB", "Alineación y balanceo", "", "Servicios de taller", S, Uom.UNIT, "80000", "0", "0", "0", 19),
    P("SRV-MON", "Montaje de llanta (por llanta)", "", "Servicios de taller", S, Uom.UNIT, "12000", "0", "0", "0", 19),
    P("SRV-ROT", "Rotación de llantas", "", "Servicios de taller", S, Uom.UNIT, "20000", "0", "0", "0", 19),
    P("SRV-DES", "Despinche", "", "Servicios de taller", S, Uom.UNIT, "15000", "0", "0", "0", 19),
    P("SRV-DIA", "Diagnóstico con escáner (hora)", "", "Servicios de taller", S, Uom.UNIT, "60000", "0", "0", "0", 19),
    P("SRV-MOB", "Mano de obra mecánica (hora)", "", "Servicios de taller", S, Uom.UNIT, "55000", "0", "0", "0", 19),
    P("SRV-LAV", "Lavado general", "", "Lavado", S, Uom.UNIT, "35000", "0", "0", "0", 19),
    P("SRV-LMO", "Lavado de motor", "", "Lavado", S, Uom.UNIT, "45000", "0", "0", "0", 19),
    P("SRV-TAP", "Lavado de tapicería (hora)", "", "Lavado", S, Uom.UNIT, "40000", "0", "0", "0", 19),
    # Bulk: oil by the litre from the drum, coolant, washer fluid, grease by weight
    P("ACE-2050", "Aceite 20W-50 a granel (caneca)", "Motrex", "Lubricantes", V, Uom.L, "26000", "15500", "208", "40", 19),
    P("ACE-5W30", "Aceite sintético 5W-30 a granel", "Motrex", "Lubricantes", V, Uom.L, "42000", "27000", "208", "40", 19),
    P("VAL-8090", "Valvulina 80W-90 a granel", "Motrex", "Lubricantes", V, Uom.L, "30000", "18000", "55", "10", 19),
    P("REF-GRA", "Refrigerante verde a granel", "Fríocar", "Lubricantes", V, Uom.L, "12000", "6000", "60", "15", 19),
    P("LIM-PAR", "Líquido limpiaparabrisas", "Clarovía", "Accesorios", V, Uom.L, "6000", "2500", "40", "10", 19),
    P("GRA-LIT", "Grasa de litio multipropósito", "Motrex", "Lubricantes", W, Uom.KG, "38000", "21000", "18", "4", 19),
    # Parts and consumables with EAN-13 codes
    P("ACE-QT", "Aceite 20W-50 cuarto (946 ml)", "Motrex", "Lubricantes", U, Uom.UNIT, "29000", "17000", "48", "12", 19),
    P("ACE-GAL", "Aceite sintético 5W-30 galón", "Motrex", "Lubricantes", U, Uom.UNIT, "150000", "98000", "12", "4", 19),
    P("FRE-DOT4", "Líquido de frenos DOT 4 (500 ml)", "Frenax", "Lubricantes", U, Uom.UNIT, "24000", "13000", "20", "5", 19),
    P("FIL-AC1", "Filtro de aceite FA-1021", "Filtrec", "Filtros", U, Uom.UNIT, "22000", "11000", "30", "8", 19),
    P("FIL-AC2", "Filtro de aceite FA-2040", "Filtrec", "Filtros", U, Uom.UNIT, "26000", "13000", "24", "8", 19),
    P("FIL-AIR", "Filtro de aire FR-330", "Filtrec", "Filtros", U, Uom.UNIT, "38000", "19000", "15", "5", 19),
    P("FIL-COM", "Filtro de combustible FC-12", "Filtrec", "Filtros", U, Uom.UNIT, "32000", "16000", "4", "5", 19),
    P("FIL-CAB", "Filtro de cabina FH-77", "Filtrec", "Filtros", U, Uom.UNIT, "45000", "22000", "10", "4", 19),
    P("LLA-13", "Llanta 175/70 R13", "Rodavía", "Llantas", U, Uom.UNIT, "215000", "150000", "16", "4", 19),
    P("LLA-14", "Llanta 185/65 R14", "Rodavía", "Llantas", U, Uom.UNIT, "265000", "185000", "16", "4", 19),
    P("LLA-15", "Llanta 195/55 R15", "Rodavía", "Llantas", U, Uom.UNIT, "320000", "225000", "12", "4", 19),
    P("LLA-16", "Llanta 205/55 R16", "Rodavía", "Llantas", U, Uom.UNIT, "395000", "280000", "3", "4", 19),
    P("BAT-45", "Batería 12 V 45 Ah", "Voltaplus", "Baterías", U, Uom.UNIT, "390000", "270000", "6", "2", 19),
    P("BAT-60", "Batería 12 V 60 Ah", "Voltaplus", "Baterías", U, Uom.UNIT, "480000", "335000", "5", "2", 19),
    P("PLU-16", "Plumilla 16 pulgadas", "Clarovía", "Plumillas y luces", U, Uom.UNIT, "18000", "8000", "20", "6", 19),
    P("PLU-18", "Plumilla 18 pulgadas", "Clarovía", "Plumillas y luces", U, Uom.UNIT, "19000", "8500", "20", "6", 19),
    P("PLU-20", "Plumilla 20 pulgadas", "Clarovía", "Plumillas y luces", U, Uom.UNIT, "21000", "9500", "18", "6", 19),
    P("PLU-22", "Plumilla 22 pulgadas", "Clarovía", "Plumillas y luces", U, Uom.UNIT, "23000", "10500", "5", "6", 19),
    P("BOM-H4", "Bombillo H4 12 V", "Lumicar", "Plumillas y luces", U, Uom.UNIT, "16000", "7000", "25", "8", 19),
    P("AMB-PIN", "Ambientador de pino", "Aroma", "Accesorios", U, Uom.UNIT, "8000", "3000", "40", "10", 19),
    # Excluded from IVA (0 %)
    P("AGU-600", "Agua potable 600 ml", "Manantial", "Accesorios", U, Uom.UNIT, "2500", "1000", "48", "12", 0),
    P("NEU-BIC", "Neumático de bicicleta 26 pulgadas", "Rodavía", "Llantas", U, Uom.UNIT, "35000", "20000", "10", "3", 0),
    P("NEU-TUB", "Neumático de bicicleta rin 26 (tubo)", "Rodavía", "Llantas", U, Uom.UNIT, "15000", "8000", "12", "4", 0),
]


def serviteca_ean13(index: int) -> str:
    """A valid EAN-13 with Colombia's GS1 prefix (770) and a made-up company number."""
    body = f"770861{index:06d}"
    return body + str(gtin_check_digit(body))


def serviteca_barcodes() -> dict[str, list[str]]:
    """SKU -> barcodes: every good carries an EAN-13 (the drum's oils on their shelf
    label, to open the calculator); services have none."""
    return {p.sku: [serviteca_ean13(i)] for i, p in enumerate(PRODUCTS, start=1) if p.mode is not SaleMode.SERVICE}


# --- customers ------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoCustomer:
    id_type: str  # "31" NIT, "13" cédula de ciudadanía
    number: str
    name: str
    email: str = ""
    person: str = ""
    responsibilities: tuple[str, ...] = ("R-99-PN",)
    fleet: bool = False


CUSTOMERS = (
    DemoCustomer("31", "860069804", "Transportes Andinos S.A.", "compras@andinos.example", "legal", ("O-13",), True),
    DemoCustomer("31", "900547312", "Logística del Valle S.A.S.", "facturas@logvalle.example", "legal", ("O-15",), True),
    DemoCustomer("31", "830118765", "Taxis Unidos de Bogotá Ltda.", "", "legal", ("R-99-PN",), True),
    DemoCustomer("31", "901230987", "Mensajería Rápida S.A.S.", "pagos@mensajeriarapida.example", "legal",
                 ("O-47",), True),
    DemoCustomer("31", "1020304050", "Luisa Fernanda Ríos", "luisa.rios@correo.example", "natural"),
    DemoCustomer("13", "52123456", "Ana María Gómez", "ana@correo.example", "natural"),
    DemoCustomer("13", "79876543", "Carlos Andrés Pérez", "", "natural"),
)


def load_customers(customers, by) -> int:  # noqa: ANN001 - CustomerService, UserInfo
    """The fleet companies and persons, unless a customer with that number exists."""
    from kiosk.core.customers import CustomerDraft
    from kiosk.core.fiscal import IdType

    added = 0
    for c in CUSTOMERS:
        if customers.by_identification(c.id_type, c.number) is not None:
            continue
        dv = nit_dv(c.number) if c.id_type == "31" else ""
        customers.add(CustomerDraft(IdType(c.id_type), c.number, c.name, dv=dv, person=c.person, email=c.email,
                                    responsibilities=c.responsibilities), by)
        added += 1
    return added


# --- numbering ------------------------------------------------------------------------------
def load_resolutions(numbering, by, *, history_days: int = 0, today: date | None = None) -> int:  # noqa: ANN001
    """This till's DIAN resolutions (POS documents, invoices, notes, contingency), each
    with the till's prefix, valid from before the first day of history for two years;
    none is added when the till has resolutions already."""
    from kiosk.core.numbering import NumberingKind, ResolutionDraft

    if numbering.resolutions():
        return 0
    today = today or numbering.today()
    start = today - timedelta(days=history_days + 30)
    till = numbering.till_id
    for kind_name, (resolution, prefix) in RESOLUTIONS.items():
        kind = NumberingKind(kind_name)
        numbering.add(ResolutionDraft(
            kind=kind, resolution=resolution, resolution_date=start, prefix=f"{prefix}{till}", range_from=1,
            range_to=1_000_000, valid_from=start, valid_to=start + timedelta(days=730),
            technical_key=TECHNICAL_KEY if kind is NumberingKind.INVOICE else ""), by)
    return len(RESOLUTIONS)


def load_serviteca(app, state_dir: Path, *, history_days: int = 0) -> int:  # noqa: ANN001 - Services
    """Fill an empty shop with the serviteca: catalog (with pictures), staff,
    customers and numbering resolutions; returns how many products were added (0
    when the catalog already had products: nothing else is touched then)."""
    from kiosk.services.users import Role

    added = load_demo(app.db, state_dir, app.settings.currency.decimals, categories=CATEGORIES, products=PRODUCTS,
                      barcodes=serviteca_barcodes())
    if not added:
        return 0
    load_demo_staff(app.users)
    # the first start's administrator adds them (the audit rows and resolutions name a user)
    admin = next(u for u in app.users.users() if u.role is Role.ADMIN)
    load_customers(app.customers, admin)
    load_resolutions(app.numbering, admin, history_days=history_days)
    return added


# --- DIAN: a throw-away certificate and the fake service --------------------------------------
@dataclass
class DemoDian:
    """The demo's DIAN: a certificate made at start (PKCS#12 under the state
    directory, its password beside it, both readable by the user only) and the fake
    DIAN web service on 127.0.0.1, stopped with the demo."""

    fake: Any  # kiosk.fiscal.fake_dian.FakeDian
    identity: Any  # kiosk.fiscal.certificate.SigningIdentity
    certificate: Path
    password_file: Path
    stopped: bool = field(default=False)

    @property
    def url(self) -> str:
        return self.fake.url

    def settings(self, settings: Any) -> Any:
        """``settings`` with [dian] pointed at the fake service and the certificate;
        quick retries (a demo shows contingency in seconds, not minutes)."""
        dian = settings.dian.model_copy(update={
            "url": self.fake.url, "certificate": self.certificate, "certificate_password_file": self.password_file,
            "retry_first_s": 5.0, "retry_max_s": 60.0, "timeout_s": 10.0})
        return settings.model_copy(update={"dian": dian})

    def outbox(self, app, clock=None):  # noqa: ANN001, ANN201 - a DianOutbox sending to the fake
        from kiosk.fiscal.transport import SoapTransport
        from kiosk.services.dian_outbox import DianOutbox

        kwargs = {"clock": clock} if clock is not None else {}
        return DianOutbox(app.db, app.fiscal, app.settings.dian, identity_loader=lambda now: self.identity,
                          transport_factory=lambda ident: SoapTransport(self.fake.url, ident, timeout_s=10),
                          **kwargs)

    @property
    def url_file(self) -> Path:
        """Where the running service's address is written (for a technician trying
        ``kiosk-admin dian`` commands against it); removed when it stops."""
        return self.certificate.parent / "service-url"

    def stop(self) -> None:
        if not self.stopped:
            self.fake.stop()
            self.url_file.unlink(missing_ok=True)
            self.stopped = True


def start_demo_dian(state_dir: Path) -> DemoDian:
    """A fresh throw-away certificate and the fake DIAN service on 127.0.0.1 (any free
    port), knowing the demo's software PIN and the invoice range's technical key.
    Raises SchemaUnavailable when the UBL 2.1 schemas cannot be found."""
    from kiosk.fiscal.demo_certificate import throwaway_identity, write_pkcs12
    from kiosk.fiscal.fake_dian import FakeDian
    from kiosk.fiscal.schemas import UblValidator

    validator = UblValidator.find()
    identity = throwaway_identity(fiscal_profile()["legal_name"])
    folder = state_dir / "demo-dian"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    p12, password = folder / "firma.p12", folder / "firma.pass"
    write_pkcs12(identity, p12, password, secrets.token_urlsafe(12))
    for path in (p12, password):
        os.chmod(path, 0o600)
    fake = FakeDian(software_pin=SOFTWARE_PIN, technical_keys={RESOLUTIONS["invoice"][0]: TECHNICAL_KEY},
                    validator=validator, trusted_certificates=[identity.certificate]).start()
    log.info("fake DIAN service for the serviteca demo on %s", fake.url)
    dian = DemoDian(fake, identity, p12, password)
    dian.url_file.write_text(fake.url + "\n", encoding="utf-8")
    return dian
