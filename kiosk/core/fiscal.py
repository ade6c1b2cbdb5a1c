"""Colombian fiscal documents (DIAN) as the electronic XML needs them, and their pure
arithmetic: totals, per-tax subtotals, the CUDE/CUFE and SoftwareSecurityCode inputs
and hashes, file names, and the consistency checks that run before a document is
built and signed.

This is the interface between the shop side (sales, returns and voids stored with
their fiscal document and numbering) and the electronic engine in ``kiosk/fiscal``
(UBL 2.1 XML, XAdES signature, transmission). Nothing here does I/O.

Money stays integer minor units of the shop's currency (``currency_decimals``: 0 for
COP); the XML and the hashes write amounts with two decimals, truncated, never
rounded (``amount_text``). Quantities are integers in the product's base unit (ml,
g, pieces); the XML writes them as decimals with DIAN's unit codes (``dian_quantity``).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from kiosk.core import fiscal_errors as errors
from kiosk.core.money import from_minor as to_decimal
from kiosk.core.tax import format_rate
from kiosk.core.units import BASE_OF, BaseUnit, Uom
from kiosk.i18n import N_, _, translate

# Colombia keeps UTC-5 all year (no daylight saving): a fixed offset is exact.
BOGOTA = timezone(timedelta(hours=-5), "America/Bogota")

DIAN_NIT = "800197268"  # sts:AuthorizationProviderID
DIAN_DV = "4"
CONSUMIDOR_FINAL_ID = "222222222222"
SIGNATURE_POLICY_URL = "https://facturaelectronica.dian.gov.co/politicadefirma/v2/politicadefirmav2.pdf"
SIGNATURE_POLICY_SHA256 = "dMoMvtcG5aIzgYo0tIsSQeVJBDnUnfSOfBpxXrmor0Y="
QR_HOSTS = {"1": "catalogo-vpfe.dian.gov.co", "2": "catalogo-vpfe-hab.dian.gov.co"}

_TWO_PLACES = Decimal("0.01")


class Environment(StrEnum):
    PRODUCTION = "1"
    TESTING = "2"


class DocumentKind(StrEnum):
    """The value is DIAN's document type code (InvoiceTypeCode / CreditNoteTypeCode)."""

    POS = "20"  # documento equivalente electrónico tiquete POS
    INVOICE = "01"  # factura electrónica de venta (FEV)
    POS_CONTINGENCY = "08"  # POS document issued while DIAN is unreachable
    POS_ADJUSTMENT_CREDIT = "94"  # nota de ajuste crédito al documento equivalente
    INVOICE_CREDIT_NOTE = "91"  # nota crédito de la FEV

    @property
    def is_credit_note(self) -> bool:
        return self in (DocumentKind.POS_ADJUSTMENT_CREDIT, DocumentKind.INVOICE_CREDIT_NOTE)

    @property
    def is_pos(self) -> bool:
        """Carries the POS extensions (software maker, buyer benefits, till)."""
        return self in (DocumentKind.POS, DocumentKind.POS_CONTINGENCY)

    @property
    def uses_cufe(self) -> bool:
        """The FEV is keyed by a CUFE (technical key); every other kind by a CUDE (software PIN)."""
        return self is DocumentKind.INVOICE

    @property
    def key_scheme(self) -> str:
        return "CUFE-SHA384" if self.uses_cufe else "CUDE-SHA384"

    @property
    def key_name(self) -> str:
        return "CUFE" if self.uses_cufe else "CUDE"

    @property
    def customization_id(self) -> str:
        return "20" if self.is_credit_note else "10"

    @property
    def profile_id(self) -> str:
        return PROFILE_IDS[self]

    @property
    def file_prefix(self) -> str:
        return FILE_PREFIXES[self]


PROFILE_IDS = {
    DocumentKind.POS: "DIAN 2.1: Documento Equivalente POS",
    DocumentKind.POS_CONTINGENCY: "DIAN 2.1: Documento Equivalente POS",
    DocumentKind.INVOICE: "DIAN 2.1: Factura Electrónica de Venta",
    DocumentKind.POS_ADJUSTMENT_CREDIT: "DIAN 2.1: Nota de ajuste crédito al documento equivalente",
    DocumentKind.INVOICE_CREDIT_NOTE: "DIAN 2.1: Nota Crédito de Factura Electrónica de Venta",
}

