"""Sample fiscal documents of a demo *serviteca* (cleaning products and services in
Bogotá): for the benchmark, the fake DIAN service's demonstration and the tests.
Amounts are made the way the shop makes them: tax-inclusive shelf prices, the tax
of each line taken out with kiosk.core.tax (shared per rate so lines add up)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from kiosk.core import fiscal as f
from kiosk.core.money import round_half_up
from kiosk.core.tax import line_taxes, tax_included
from kiosk.core.units import Uom, from_base

SOFTWARE_PIN = "75315"
TECHNICAL_KEY = "fc8eac422eba16e22ffd8c6f94b3f40a6e38162c"

ADDRESS = f.Address(city_code="11001", city_name="Bogotá, D.C.", department="Bogotá", department_code="11",
                    line="Carrera 7 # 71-21", postal_zone="110231")

SELLER = f.SellerParty(nit="900373076", dv="4", person=f.PersonKind.LEGAL, legal_name="Serviteca Demo S.A.S.",
                       trade_name="Serviteca Demo", responsibilities=("O-13",), address=ADDRESS,
                       email="facturacion@serviteca.example", phone="6015550100")

SOFTWARE = f.SoftwareData(provider_nit="900373076", provider_dv="4",
                          software_id="5c6f7e8d-1a2b-4c3d-9e8f-0a1b2c3d4e5f", pin=SOFTWARE_PIN,
                          maker_name="Equipo Kiosk", maker_company="Serviteca Demo S.A.S.", software_name="Kiosk POS")

POS_RESOLUTION = f.NumberingResolution(number="18764000000010", issued_on=date(2026, 1, 2), valid_from=date(2026, 1, 2),
                                       valid_to=date(2028, 1, 2), prefix="CJ1", range_from=1, range_to=5_000_000)
INVOICE_RESOLUTION = f.NumberingResolution(number="18764000000011", issued_on=date(2026, 1, 2),
                                           valid_from=date(2026, 1, 2), valid_to=date(2028, 1, 2), prefix="FE1",
                                           range_from=1, range_to=5_000_000, technical_key=TECHNICAL_KEY)

INVOICE_BUYER = f.BuyerParty(id_type=f.IdType.NIT, id_number="860069804", dv="2", name="Transportes Andinos S.A.",
                             person=f.PersonKind.LEGAL, email="compras@andinos.example", responsibilities=("O-13",),
                             address=ADDRESS, tax_scheme="01")

# (code, description, category, shelf price per uom, uom, quantity in base units, tax, rate bp, GTIN)
CATALOG = [
    ("DET-GAL", "Detergente líquido a granel", "Detergentes", 18_900, Uom.L, 1500, f.TaxKind.IVA, 1900, ""),
    ("JAB-KG", "Jabón en polvo a granel", "Detergentes", 9_800, Uom.KG, 750, f.TaxKind.IVA, 1900, ""),
    ("CERA-250", "Cera para autos 250 ml", "Autos", 24_500, Uom.UNIT, 2, f.TaxKind.IVA, 1900, "7702010123453"),
    ("SHAMPOO-ML", "Shampoo para autos", "Autos", 16_000, Uom.ML, 350, f.TaxKind.IVA, 1900, ""),
    ("SAL-G", "Sal para ablandador", "Hogar", 4_200, Uom.G, 1200, f.TaxKind.IVA, 500, ""),
    ("LAV-SRV", "Lavado de motor", "Servicios", 35_000, Uom.UNIT, 1, f.TaxKind.IVA, 1900, ""),
    ("CAFE", "Café tinto", "Cafetería", 2_500, Uom.UNIT, 3, f.TaxKind.INC, 800, ""),
    ("AGUA", "Agua potable", "Cafetería", 1_800, Uom.UNIT, 2, f.TaxKind.EXCLUDED, 0, ""),
    ("LIMP-GAL", "Limpiavidrios", "Autos", 52_000, Uom.GAL, 3785, f.TaxKind.IVA, 1900, ""),
    ("TOALLA", "Toalla de microfibra", "Autos", 12_000, Uom.UNIT, 4, f.TaxKind.IVA, 0, "7702010999992"),
]


def sample_lines(count: int = 10, *, names: list[str] | None = None, discount_first: int = 0) -> tuple[f.FiscalLine, ...]:
    """``count`` lines cycling through the sample catalog; ``names`` replace the
    descriptions (escaping tests); ``discount_first`` takes that much (tax included)
    off the first line as a line discount."""
    rows = [CATALOG[i % len(CATALOG)] for i in range(count)]
    grosses = [round_half_up(from_base(qty, uom) * price) for (_c, _d, _t, price, uom, qty, _k, _r, _g) in rows]
    if discount_first:
        grosses[0] -= discount_first
    rates = [0 if kind is f.TaxKind.EXCLUDED else rate for (*_x, kind, rate, _g) in rows]
    taxes = line_taxes(list(zip(rates, grosses)))
    lines = []
    for i, (row, gross, tax) in enumerate(zip(rows, grosses, taxes)):
        code, desc, category, price, uom, qty, kind, rate, gtin = row
        discount = discount_first - tax_included(discount_first, rate) if i == 0 else 0
        lines.append(f.FiscalLine(position=i + 1, code=f"{code}-{i + 1}" if count > len(CATALOG) else code,
                                  description=names[i % len(names)] if names else desc, category=category,
                                  quantity=qty, uom=uom, unit_price=price, line_extension=gross - tax,
                                  tax_kind=kind, rate_bp=rate, tax_amount=tax, gtin=gtin, discount=discount))
    return tuple(lines)


def sample_document(kind: f.DocumentKind = f.DocumentKind.POS, *, lines: int = 10, number: int = 1001,
                    issued_at: datetime | None = None, environment: f.Environment = f.Environment.TESTING,
                    names: list[str] | None = None, buyer: f.BuyerParty | None = None,
                    discount_first: int = 0) -> f.FiscalDocument:
    issued_at = issued_at or datetime(2026, 3, 14, 10, 30, 5, tzinfo=f.BOGOTA)
    items = sample_lines(lines, names=names, discount_first=discount_first)
    payable = f.compute_totals(items).payable
    common = dict(number=number, issued_at=issued_at, environment=environment, seller=SELLER, lines=items,
                  payments=(f.PaymentMeans(code=f.PaymentMeansCode.CASH),), software=SOFTWARE, payable=payable)
    till = f.TillData(plate="CAJA-01", location="Local 1, Bogotá", cashier="Ana Pérez", till_type="POS",
                      sale_code=f"V{number:06d}")
    if kind in (f.DocumentKind.POS, f.DocumentKind.POS_CONTINGENCY):
        return f.FiscalDocument(kind=kind, prefix="CJ1", buyer=buyer or f.BuyerParty.consumidor_final(),
                                resolution=POS_RESOLUTION, till=till, **common)
    if kind is f.DocumentKind.INVOICE:
        return f.FiscalDocument(kind=kind, prefix="FE1", buyer=buyer or INVOICE_BUYER, resolution=INVOICE_RESOLUTION,
                                **common)
    original_kind = f.DocumentKind.POS if kind is f.DocumentKind.POS_ADJUSTMENT_CREDIT else f.DocumentKind.INVOICE
    original = sample_document(original_kind, lines=lines, number=number - 1, issued_at=issued_at,
                               environment=environment, buyer=buyer)
    reference = f.BillingReference(number=original.document_number, key=f.document_key(original),
                                   issue_date=issued_at.date(), document_type=original_kind)
    return f.FiscalDocument(kind=kind, prefix="NC1" if original_kind is f.DocumentKind.POS else "NCF",
                            buyer=original.buyer, billing_reference=reference,
                            credit_note_concept=f.CreditNoteConcept.PARTIAL_RETURN, **common)


def with_lines(document: f.FiscalDocument, lines: tuple[f.FiscalLine, ...]) -> f.FiscalDocument:
    return replace(document, lines=lines, payable=f.compute_totals(lines).payable)


__all__ = ["sample_document", "sample_lines", "with_lines", "SELLER", "SOFTWARE", "POS_RESOLUTION",
           "INVOICE_RESOLUTION", "INVOICE_BUYER", "SOFTWARE_PIN", "TECHNICAL_KEY"]
