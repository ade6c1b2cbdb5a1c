"""Fiscal documents (Colombia): with the fiscal profile on, every completed sale is an
electronic POS document or an electronic invoice, and every return or void a credit
note (a *nota de ajuste* to a POS document, a *nota crédito* to an invoice) that
refers to it. Each is numbered from this till's DIAN resolution for its kind, in the
same transaction as the sale, return or void, and keeps a copy of its lines (with
category and GTIN) and of the buyer as they were.

The cashier's choices reach this as a ``FiscalRequest`` (customer, *Factura*).
``plan`` checks everything that can be checked before payment (an invoice needs a
customer; a sale of at least the invoice threshold is an invoice; a resolution must
be valid today and have numbers left) and says which document the sale will be; the
till writes it with ``issue_for_sale`` inside the sale's transaction, which takes the
number under the write lock and refuses (rolling the sale back, nothing written) if
the range ran out meanwhile.

Returns and voids (issue 14) call ``check_credit`` before any money moves back, then
``issue_credit_note`` inside their own transaction (see its docstring).

``electronic_document`` maps a stored document onto kiosk.core.fiscal's
``FiscalDocument``: the electronic engine (UBL XML, signature, transmission) builds
from it, and the printed document's legal block comes from it too.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Connection

from db.engine import Database
from db.models import DianOutboxEntry
from db.models import FiscalDocument as FiscalDocumentRow
from db.models import FiscalDocumentLine, new_uuid, utcnow
from db.raw_sql import insert_sql, stamp
from kiosk.core import fiscal as f
from kiosk.core.barcodes import gtin_valid
from kiosk.core.customers import CustomerInfo
from kiosk.core.fiscal_errors import TechnicalKeyMissing
from kiosk.core.fiscal_shop_errors import (
    CreditLineUnknown,
    CreditTooLarge,
    CustomerInactive,
    FiscalDocumentMissing,
    FiscalProfileOff,
    ForeignTillDocument,
    InvoiceNeedsCustomer,
    InvoiceRequiredByAmount,
    NothingToCredit,
    NumberingUnavailable,
)
from kiosk.core.money import round_half_up
from kiosk.core.numbering import NumberingKind, Resolution
from kiosk.core.payments import Payment, PaymentMethod
from kiosk.core.receipt import Receipt, ReceiptLine, ShopInfo, sale_reference
from kiosk.core.tax import breakdown
from kiosk.core.units import Uom
from kiosk.formatting import format_quantity, format_rate, to_local
from kiosk.i18n import _, format_money
from kiosk.services.customers import CustomerService
from kiosk.services.fiscal_settings import FiscalSettings
from kiosk.services.numbering import NumberingService, read_resolutions

log = logging.getLogger(__name__)

ORIGINAL_TYPES = (f.DocumentKind.POS, f.DocumentKind.POS_CONTINGENCY, f.DocumentKind.INVOICE)
CONSUMIDOR_FINAL_NAME = "Consumidor final"


@dataclass(frozen=True)
class FiscalRequest:
    """What the cashier chose at checkout: the customer (None: consumidor final) and
    whether the customer asked for an electronic invoice (*Factura*)."""

    customer_id: int | None = None
    invoice: bool = False


@dataclass(frozen=True)
class FiscalPlan:
    """Which document a sale will be, worked out before payment."""

    kind: f.DocumentKind
    numbering: NumberingKind
    customer: CustomerInfo | None
    resolution: Resolution  # the resolution expected to number it
    by_amount: bool = False  # an invoice because the total reached the threshold

    @property
    def invoice(self) -> bool:
        return self.kind is f.DocumentKind.INVOICE

    @property
    def expected_number(self) -> str:
        return f"{self.resolution.prefix}{self.resolution.next_number}"


@dataclass(frozen=True)
class CreditLine:
    """What a return credits of one line of the sale: its sale line and how much
    (base units: ml, g, pieces)."""

    sale_line_id: int
    quantity: int


@dataclass(frozen=True)
class Buyer:
    id_type: f.IdType
    id_number: str
    dv: str
    person: str  # legal | natural
    name: str
    email: str = ""
    customer_id: int | None = None

    @classmethod
    def consumidor_final(cls) -> Buyer:
        return cls(f.IdType.CEDULA, f.CONSUMIDOR_FINAL_ID, "", "natural", CONSUMIDOR_FINAL_NAME)

    @classmethod
    def of(cls, c: CustomerInfo | None) -> Buyer:
        if c is None:
            return cls.consumidor_final()
        return cls(c.id_type, c.id_number, c.dv, c.person, c.name, c.email, c.id)

    @property
    def is_consumidor_final(self) -> bool:
        return self.id_number == f.CONSUMIDOR_FINAL_ID

    @property
    def identification(self) -> str:
        return f"{self.id_number}-{self.dv}" if self.dv else self.id_number


@dataclass(frozen=True)
class DocumentLine:
    position: int
    sale_line_id: int
    sku: str
    name: str
    category: str
    gtin: str
    uom: Uom
    quantity: int  # base units
    unit_price: int  # per uom, tax included
    line_total: int  # tax included
    tax_rate_bp: int
    tax_amount: int


@dataclass(frozen=True)
class IssuedDocument:
    """A document just written (inside the caller's transaction)."""

    id: int
    uuid: str
    kind: f.DocumentKind
    prefix: str
    number: int
    sale_id: int
    total: int
    tax_total: int
    buyer: Buyer
    resolution: Resolution

    @property
    def document_number(self) -> str:
        return f"{self.prefix}{self.number}"


@dataclass(frozen=True)
class StoredDocument:
    id: int
    uuid: str
    till_id: int
    kind: f.DocumentKind
    prefix: str
    number: int
    issued_at: datetime  # naive UTC, as stored
    cashier: str
    sale_id: int
    sale_number: int
    origin: str  # sale | return | void
    corrects_id: int | None
    concept: str
    buyer: Buyer
    total: int
    tax_total: int
    lines: tuple[DocumentLine, ...]
    resolution: Resolution
    payments: tuple[Payment, ...]  # the sale's

    @property
    def document_number(self) -> str:
        return f"{self.prefix}{self.number}"

    @property
    def is_credit_note(self) -> bool:
        return self.kind.is_credit_note

    def summary(self) -> dict:
        """For ``kiosk-admin sales show --json`` and scripts."""
        return {"id": self.id, "uuid": self.uuid, "kind": KIND_NAMES[self.kind], "type_code": self.kind.value,
                "prefix": self.prefix, "number": self.number, "document_number": self.document_number,
                "issued_at": to_local(self.issued_at).isoformat(), "till_id": self.till_id,
                "resolution": self.resolution.resolution, "origin": self.origin, "concept": self.concept or None,
                "corrects_id": self.corrects_id, "total_minor": self.total, "tax_minor": self.tax_total,
                "customer": None if self.buyer.is_consumidor_final else {
                    "id": self.buyer.customer_id, "id_type": self.buyer.id_type.value,
                    "id_number": self.buyer.id_number, "dv": self.buyer.dv, "name": self.buyer.name,
                    "email": self.buyer.email, "person": self.buyer.person},
                "buyer_name": self.buyer.name}


KIND_NAMES = {
    f.DocumentKind.POS: "pos",
    f.DocumentKind.POS_CONTINGENCY: "contingency",
    f.DocumentKind.INVOICE: "invoice",
    f.DocumentKind.POS_ADJUSTMENT_CREDIT: "adjustment_note",
    f.DocumentKind.INVOICE_CREDIT_NOTE: "credit_note",
}

_INSERT_DOC = insert_sql(FiscalDocumentRow.__table__,
                         "uuid till_id type_code numbering_id prefix number issued_at user_id sale_id origin "
                         "corrects_id concept customer_id buyer_id_type buyer_id_number buyer_dv buyer_person "
                         "buyer_name buyer_email total tax_total", returning="id")
_INSERT_LINE = insert_sql(FiscalDocumentLine.__table__,
                          "document_id position sale_line_id sku name category gtin uom quantity unit_price "
                          "line_total tax_rate_bp tax_amount")
_INSERT_OUTBOX = insert_sql(DianOutboxEntry.__table__, "uuid till_id document_id state attempts document_key "
                            "last_error rule_codes created_at updated_at")
# The sale's lines with the product's category and barcodes as they are now (the
# document keeps them: a later catalog change never alters it).
_SALE_LINES = """
    SELECT l.id, l.position, l.sku, l.name, COALESCE(c.name, ''), l.uom, l.quantity, l.unit_price, l.line_total,
           l.tax_rate_bp, l.tax_amount, COALESCE((SELECT group_concat(b.code, ' ') FROM barcodes b
                                                  WHERE b.product_id = l.product_id), '')
    FROM sale_lines l JOIN products p ON p.id = l.product_id LEFT JOIN categories c ON c.id = p.category_id
    WHERE l.sale_id = ? ORDER BY l.position"""
_DOC_COLUMNS = ("id uuid till_id type_code numbering_id prefix number issued_at user_id sale_id origin corrects_id "
                "concept customer_id buyer_id_type buyer_id_number buyer_dv buyer_person buyer_name buyer_email "
                "total tax_total").split()
_SELECT_DOC = (f"SELECT {', '.join('d.' + c for c in _DOC_COLUMNS)}, COALESCE(u.name, ''), s.number "
               "FROM fiscal_documents d JOIN sales s ON s.id = d.sale_id LEFT JOIN users u ON u.id = d.user_id")
_SELECT_LINES = ("SELECT position, sale_line_id, sku, name, category, gtin, uom, quantity, unit_price, line_total, "
                 "tax_rate_bp, tax_amount FROM fiscal_document_lines WHERE document_id = ? ORDER BY position")


def _gtin(codes: str) -> str:
    """The product's GTIN for the document: its first EAN/UPC code that is not a
    shop's own (restricted circulation, prefix 2)."""
    return next((c for c in codes.split() if gtin_valid(c) and not c.startswith("2")), "")


def _when(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


class FiscalDocuments:
    def __init__(self, db: Database, settings: FiscalSettings, numbering: NumberingService,
                 customers: CustomerService, *, decimals: int = 0, environment: str = "2",
                 clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.settings = settings
        self.numbering = numbering
        self.customers = customers
        self.decimals = decimals
        self.environment = f.Environment(str(environment))
        self.clock = clock
        # None: follow the till's DIAN link (kiosk/services/dian_outbox.py sets it when
        # DIAN cannot be reached); True/False: forced (tests, demo).
        self.contingency: bool | None = None
        self._on_issued: list[Callable[[], None]] = []

    def on_issued(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` each time a document issued in this process has been committed
        (the DIAN sender's wake-up: it sends it now instead of at its next round)."""
        if fn not in self._on_issued:
            self._on_issued.append(fn)

    def issued(self) -> None:
        """A document was issued and its transaction committed (the services that issue
        them call this after their commit). Never raises: the document is stored, and
        the sender's next round sends it anyway."""
        for fn in list(self._on_issued):
            try:
                fn()
            except Exception:  # noqa: BLE001 - after the commit nothing may fail the sale
                log.exception("telling that a fiscal document was issued failed")

    def in_contingency(self) -> bool:
        """Whether POS documents are issued as contingency documents (type 08) now."""
        if self.contingency is not None:
            return self.contingency
        with self.db.read() as s:
            return bool(s.connection().exec_driver_sql("SELECT contingency FROM dian_link WHERE id = 1").scalar())

    @property
    def on(self) -> bool:
        return self.settings.on

    @property
    def till_id(self) -> int:
        return self.numbering.till_id

    @property
    def invoice_threshold(self) -> int | None:
        """Sale total (minor units) from which the sale is invoiced; None: off."""
        return self.settings.invoice_threshold_minor(self.decimals)

    # --- before payment ---------------------------------------------------------------
    def plan(self, total: int, request: FiscalRequest | None = None, day: date | None = None) -> FiscalPlan:
        """Which document a sale of ``total`` will be. Raises, before any payment, what
        would stop it: an invoice without a customer, a deactivated customer, no valid
        resolution with numbers left (FiscalProfileOff when the profile is off)."""
        if not self.on:
            raise FiscalProfileOff()
        request = request or FiscalRequest()
        customer = self.customers.require_usable(request.customer_id) if request.customer_id is not None else None
        threshold = self.invoice_threshold
        by_amount = threshold is not None and total >= threshold and not request.invoice
        if request.invoice or by_amount:
            if customer is None:
                if by_amount:
                    raise InvoiceRequiredByAmount(threshold=format_money(threshold))
                raise InvoiceNeedsCustomer()
            kind, numbering = f.DocumentKind.INVOICE, NumberingKind.INVOICE
        elif self.in_contingency():
            kind, numbering = f.DocumentKind.POS_CONTINGENCY, NumberingKind.CONTINGENCY
        else:
            kind, numbering = f.DocumentKind.POS, NumberingKind.POS
        try:
            resolution = self.numbering.current(numbering, day or self.numbering.today())
        except NumberingUnavailable:
            if numbering is not NumberingKind.CONTINGENCY:
                raise
            # No contingency range: the till keeps selling POS documents; they wait in
            # the outbox like the others.
            log.warning("DIAN contingency without a contingency numbering range: POS documents keep type 20")
            kind, numbering = f.DocumentKind.POS, NumberingKind.POS
            resolution = self.numbering.current(numbering, day or self.numbering.today())
        return FiscalPlan(kind, numbering, customer, resolution, by_amount)

    # --- inside the sale's transaction ------------------------------------------------
    def issue_for_sale(self, conn: Connection, plan: FiscalPlan, sale_id: int, user_id: int,
                       created_at: datetime, categories: Sequence[str] | None = None) -> IssuedDocument:
        """Write the sale's document in the sale's transaction (``conn``), numbered
        under the write lock. Raises NumberingUnavailable (the range ran out or
        expired since ``plan``) or CustomerInactive: the sale then rolls back too.
        ``categories``: each line's category as the cart had it (so the stored
        document says what its receipt printed); by default the product's now."""
        if plan.customer is not None:
            active = conn.exec_driver_sql("SELECT active FROM customers WHERE id = ?", (plan.customer.id,)).scalar()
            if not active:
                raise CustomerInactive(name=plan.customer.name)
        rows = conn.exec_driver_sql(_SALE_LINES, (sale_id,)).all()
        if categories is not None:
            rows = [(*r[:4], categories[i], *r[5:]) for i, r in enumerate(rows)]
        lines = [DocumentLine(position=i + 1, sale_line_id=r[0], sku=r[2], name=r[3], category=r[4], gtin=_gtin(r[11]),
                              uom=Uom(r[5]), quantity=r[6], unit_price=r[7], line_total=r[8], tax_rate_bp=r[9],
                              tax_amount=r[10]) for i, r in enumerate(rows)]
        return self._write(conn, kind=plan.kind, numbering=plan.numbering, sale_id=sale_id, user_id=user_id,
                           at=created_at, origin="sale", corrects_id=None, concept="", buyer=Buyer.of(plan.customer),
                           lines=lines)

    def _write(self, conn: Connection, *, kind: f.DocumentKind, numbering: NumberingKind, sale_id: int,
               user_id: int, at: datetime, origin: str, corrects_id: int | None, concept: str, buyer: Buyer,
               lines: Sequence[DocumentLine]) -> IssuedDocument:
        resolution, number = self.numbering.take(conn, numbering, to_local(at).date())
        uuid = new_uuid()
        total, tax = sum(ln.line_total for ln in lines), sum(ln.tax_amount for ln in lines)
        doc_id = conn.exec_driver_sql(_INSERT_DOC, {
            "uuid": uuid, "till_id": self.till_id, "type_code": kind.value, "numbering_id": resolution.id,
            "prefix": resolution.prefix, "number": number, "issued_at": stamp(at), "user_id": user_id,
            "sale_id": sale_id, "origin": origin, "corrects_id": corrects_id, "concept": concept,
            "customer_id": buyer.customer_id, "buyer_id_type": buyer.id_type.value,
            "buyer_id_number": buyer.id_number, "buyer_dv": buyer.dv, "buyer_person": buyer.person,
            "buyer_name": buyer.name, "buyer_email": buyer.email, "total": total, "tax_total": tax}).scalar_one()
        conn.exec_driver_sql(_INSERT_LINE, [
            {"document_id": doc_id, "position": ln.position, "sale_line_id": ln.sale_line_id, "sku": ln.sku,
             "name": ln.name, "category": ln.category, "gtin": ln.gtin, "uom": ln.uom.value, "quantity": ln.quantity,
             "unit_price": ln.unit_price, "line_total": ln.line_total, "tax_rate_bp": ln.tax_rate_bp,
             "tax_amount": ln.tax_amount} for ln in lines])
        # Its place in the queue to DIAN, in the same transaction (kiosk/services/dian_outbox.py).
        conn.exec_driver_sql(_INSERT_OUTBOX, {"uuid": new_uuid(), "till_id": self.till_id, "document_id": doc_id,
                                              "state": "built", "attempts": 0, "document_key": "", "last_error": "",
                                              "rule_codes": "", "created_at": stamp(at), "updated_at": stamp(at)})
        return IssuedDocument(doc_id, uuid, kind, resolution.prefix, number, sale_id, total, tax, buyer, resolution)

    # --- credit notes (returns and voids, issue 14) ----------------------------------
    def check_credit(self, sale_id: int, lines: Sequence[CreditLine] | None = None,
                     day: date | None = None) -> StoredDocument:
        """Before a return or void takes any money back: the document it will correct.
        Raises what ``issue_credit_note`` would (no document, another till's, nothing
        or too much to credit, no credit-note numbering)."""
        with self.db.read() as s:
            conn = s.connection()
            original = self._original(conn, sale_id)
            self._credit_lines(conn, original, lines)
        self.numbering.current(NumberingKind.CREDIT, day or self.numbering.today())
        return original

    def issue_credit_note(self, conn: Connection, *, sale_id: int, lines: Sequence[CreditLine] | None,
                          origin: str, user_id: int, at: datetime | None = None) -> IssuedDocument:
        """Inside the return's or void's own write transaction (``conn``): the credit
        note for ``lines`` of the sale's document (``None``: everything not credited
        yet, as a void does), numbered from this till's credit-note resolution — a
        *nota de ajuste* (94) for a POS document, a *nota crédito* (91) for an
        invoice — with the same buyer, referring to the original. A line's amount is
        its share of the sold line (the rest of it when the whole rest is credited,
        so credits never add up to more than was sold).

        ``origin``: "return" (concept 1, partial return) or "void" (concept 2,
        annulment). Raises FiscalDocumentMissing, ForeignTillDocument (the document
        is another till's), CreditLineUnknown, CreditTooLarge, NothingToCredit or
        NumberingUnavailable; the caller's transaction then writes nothing."""
        if origin not in ("return", "void"):
            raise ValueError("origin must be 'return' or 'void'")
        at = at or self.clock()
        original = self._original(conn, sale_id)
        credited = self._credit_lines(conn, original, lines)
        kind = (f.DocumentKind.INVOICE_CREDIT_NOTE if original.kind is f.DocumentKind.INVOICE
                else f.DocumentKind.POS_ADJUSTMENT_CREDIT)
        concept = f.CreditNoteConcept.ANNULMENT if origin == "void" else f.CreditNoteConcept.PARTIAL_RETURN
        return self._write(conn, kind=kind, numbering=NumberingKind.CREDIT, sale_id=sale_id, user_id=user_id, at=at,
                           origin=origin, corrects_id=original.id, concept=concept.value, buyer=original.buyer,
                           lines=credited)

    def _original(self, conn: Connection, sale_id: int) -> StoredDocument:
        row = conn.exec_driver_sql(
            _SELECT_DOC + " WHERE d.sale_id = ? AND d.corrects_id IS NULL", (sale_id,)).first()
        if row is None:
            number = conn.exec_driver_sql("SELECT number FROM sales WHERE id = ?", (sale_id,)).scalar()
            raise FiscalDocumentMissing(reference=sale_reference(number) if number else f"#{sale_id}")
        doc = self._document(conn, row)
        if doc.till_id != self.till_id:
            till = conn.exec_driver_sql("SELECT name FROM tills WHERE id = ?", (doc.till_id,)).scalar()
            raise ForeignTillDocument(document=doc.document_number, till=till or doc.till_id)
        return doc

    def _credit_lines(self, conn: Connection, original: StoredDocument,
                      wanted: Sequence[CreditLine] | None) -> list[DocumentLine]:
        """The credit note's lines: what is asked, checked against what is left."""
        done: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for sale_line_id, qty, total, tax in conn.exec_driver_sql(
                "SELECT l.sale_line_id, SUM(l.quantity), SUM(l.line_total), SUM(l.tax_amount) "
                "FROM fiscal_document_lines l JOIN fiscal_documents d ON d.id = l.document_id "
                "WHERE d.corrects_id = ? GROUP BY l.sale_line_id", (original.id,)):
            done[sale_line_id] = [qty, total, tax]
        by_line = {ln.sale_line_id: ln for ln in original.lines}
        if wanted is None:
            wanted = [CreditLine(ln.sale_line_id, ln.quantity - done[ln.sale_line_id][0]) for ln in original.lines
                      if ln.quantity > done[ln.sale_line_id][0]]
            if not wanted:
                raise NothingToCredit(document=original.document_number)
        asked: dict[int, int] = defaultdict(int)
        for w in wanted:
            asked[w.sale_line_id] += w.quantity
        out: list[DocumentLine] = []
        for sale_line_id, quantity in asked.items():
            ln = by_line.get(sale_line_id)
            if ln is None or quantity <= 0:
                raise CreditLineUnknown(document=original.document_number, line=sale_line_id)
            qty_done, total_done, tax_done = done[sale_line_id]
            left = ln.quantity - qty_done
            if quantity > left:
                raise CreditTooLarge(document=original.document_number, position=ln.position, name=ln.name,
                                     asked=format_quantity(quantity, ln.uom), left=format_quantity(left, ln.uom))
            if quantity == left:  # the whole rest: exactly what is left, so nothing is credited twice
                total, tax = ln.line_total - total_done, ln.tax_amount - tax_done
            else:
                share = Decimal(quantity) / ln.quantity
                total = min(round_half_up(ln.line_total * share), ln.line_total - total_done)
                tax = min(round_half_up(ln.tax_amount * share), ln.tax_amount - tax_done, total)
            out.append(DocumentLine(position=len(out) + 1, sale_line_id=sale_line_id, sku=ln.sku, name=ln.name,
                                    category=ln.category, gtin=ln.gtin, uom=ln.uom, quantity=quantity,
                                    unit_price=ln.unit_price, line_total=total, tax_rate_bp=ln.tax_rate_bp,
                                    tax_amount=tax))
        return out

    # --- reading ---------------------------------------------------------------------
    def _document(self, conn: Connection, row: Sequence) -> StoredDocument:
        values = dict(zip(_DOC_COLUMNS, row))
        cashier, sale_number = row[len(_DOC_COLUMNS)], row[len(_DOC_COLUMNS) + 1]
        lines = tuple(DocumentLine(position=r[0], sale_line_id=r[1], sku=r[2], name=r[3], category=r[4], gtin=r[5],
                                   uom=Uom(r[6]), quantity=r[7], unit_price=r[8], line_total=r[9], tax_rate_bp=r[10],
                                   tax_amount=r[11])
                      for r in conn.exec_driver_sql(_SELECT_LINES, (values["id"],)))
        resolution = read_resolutions(conn, resolution_id=values["numbering_id"])[0]
        payments = tuple(Payment(PaymentMethod(m), a, t, c, ref) for m, a, t, c, ref in conn.exec_driver_sql(
            "SELECT method, amount, tendered, change, reference FROM payments WHERE sale_id = ? ORDER BY id",
            (values["sale_id"],)))
        buyer = Buyer(f.IdType(values["buyer_id_type"]), values["buyer_id_number"], values["buyer_dv"],
                      values["buyer_person"], values["buyer_name"], values["buyer_email"], values["customer_id"])
        return StoredDocument(
            id=values["id"], uuid=values["uuid"], till_id=values["till_id"], kind=f.DocumentKind(values["type_code"]),
            prefix=values["prefix"], number=values["number"], issued_at=_when(values["issued_at"]), cashier=cashier,
            sale_id=values["sale_id"], sale_number=sale_number, origin=values["origin"],
            corrects_id=values["corrects_id"], concept=values["concept"], buyer=buyer, total=values["total"],
            tax_total=values["tax_total"], lines=lines, resolution=resolution, payments=payments)

    def document(self, document_id: int) -> StoredDocument:
        with self.db.read() as s:
            conn = s.connection()
            row = conn.exec_driver_sql(_SELECT_DOC + " WHERE d.id = ?", (document_id,)).first()
            if row is None:
                raise FiscalDocumentMissing(reference=f"#{document_id}")
            return self._document(conn, row)

    def for_sale(self, sale_id: int) -> list[StoredDocument]:
        """The sale's document first, then the credit notes that correct it, in order."""
        with self.db.read() as s:
            conn = s.connection()
            rows = conn.exec_driver_sql(_SELECT_DOC + " WHERE d.sale_id = ? ORDER BY d.corrects_id IS NOT NULL, d.id",
                                        (sale_id,)).all()
            return [self._document(conn, r) for r in rows]

    def sale_document(self, sale_id: int) -> StoredDocument | None:
        docs = self.for_sale(sale_id)
        return docs[0] if docs and not docs[0].is_credit_note else None

    def find(self, text: str) -> StoredDocument:
        """A document by its number as printed: "CJ1-15", "CJ115" or "CJ1 15"."""
        wanted = "".join(ch for ch in text.upper() if ch.isalnum())
        with self.db.read() as s:
            conn = s.connection()
            for (doc_id,) in conn.exec_driver_sql(
                    "SELECT id FROM fiscal_documents WHERE prefix || number = ? ORDER BY id", (wanted,)):
                row = conn.exec_driver_sql(_SELECT_DOC + " WHERE d.id = ?", (doc_id,)).first()
                return self._document(conn, row)
        raise FiscalDocumentMissing(reference=text)

    # --- the electronic document -----------------------------------------------------
    def electronic_document(self, doc: StoredDocument | int) -> f.FiscalDocument:
        """The stored document as kiosk.core.fiscal's ``FiscalDocument`` (what the
        UBL builder, the signature and the printed legal block take)."""
        if isinstance(doc, int):
            doc = self.document(doc)
        reference = None
        concept = None
        if doc.corrects_id is not None:
            original = self.document(doc.corrects_id)
            original_fd = self.electronic_document(original)
            reference = f.BillingReference(number=original_fd.document_number, key=f.document_key(original_fd),
                                           issue_date=original_fd.local_issued_at.date(), document_type=original.kind)
            concept = f.CreditNoteConcept(doc.concept)
        return to_fiscal_document(doc, self.settings, environment=self.environment, decimals=self.decimals,
                                  billing_reference=reference, concept=concept)

    def document_key(self, doc: StoredDocument | int) -> str:
        return key_of(self.electronic_document(doc))

    # --- what is printed -------------------------------------------------------------
    def tax_names(self, rates: Sequence[int]) -> dict[int, str]:
        """How the printed document names each rate's tax: "IVA 19 %", "INC 8 %", "Excluido"."""
        return {rate: tax_name(rate, self.settings) for rate in rates}

    def printed(self, receipt: Receipt, doc: StoredDocument) -> Receipt:
        """``receipt`` as the fiscal document prints it: DIAN's legal block (title,
        seller and its fiscal qualities, buyer, number, resolution, payment, software,
        till; the CUDE/CUFE and its QR once the software PIN is configured), each
        item's code, category, unit and tax, and the tax breakdown by name."""
        electronic = self.electronic_document(doc) if doc.id else to_fiscal_document(
            doc, self.settings, environment=self.environment, decimals=self.decimals)
        categories = {ln.position: ln.category for ln in doc.lines}
        lines = tuple(replace(ln, category=categories.get(i + 1, ln.category)) for i, ln in enumerate(receipt.lines))
        rates = sorted({ln.tax_rate_bp for ln in doc.lines} | {t.rate_bp for t in receipt.taxes})
        return replace(receipt, lines=lines, fiscal=f.print_block(electronic, key_of(electronic)),
                       tax_names=self.tax_names(rates))

    def credit_note_receipt_in(self, conn: Connection, document_id: int, shop: ShopInfo) -> Receipt:
        """The credit note just issued in ``conn``'s transaction, on paper (its own
        ticket is stored in that transaction too: the customer gets its number and
        CUDE/CUFE with the return or void)."""
        row = conn.exec_driver_sql(_SELECT_DOC + " WHERE d.id = ?", (document_id,)).first()
        if row is None:
            raise FiscalDocumentMissing(reference=f"#{document_id}")
        return self.credit_note_receipt(self._document(conn, row), shop)

    def credit_note_receipt(self, doc: StoredDocument | int, shop: ShopInfo) -> Receipt:
        """A credit note on paper (issue 14 prints it with the return or void)."""
        if isinstance(doc, int):
            doc = self.document(doc)
        lines = tuple(ReceiptLine(name=ln.name, sku=ln.sku, quantity=ln.quantity, uom=ln.uom, unit_price=ln.unit_price,
                                  total=ln.line_total, tax_rate_bp=ln.tax_rate_bp, category=ln.category)
                      for ln in doc.lines)
        receipt = Receipt(shop=shop, number=doc.sale_number, issued_at=to_local(doc.issued_at), cashier=doc.cashier,
                          lines=lines, taxes=tuple(breakdown((ln.tax_rate_bp, ln.line_total) for ln in doc.lines)),
                          total=doc.total)
        return self.printed(receipt, doc)


# --- mapping (pure: settings and a stored document -> kiosk.core.fiscal) ---------------

def key_of(document: f.FiscalDocument) -> str:
    """The document's CUDE/CUFE; "" while the software PIN (or, for an invoice, the
    range's technical key) is not configured: then nothing is printed for it."""
    if not document.software.pin and not document.kind.uses_cufe:
        return ""
    try:
        return f.document_key(document)
    except TechnicalKeyMissing:
        return ""


def tax_name(rate_bp: int, s: FiscalSettings) -> str:
    kind, rate = tax_kind(rate_bp, s)
    if kind is f.TaxKind.EXCLUDED:
        return _("Excluded")
    if rate == 0:
        return _("IVA 0 % (exempt)")
    return (_("INC {rate}") if kind is f.TaxKind.INC else _("IVA {rate}")).format(rate=format_rate(rate))


def seller_party(s: FiscalSettings) -> f.SellerParty:
    address = f.Address(city_code=s.city_code, city_name=s.city_name, department=s.department,
                        department_code=s.city_code[:2], line=s.address)
    return f.SellerParty(nit=s.nit, dv=s.dv, person=f.PersonKind.LEGAL if s.person == "legal" else f.PersonKind.NATURAL,
                         legal_name=s.legal_name, trade_name=s.trade_name or s.legal_name,
                         responsibilities=tuple(s.responsibilities), address=address, email=s.email, phone=s.phone,
                         tax_scheme=s.tax_scheme)


def software_data(s: FiscalSettings) -> f.SoftwareData:
    return f.SoftwareData(provider_nit=s.software_provider_nit or s.nit,
                          provider_dv=s.software_provider_dv if s.software_provider_nit else s.dv,
                          software_id=s.software_id, pin=s.software_pin, maker_name=s.software_maker,
                          maker_company=s.software_maker_company or s.legal_name, software_name=s.software_name)


def buyer_party(b: Buyer) -> f.BuyerParty:
    if b.is_consumidor_final:
        return f.BuyerParty.consumidor_final()
    legal = b.person == "legal"
    return f.BuyerParty(id_type=b.id_type, id_number=b.id_number, name=b.name, dv=b.dv,
                        person=f.PersonKind.LEGAL if legal else f.PersonKind.NATURAL, email=b.email)


def tax_kind(rate_bp: int, s: FiscalSettings) -> tuple[f.TaxKind, int]:
    """A product's rate as DIAN's tax: INC for ``inc_rates``, else IVA; 0 % excluded
    or exempt (IVA 0) as ``zero_rate`` says."""
    if rate_bp == 0:
        return (f.TaxKind.EXCLUDED, 0) if s.zero_rate == "excluded" else (f.TaxKind.IVA, 0)
    return (f.TaxKind.INC if rate_bp in s.inc_rates_bp else f.TaxKind.IVA), rate_bp


def fiscal_lines(lines: Sequence[DocumentLine], s: FiscalSettings) -> tuple[f.FiscalLine, ...]:
    out = []
    for ln in lines:
        kind, rate = tax_kind(ln.tax_rate_bp, s)
        out.append(f.FiscalLine(position=ln.position, code=ln.sku, description=ln.name, category=ln.category,
                                quantity=ln.quantity, uom=ln.uom, unit_price=ln.unit_price,
                                line_extension=ln.line_total - ln.tax_amount, tax_kind=kind, rate_bp=rate,
                                tax_amount=ln.tax_amount, gtin=ln.gtin))
    return tuple(out)


def resolution_of(r: Resolution) -> f.NumberingResolution:
    return f.NumberingResolution(number=r.resolution, issued_on=r.resolution_date, valid_from=r.valid_from,
                                 valid_to=r.valid_to, prefix=r.prefix, range_from=r.range_from, range_to=r.range_to,
                                 technical_key=r.technical_key)


def to_fiscal_document(doc: StoredDocument, s: FiscalSettings, *, environment: f.Environment, decimals: int,
                       billing_reference: f.BillingReference | None = None,
                       concept: f.CreditNoteConcept | None = None) -> f.FiscalDocument:
    till = None
    if doc.kind.is_pos:
        till = f.TillData(plate=s.till_plate, location=s.till_location, cashier=doc.cashier, till_type=s.till_type,
                          sale_code=sale_reference(doc.sale_number))
    payments = tuple(dict.fromkeys(f.PaymentMeans(code=s.means_code(p.method.value)) for p in doc.payments)) or (
        f.PaymentMeans(),)
    return f.FiscalDocument(
        kind=doc.kind, prefix=doc.prefix, number=doc.number, issued_at=doc.issued_at.replace(tzinfo=UTC),
        environment=environment, seller=seller_party(s), buyer=buyer_party(doc.buyer),
        lines=fiscal_lines(doc.lines, s), payments=payments, software=software_data(s),
        resolution=None if doc.kind.is_credit_note else resolution_of(doc.resolution), till=till,
        billing_reference=billing_reference, credit_note_concept=concept, currency="COP", currency_decimals=decimals,
        payable=doc.total)