# XML file name prefixes: "ds" for the POS documents and "ncs" for their adjustment
# notes (as the reference lists them); the FEV and its credit note keep DIAN's
# invoice names "fv" / "nc". The ZIP that carries any of them starts with "z".
FILE_PREFIXES = {
    DocumentKind.POS: "ds",
    DocumentKind.POS_CONTINGENCY: "ds",
    DocumentKind.POS_ADJUSTMENT_CREDIT: "ncs",
    DocumentKind.INVOICE: "fv",
    DocumentKind.INVOICE_CREDIT_NOTE: "nc",
}


class PersonKind(StrEnum):
    """AdditionalAccountID."""

    LEGAL = "1"
    NATURAL = "2"


class IdType(StrEnum):
    CEDULA = "13"  # cédula de ciudadanía
    NIT = "31"
    CEDULA_EXTRANJERIA = "22"
    PASSPORT = "41"
    TARJETA_IDENTIDAD = "12"
    FOREIGN_ID = "42"


class TaxKind(StrEnum):
    IVA = "01"
    INC = "04"
    EXCLUDED = "excluded"  # outside the tax: no TaxTotal on the line, not in the tax totals

    @property
    def scheme_name(self) -> str:
        return {"01": "IVA", "04": "INC"}.get(self.value, "")


class PaymentForm(StrEnum):
    CASH = "1"  # contado
    CREDIT = "2"


class PaymentMeansCode(StrEnum):
    CASH = "10"
    CREDIT_CARD = "48"
    DEBIT_CARD = "49"
    TRANSFER = "47"
    INSTRUMENT_NOT_DEFINED = "1"


class DianUnit(StrEnum):
    LITRE = "LTR"
    MILLILITRE = "MLT"
    KILOGRAM = "KGM"
    GRAM = "GRM"
    UNIT = "94"
    HOUR = "HUR"


class CreditNoteConcept(StrEnum):
    PARTIAL_RETURN = "1"
    ANNULMENT = "2"
    DISCOUNT = "3"
    PRICE_ADJUSTMENT = "4"
    EARLY_PAYMENT = "5"
    OTHER = "6"


# --- the document ----------------------------------------------------------------

@dataclass(frozen=True)
class Address:
    city_code: str  # DANE municipality code, e.g. "11001" Bogotá
    city_name: str
    department: str  # CountrySubentity, e.g. "Bogotá"
    department_code: str  # DANE department code, e.g. "11"
    line: str
    postal_zone: str = ""
    country_code: str = "CO"
    country_name: str = "Colombia"


@dataclass(frozen=True)
class SellerParty:
    nit: str  # digits, without the check digit
    dv: str
    person: PersonKind
    legal_name: str
    trade_name: str
    responsibilities: tuple[str, ...]  # TaxLevelCode, e.g. ("O-13",) or ("R-99-PN",)
    address: Address
    email: str = ""
    phone: str = ""
    tax_scheme: str = "01"  # "01" IVA when responsible for it, "ZZ" otherwise


@dataclass(frozen=True)
class BuyerParty:
    id_type: IdType
    id_number: str
    name: str
    dv: str = ""  # only for NITs
    person: PersonKind = PersonKind.NATURAL
    email: str = ""
    phone: str = ""
    responsibilities: tuple[str, ...] = ("R-99-PN",)
    address: Address | None = None
    tax_scheme: str = "ZZ"

    @classmethod
    def consumidor_final(cls) -> BuyerParty:
        """The anonymous buyer of a POS document."""
        return cls(id_type=IdType.CEDULA, id_number=CONSUMIDOR_FINAL_ID, name="Consumidor final",
                   person=PersonKind.NATURAL)

    @property
    def is_consumidor_final(self) -> bool:
        return self.id_number == CONSUMIDOR_FINAL_ID


@dataclass(frozen=True)
class FiscalLine:
    position: int  # 1, 2, ... in document order
    code: str  # own product code (SKU): StandardItemIdentification schemeID 999
    description: str
    category: str
    quantity: int  # base units of ``uom``: ml, g or pieces
    uom: Uom  # the unit the product is priced in (L, gal, kg, unit, ...)
    unit_price: int  # shelf price per ``uom``, tax included, minor units (printed)
    line_extension: int  # line amount without tax, after the discount, minor units
    tax_kind: TaxKind
    rate_bp: int  # 1900 = 19 %; 0 for an exempt line; ignored for an excluded line
    tax_amount: int
    gtin: str = ""  # EAN/GTIN when the product has one: schemeID 010
    discount: int = 0  # line allowance, minor units, already taken out of line_extension
    discount_reason: str = "Descuento"
    dian_unit: DianUnit | None = None  # None: from ``uom``; HOUR for services sold by the hour

    @property
    def taxed(self) -> bool:
        return self.tax_kind is not TaxKind.EXCLUDED


@dataclass(frozen=True)
class PaymentMeans:
    code: str = PaymentMeansCode.CASH  # 10 cash, 48 credit card, 49 debit card, 47 transfer, ...
    form: PaymentForm = PaymentForm.CASH
    due_date: date | None = None  # credit sales


@dataclass(frozen=True)
class NumberingResolution:
    number: str  # DIAN's resolution number
    issued_on: date
    valid_from: date
    valid_to: date
    prefix: str
    range_from: int
    range_to: int
    technical_key: str = ""  # for the CUFE of invoices


@dataclass(frozen=True)
class TillData:
    """The POS extension ``PuntoVenta/InformacionCajaVenta``."""

    plate: str  # PlacaCaja
    location: str  # UbicaciónCaja
    cashier: str  # Cajero
    till_type: str  # TipoCaja
    sale_code: str  # CódigoVenta
    subtotal: int | None = None  # SubTotal, minor units; None: the line extension amount


@dataclass(frozen=True)
class SoftwareData:
    provider_nit: str
    provider_dv: str
    software_id: str
    pin: str
    maker_name: str  # NombreApellido
    maker_company: str  # RazonSocial
    software_name: str  # NombreSoftware
    provider_code: str = "000"  # PPP of the file names: 000 for own software


@dataclass(frozen=True)
class BillingReference:
    """The document a credit note corrects."""

    number: str  # prefix + number, as its cbc:ID
    key: str  # its CUDE or CUFE
    issue_date: date
    document_type: DocumentKind  # 20 for a POS document, 01 for an invoice

    @property
    def key_scheme(self) -> str:
        return self.document_type.key_scheme


@dataclass(frozen=True)
class FiscalDocument:
    kind: DocumentKind
    prefix: str
    number: int
    issued_at: datetime  # aware; written in Bogotá time (-05:00)
    environment: Environment
    seller: SellerParty
    buyer: BuyerParty
    lines: tuple[FiscalLine, ...]
    payments: tuple[PaymentMeans, ...]
    software: SoftwareData
    resolution: NumberingResolution | None = None  # required for invoices and POS documents
    till: TillData | None = None  # required for POS documents
    billing_reference: BillingReference | None = None  # credit notes
    credit_note_concept: CreditNoteConcept | None = None  # credit notes
    currency: str = "COP"
    currency_decimals: int = 0  # minor units per major unit: 10 ** decimals
    note: str = ""
    payable: int | None = None  # what the sale says the buyer pays; checked against the lines
    buyer_points: int = 0  # BeneficiosComprador/Puntos
    printed: bool = True  # handed over on paper: an invoice then needs no buyer e-mail

    @property
    def document_number(self) -> str:
        """cbc:ID: prefix + consecutive number."""
        return f"{self.prefix}{self.number}"

    @property
    def local_issued_at(self) -> datetime:
        return self.issued_at.astimezone(BOGOTA)

    @property
    def issue_date(self) -> str:
        return self.local_issued_at.strftime("%Y-%m-%d")

    @property
    def issue_time(self) -> str:
        return format_time(self.issued_at)

    def totals(self) -> Totals:
        return compute_totals(self.lines)

    def amount(self, minor: int) -> str:
        return amount_text(minor, self.currency_decimals)


# --- amounts, quantities, times ------------------------------------------------------

def format_decimal_amount(value: Decimal | int | str) -> str:
    """An amount as the XML and the hashes hold it: a dot and two decimals, truncated
    (DIAN's rule), e.g. 1500000 -> "1500000.00", 235.289 -> "235.28"."""
    return str(Decimal(value).quantize(_TWO_PLACES, rounding=ROUND_DOWN))


def amount_text(amount_minor: int, decimals: int) -> str:
    return format_decimal_amount(to_decimal(amount_minor, decimals))


def format_time(moment: datetime) -> str:
    """``HH:MM:SS-05:00`` in Bogotá time."""
    if moment.tzinfo is None:
        raise ValueError("a fiscal time needs its time zone")
    return moment.astimezone(BOGOTA).strftime("%H:%M:%S") + "-05:00"


def format_percent(rate_bp: int) -> str:
    return format_decimal_amount(Decimal(rate_bp) / 100)


_UOM_TO_DIAN = {BaseUnit.ML: (DianUnit.LITRE, DianUnit.MILLILITRE), BaseUnit.G: (DianUnit.KILOGRAM, DianUnit.GRAM)}


def dian_unit_for(line: FiscalLine) -> DianUnit:
    if line.dian_unit is not None:
        return line.dian_unit
    base = BASE_OF[line.uom]
    if base is BaseUnit.COUNT:
        return DianUnit.UNIT
    large, small = _UOM_TO_DIAN[base]
    return small if line.uom in (Uom.ML, Uom.G) else large  # L, gal -> LTR; kg, lb -> KGM


def dian_quantity(line: FiscalLine) -> tuple[Decimal, DianUnit]:
    """The line's quantity in DIAN's unit, exact: 1500 ml of a product priced per litre
    (or per gallon) -> 1.500 LTR; 250 g priced per kilo -> 0.250 KGM; 3 pieces -> 3 "94"."""
    unit = dian_unit_for(line)
    if unit in (DianUnit.LITRE, DianUnit.KILOGRAM):
        return Decimal(line.quantity).scaleb(-3), unit
    return Decimal(line.quantity), unit


def quantity_text(quantity: Decimal) -> str:
    """Two decimals at least, three for thousandths: "3.00", "1.500", "0.250"."""
    places = Decimal("0.001") if quantity != quantity.quantize(_TWO_PLACES) else _TWO_PLACES
    return str(quantity.quantize(places))


def unit_price_text(line: FiscalLine, decimals: int) -> str:
    """cbc:PriceAmount: the price without tax of one DIAN unit (BaseQuantity 1),
    before the discount, truncated to two decimals."""
    quantity, _unit = dian_quantity(line)
    gross_before_discount = to_decimal(line.line_extension + line.discount, decimals)
    return format_decimal_amount(gross_before_discount / quantity)


# --- totals ------------------------------------------------------------------------

@dataclass(frozen=True)
class TaxSubtotal:
    kind: TaxKind
    rate_bp: int
    taxable: int
    tax: int


@dataclass(frozen=True)
class TaxTotal:
    kind: TaxKind
    tax: int
    subtotals: tuple[TaxSubtotal, ...]


@dataclass(frozen=True)
class Totals:
    line_extension: int  # sum of the lines without tax (after line discounts)
    tax_exclusive: int  # sum of the taxable bases (excluded lines are not taxable)
    tax_inclusive: int  # line extension + taxes
    line_allowances: int  # line discounts, already inside line_extension
    allowance_total: int  # document-level discounts (none today)
    charge_total: int
    payable: int
    taxes: tuple[TaxTotal, ...]

    def tax_of(self, kind: TaxKind) -> int:
        return sum(t.tax for t in self.taxes if t.kind is kind)


def compute_totals(lines: tuple[FiscalLine, ...] | list[FiscalLine]) -> Totals:
    groups: dict[tuple[TaxKind, int], list[int]] = defaultdict(lambda: [0, 0])
    for line in lines:
        if line.taxed:
            g = groups[(line.tax_kind, line.rate_bp)]
            g[0] += line.line_extension
            g[1] += line.tax_amount
    taxes = []
    for kind in (TaxKind.IVA, TaxKind.INC):
        subs = tuple(TaxSubtotal(kind, rate, base, tax) for (k, rate), (base, tax) in sorted(groups.items())
                     if k is kind)
        if subs:
            taxes.append(TaxTotal(kind, sum(s.tax for s in subs), subs))
    line_extension = sum(ln.line_extension for ln in lines)
    tax_exclusive = sum(s.taxable for t in taxes for s in t.subtotals)
    tax_sum = sum(t.tax for t in taxes)
    return Totals(line_extension=line_extension, tax_exclusive=tax_exclusive,
                  tax_inclusive=line_extension + tax_sum, line_allowances=sum(ln.discount for ln in lines),
                  allowance_total=0, charge_total=0, payable=line_extension + tax_sum, taxes=tuple(taxes))


# --- CUDE / CUFE -------------------------------------------------------------------

@dataclass(frozen=True)
class HashFields:
    """The fields of a CUDE/CUFE, as the XML holds them, in DIAN's order."""

    number: str
    issue_date: str
    issue_time: str
    subtotal: str  # LineExtensionAmount
    iva: str
    inc: str
    ica: str
    total: str  # PayableAmount
    seller_nit: str
    buyer_id: str
    key: str  # software PIN (CUDE) or technical key (CUFE)
    environment: str

    def input(self) -> str:
        return (self.number + self.issue_date + self.issue_time + self.subtotal
                + "01" + self.iva + "04" + self.inc + "03" + self.ica
                + self.total + self.seller_nit + self.buyer_id + self.key + self.environment)

    def hash(self) -> str:
        return sha384_hex(self.input())


def sha384_hex(text: str) -> str:
    return hashlib.sha384(text.encode("utf-8")).hexdigest()


_ID_CLEAN = re.compile(r"[\s.\-]")


def clean_id(number: str) -> str:
    """An id as the hash wants it: no dots, dashes or spaces."""
    return _ID_CLEAN.sub("", number)


def hash_fields_from_values(*, number: str, issue_date: str, issue_time: str, subtotal: Decimal | str,
                            iva: Decimal | str, inc: Decimal | str, ica: Decimal | str, total: Decimal | str,
                            seller_nit: str, buyer_id: str, key: str, environment: str) -> HashFields:
    """Loose values (a technician's ``kiosk-admin dian hash``) -> the hashed fields,
    amounts written with two truncated decimals."""
    return HashFields(number=number, issue_date=issue_date, issue_time=issue_time,
                      subtotal=format_decimal_amount(subtotal), iva=format_decimal_amount(iva),
                      inc=format_decimal_amount(inc), ica=format_decimal_amount(ica),
                      total=format_decimal_amount(total), seller_nit=clean_id(seller_nit),
                      buyer_id=clean_id(buyer_id), key=key, environment=str(environment))


def hash_key_for(document: FiscalDocument) -> str:
    """The secret the hash ends with: the software PIN (CUDE) or the numbering range's
    technical key (CUFE)."""
    if document.kind.uses_cufe:
        if document.resolution is None or not document.resolution.technical_key:
            raise errors.TechnicalKeyMissing(document=document.document_number)
        return document.resolution.technical_key
    return document.software.pin


def hash_fields(document: FiscalDocument) -> HashFields:
    t = document.totals()
    amount = document.amount
    return HashFields(number=document.document_number, issue_date=document.issue_date,
                      issue_time=document.issue_time, subtotal=amount(t.line_extension),
                      iva=amount(t.tax_of(TaxKind.IVA)), inc=amount(t.tax_of(TaxKind.INC)), ica=amount(0),
                      total=amount(t.payable), seller_nit=clean_id(document.seller.nit),
                      buyer_id=clean_id(document.buyer.id_number), key=hash_key_for(document),
                      environment=document.environment.value)


def document_key(document: FiscalDocument) -> str:
    """The document's CUDE (POS documents and notes) or CUFE (invoices)."""
    return hash_fields(document).hash()


def software_security_input(software_id: str, pin: str, number: str) -> str:
    """What the SoftwareSecurityCode hashes: software id + PIN + document number."""
    return software_id + pin + number


def software_security_code(software_id: str, pin: str, number: str) -> str:
    return sha384_hex(software_security_input(software_id, pin, number))


def qr_url(key: str, environment: Environment | str) -> str:
    host = QR_HOSTS[str(Environment(environment).value)]
    return f"https://{host}/document/searchqr?documentkey={key}"


# --- file names --------------------------------------------------------------------

@dataclass(frozen=True)
class FileNames:
    xml: str  # e.g. ds0900373076000260000002a.xml
    zip: str  # z0900373076000260000002a.zip


def file_names(kind: DocumentKind, seller_nit: str, provider_code: str, year: int, counter: int) -> FileNames:
    """``ds``/``ncs``/... + NIT (10 digits) + provider code (3) + two-digit year + 8
    hexadecimal digits of the yearly counter (starting at 1 every 1 January)."""
    nit = clean_id(seller_nit)
    if not nit.isdigit() or len(nit) > 10:
        raise ValueError(f"NIT {seller_nit!r} must be at most 10 digits")
    if not (len(provider_code) == 3 and provider_code.isdigit()):
        raise ValueError(f"provider code {provider_code!r} must be 3 digits")
    if not 0 < counter <= 0xFFFFFFFF:
        raise ValueError(f"file counter {counter} must be between 1 and {0xFFFFFFFF}")
    stem = f"{nit.zfill(10)}{provider_code}{year % 100:02d}{counter:08x}"
    return FileNames(xml=f"{kind.file_prefix}{stem}.xml", zip=f"z{stem}.zip")


# --- consistency -------------------------------------------------------------------

TAX_TOLERANCE_MINOR = 2  # tax-inclusive prices: a line's tax may differ from base x rate by rounding


def nit_check_digit(number: str) -> str:
    """DIAN's check digit of a NIT (digits only)."""
    # python-stdnum (and the pydoc it imports) is loaded when a NIT is first checked:
    # ~1 MB that selling without the fiscal profile never needs (issue 18).
    from stdnum.co import nit as co_nit

    return co_nit.calc_check_digit(number)


def check_nit(nit: str, dv: str, who: str) -> None:
    number = clean_id(nit)
    if not number.isdigit():
        raise errors.InvalidTaxId(who=who, number=nit)
    expected = nit_check_digit(number)
    if dv != expected:
        raise errors.InvalidCheckDigit(nit=number, expected=expected, given=dv or "-")


def _check_line(doc: str, line: FiscalLine, decimals: int) -> None:
    def bad(reason: str) -> errors.FiscalLineInvalid:
        return errors.FiscalLineInvalid(document=doc, position=line.position, reason=reason)

    if line.quantity <= 0:
        raise bad(N_("the quantity must be greater than zero"))
    if line.line_extension < 0 or line.tax_amount < 0 or line.discount < 0:
        raise bad(N_("amounts cannot be negative"))
    if not line.description.strip():
        raise bad(N_("the description is empty"))
    if not line.code.strip():
        raise bad(N_("the product code is empty"))
    if not line.taxed:
        if line.tax_amount:
            raise bad(N_("an excluded line carries no tax"))
        return
    expected = Decimal(line.line_extension) * line.rate_bp / 10_000
    if abs(Decimal(line.tax_amount) - expected) > TAX_TOLERANCE_MINOR:
        raise errors.FiscalLineTaxMismatch(document=doc, position=line.position,
                                           tax=amount_text(line.tax_amount, decimals),
                                           rate=format_rate(line.rate_bp),
                                           base=amount_text(line.line_extension, decimals))


def _check_buyer_for_invoice(doc: FiscalDocument) -> None:
    b, number = doc.buyer, doc.document_number
    if not b.name.strip():
        raise errors.BuyerFieldMissing(document=number, field=N_("name"))
    if not b.id_number.strip():
        raise errors.BuyerFieldMissing(document=number, field=N_("identification number"))
    if b.id_type is IdType.NIT:
        if not b.dv:
            raise errors.BuyerFieldMissing(document=number, field=N_("NIT check digit"))
        check_nit(b.id_number, b.dv, N_("buyer"))
    if not doc.printed and not b.email.strip():
        raise errors.BuyerFieldMissing(document=number, field=N_("e-mail"))


def validate_document(doc: FiscalDocument) -> Totals:
    """Refuse a document that is not internally consistent; return its totals."""
    number = doc.document_number
    if not (1 <= len(doc.prefix) <= 4 and doc.prefix.isalnum() and doc.prefix.isascii()):
        raise errors.InvalidPrefix(prefix=doc.prefix)
    if doc.issued_at.tzinfo is None:
        raise errors.IssueTimeWithoutZone(document=number)
    for name in ("software_id", "pin", "provider_nit", "software_name"):
        if not getattr(doc.software, name):
            raise errors.SoftwareDataMissing(field=name)
    check_nit(doc.seller.nit, doc.seller.dv, N_("seller"))
    check_nit(doc.software.provider_nit, doc.software.provider_dv, N_("software provider"))
    if not doc.lines:
        raise errors.EmptyFiscalDocument(document=number)
    positions = [ln.position for ln in doc.lines]
    if positions != list(range(1, len(doc.lines) + 1)):
        raise errors.FiscalLineInvalid(document=number, position=positions[0],
                                       reason=N_("lines must be numbered 1, 2, 3 ... in order"))
    for line in doc.lines:
        _check_line(number, line, doc.currency_decimals)
    if not doc.payments:
        raise errors.PaymentMeansMissing(document=number)
    if not doc.kind.is_credit_note:
        res = doc.resolution
        if res is None:
            raise errors.ResolutionMissing(document=number)
        if res.prefix != doc.prefix:
            raise errors.PrefixMismatch(document=number, prefix=doc.prefix, authorized=res.prefix,
                                        resolution=res.number)
        if not res.range_from <= doc.number <= res.range_to:
            raise errors.NumberOutsideRange(document=number, first=res.range_from, last=res.range_to,
                                            resolution=res.number)
        issued_on = doc.local_issued_at.date()
        if not res.valid_from <= issued_on <= res.valid_to:
            raise errors.ResolutionNotValidOn(resolution=res.number, start=res.valid_from.isoformat(),
                                              end=res.valid_to.isoformat(), document=number,
                                              date=issued_on.isoformat())
    else:
        ref = doc.billing_reference
        if ref is None or not ref.number or not ref.key:
            raise errors.BillingReferenceMissing(document=number)
        if doc.credit_note_concept is None:
            raise errors.CreditNoteConceptMissing(document=number)
    if doc.kind.is_pos and (doc.till is None or not (doc.till.plate and doc.till.location and doc.till.cashier)):
        raise errors.TillDataMissing(document=number)
    if doc.kind in (DocumentKind.INVOICE, DocumentKind.INVOICE_CREDIT_NOTE):
        _check_buyer_for_invoice(doc)
    totals = doc.totals()
    for tax_total in totals.taxes:
        for sub in tax_total.subtotals:
            expected = Decimal(sub.taxable) * sub.rate_bp / 10_000
            if abs(Decimal(sub.tax) - expected) > TAX_TOLERANCE_MINOR:
                raise errors.FiscalTaxTotalMismatch(
                    document=number, tax=sub.kind.scheme_name, rate=format_rate(sub.rate_bp),
                    tax_total=amount_text(sub.tax, doc.currency_decimals),
                    lines_total=amount_text(round(expected), doc.currency_decimals))
    if doc.payable is not None and doc.payable != totals.payable:
        raise errors.FiscalTotalMismatch(document=number, computed=amount_text(totals.payable, doc.currency_decimals),
                                         declared=amount_text(doc.payable, doc.currency_decimals))
    return totals


# --- what the printed document adds ----------------------------------------------

@dataclass(frozen=True)
class FiscalPrintBlock:
    """What a printed POS document or invoice must add to the receipt: its title, the
    legal lines (seller's fiscal qualities, buyer, numbering and resolution, software,
    till), the CUDE/CUFE and the QR content (printed at least 2 cm wide)."""

    title: str
    lines: tuple[str, ...]
    key_label: str  # "CUDE" or "CUFE"
    key: str
    qr: str


TITLES = {
    DocumentKind.POS: N_("Electronic POS equivalent document"),
    DocumentKind.POS_CONTINGENCY: N_("Electronic POS equivalent document"),
    DocumentKind.INVOICE: N_("Electronic sales invoice"),
    DocumentKind.POS_ADJUSTMENT_CREDIT: N_("Credit adjustment note to the POS document"),
    DocumentKind.INVOICE_CREDIT_NOTE: N_("Credit note to the electronic invoice"),
}

ID_TYPE_LABELS = {
    IdType.CEDULA: N_("CC"),
    IdType.NIT: N_("NIT"),
    IdType.CEDULA_EXTRANJERIA: N_("CE"),
    IdType.PASSPORT: N_("Passport"),
    IdType.TARJETA_IDENTIDAD: N_("TI"),
    IdType.FOREIGN_ID: N_("Foreign ID"),
}

PAYMENT_MEANS_LABELS = {
    PaymentMeansCode.CASH.value: N_("cash"),
    PaymentMeansCode.CREDIT_CARD.value: N_("credit card"),
    PaymentMeansCode.DEBIT_CARD.value: N_("debit card"),
    PaymentMeansCode.TRANSFER.value: N_("transfer"),
}


def print_block(document: FiscalDocument, key: str) -> FiscalPrintBlock:
    """The fiscal lines a printed document adds to the receipt, in the current UI
    language; ``key`` is the document's CUDE/CUFE (``document_key``)."""
    s, b, res, till = document.seller, document.buyer, document.resolution, document.till
    lines = [
        _("No. {number}").format(number=document.document_number),
        _("Issued {date} {time}").format(date=document.issue_date, time=document.issue_time),
        s.legal_name if s.legal_name == s.trade_name else f"{s.trade_name} - {s.legal_name}",
        _("NIT {nit}-{dv}").format(nit=s.nit, dv=s.dv),
        _("Fiscal responsibilities: {codes}").format(codes=", ".join(s.responsibilities)),
    ]
    if document.kind is DocumentKind.POS_CONTINGENCY:
        lines.append(_("Issued in contingency: DIAN could not be reached"))
    if res is not None:
        lines.append(_("DIAN resolution {number} of {date}: {prefix}{first} to {prefix}{last}, "
                       "valid from {start} to {end}").format(
            number=res.number, date=res.issued_on.isoformat(), prefix=res.prefix, first=res.range_from,
            last=res.range_to, start=res.valid_from.isoformat(), end=res.valid_to.isoformat()))
    ref = document.billing_reference
    if ref is not None:
        lines.append(_("Corrects {number} of {date}, {key_name} {key}").format(
            number=ref.number, date=ref.issue_date.isoformat(), key_name=ref.document_type.key_name, key=ref.key))
    id_label = translate(ID_TYPE_LABELS.get(b.id_type, N_("ID")))
    buyer_id = f"{b.id_number}-{b.dv}" if b.dv else b.id_number
    lines.append(_("Buyer: {name}, {id_type} {id}").format(name=b.name, id_type=id_label, id=buyer_id))
    forms = {p.form for p in document.payments}
    form = _("credit") if PaymentForm.CREDIT in forms else _("cash sale")
    means = ", ".join(translate(PAYMENT_MEANS_LABELS[p.code]) if p.code in PAYMENT_MEANS_LABELS else p.code
                      for p in document.payments)
    lines.append(_("Payment: {form} ({means})").format(form=form, means=means))
    if till is not None:
        lines.append(_("Till {plate}, {location}; cashier {cashier}").format(
            plate=till.plate, location=till.location, cashier=till.cashier))
        lines.append(_("Sale code {code}").format(code=till.sale_code))
    sw = document.software
    lines.append(_("Software {software} by {maker}").format(software=sw.software_name, maker=sw.maker_company))
    return FiscalPrintBlock(title=_(TITLES[document.kind]), lines=tuple(lines), key_label=document.kind.key_name,
                            key=key, qr=qr_url(key, document.environment))


# A document in the DIAN outbox that has not reached DIAN's verdict yet (the outbox, the
# till's closing and the reports read the states from here).
OUTBOX_WAITING = ("built", "signed", "sent", "contingency")
