"""Checkout as one transaction, and sale history.

A sale's lines, payments, tax breakdown, stock movements and its number are written
in one ``BEGIN IMMEDIATE`` transaction: either all of it is stored or none of it.
Because the write lock is taken before the next number is read and sales are never
deleted (a trigger forbids it), numbers are consecutive with no gaps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import selectinload

from db.engine import Database
from db.models import PrintJob, Sale, SaleLine, SalePayment, SaleTax, StockMovement, new_uuid, utcnow
from db.raw_sql import insert_sql, stamp
from kiosk.core.cart import Cart, CartLine, LineEntry
from kiosk.core.catalog import ProductRef
from kiosk.core.errors import DomainError, OutOfStock, ProductInactive, SaleNotFound
from kiosk.core.payments import Payment, PaymentMethod, Tender, settle
from kiosk.core.permissions import Act
from kiosk.core.receipt import Receipt, ReceiptLine, ShopInfo, sale_reference
from kiosk.core.tax import TaxLine
from kiosk.core.units import SaleMode, Uom, tracks_stock
from kiosk.core.usual import LOOKBACK_DAYS, is_unusual
from kiosk.formatting import format_quantity, local_day_bounds, to_local
from kiosk.i18n import N_, translate
from kiosk.services.access import Access, UserInfo
from kiosk.services.till_sessions import AUTO_OPENED_NOTICE, session_for_sale


class PriceChangedMeanwhile(DomainError):
    code = "price_changed_meanwhile"
    template = N_("The price of {name} changed just now: nothing was stored. Check the cart and charge again.")


@dataclass(frozen=True)
class SaleResult:
    sale_id: int
    number: int
    total: int
    change: int
    payments: tuple[Payment, ...]
    warnings: tuple[str, ...] = ()
    print_job: int | None = None  # the receipt's job, stored in the sale's transaction
    # Products whose low-stock mark this sale changed, as (product id, low now): worked
    # out in the sale's transaction from the rows it read, so the selling screen updates
    # its tiles and badge without reading back what the sale just wrote.
    low_changes: tuple[tuple[int, bool], ...] = ()

    @property
    def reference(self) -> str:
        return sale_reference(self.number)


@dataclass(frozen=True)
class SaleSummary:
    id: int
    number: int
    created_at: datetime  # local, aware
    cashier: str
    methods: tuple[PaymentMethod, ...]
    total: int
    status: str


@dataclass(frozen=True)
class SaleDetail:
    summary: SaleSummary
    lines: tuple[ReceiptLine, ...]
    payments: tuple[Payment, ...]
    taxes: tuple[TaxLine, ...]
    subtotal: int
    tax_total: int
    change: int

    @property
    def number(self) -> int:
        return self.summary.number

    @property
    def total(self) -> int:
        return self.summary.total


# Checkout is the till's hot path: its statements are plain SQL text (db/raw_sql.py),
# checked against the models when this loads, run on the transaction's own sqlite3
# connection: SQLAlchemy's statement and result handling cost about as much again as
# SQLite's work for the sale's rows (issue 18's checkout_ratio).
_SELLER = "SELECT name, role, active FROM users WHERE id = ?"


class _Current(NamedTuple):
    """A product as the sale's transaction reads it."""

    id: int
    name: str
    active: bool
    stock: int
    low_stock: int
    sale_mode: str
    uom: str
    price: int
    tax_rate_bp: int


_CURRENT_PRODUCTS = f"SELECT {', '.join(_Current._fields)} FROM products WHERE id IN ({{marks}})"
# The next number is read inside the INSERT, under the write lock BEGIN IMMEDIATE took.
_INSERT_SALE = insert_sql(Sale.__table__, "uuid created_at user_id status subtotal tax_total total change_total "
                                          "currency discount discount_reason session_id",
                          computed={"number": "(SELECT COALESCE(MAX(number), 0) + 1 FROM sales)"},
                          returning="id, number")
_INSERT_LINE = insert_sql(SaleLine.__table__, "sale_id position product_id sku name sale_mode uom unit_price "
                                              "tax_rate_bp quantity line_total tax_amount entry tare list_total "
                                              "discount discount_reason catalog_price")
_INSERT_TAX = insert_sql(SaleTax.__table__, "sale_id rate_bp gross tax")
_INSERT_PAYMENT = insert_sql(SalePayment.__table__, "sale_id method amount tendered change reference")
_INSERT_MOVEMENT = insert_sql(StockMovement.__table__, "uuid product_id quantity reason detail reference sale_id "
                                                       "unit_cost user_id created_at")

# Called inside the sale's transaction, after its rows, with (connection, sale id,
# sale number): writes what must exist if and only if the sale does (its receipt's
# print job) and returns that row's id.
Alongside = Callable[[Connection, int, int], "int | None"]


@dataclass(frozen=True)
class PreparedSale:
    """A paid cart worked out before anything is written: totals, payments, taxes,
    the time and the UUID the sale will have. Storing it twice is impossible (the
    UUID is unique), so a failed attempt can be retried safely."""

    uuid: str
    user_id: int
    created_at: datetime  # naive UTC
    lines: tuple[CartLine, ...]
    line_totals: tuple[int, ...]
    line_tax: tuple[int, ...]
    total: int
    tax_total: int
    change: int
    payments: tuple[Payment, ...]
    taxes: tuple[TaxLine, ...]
    needed: tuple[tuple[int, int], ...]  # (product id, base units) per product
    # Discounts (kiosk/core/discounts.py): per line its list total and discount (its
    # own and its share of the sale's); the sale discount and its reason.
    list_totals: tuple[int, ...] = ()
    line_discounts: tuple[int, ...] = ()
    sale_discount: int = 0
    sale_discount_reason: str = ""

    @property
    def cash(self) -> bool:
        return any(p.method is PaymentMethod.CASH for p in self.payments)

    def receipt(self, shop: ShopInfo, number: int, cashier: str) -> Receipt:
        """The receipt this sale will print: the same as one built from the stored sale."""
        discounts = self.line_discounts or (0,) * len(self.lines)
        lines = tuple(ReceiptLine(name=ln.product.name, sku=ln.product.sku, quantity=ln.quantity,
                                  uom=ln.product.uom, unit_price=ln.price, total=total,
                                  tax_rate_bp=ln.product.tax_rate_bp, entry=ln.entry, tare=ln.tare or 0,
                                  discount=discount)
                      for ln, total, discount in zip(self.lines, self.line_totals, discounts))
        return Receipt(shop=shop, number=number, issued_at=to_local(self.created_at), cashier=cashier,
                       lines=lines, taxes=self.taxes, total=self.total, payments=self.payments)


class SalesService:
    def __init__(self, db: Database, *, currency: str = "USD", out_of_stock: str = "warn",
                 clock: Callable[[], datetime] = utcnow, access: Access | None = None,
                 without_session: str = "open"):
        self.db = db
        # No open till session at checkout: "refuse" (NoOpenSession), "open" (one opens
        # itself with a float of 0, and the result says so) or "" (sessions not used).
        self.without_session = without_session
        self.access = access or Access()
        self.currency = currency
        self.out_of_stock = out_of_stock
        self.clock = clock

    def checkout(self, cart: Cart, tenders: Sequence[Tender], user_id: int) -> SaleResult:
        """Store the cart as a sale. Raises a DomainError, writing nothing, when the
        cart is empty, the payments do not cover the total, a product was deactivated
        meanwhile, or (with ``out_of_stock = "refuse"``) stock would go below zero."""
        return self.store(self.prepare(cart, tenders, user_id))

    def prepare(self, cart: Cart, tenders: Sequence[Tender], user_id: int) -> PreparedSale:
        """Everything about the sale that needs no database (raises a DomainError for
        an empty cart or payments that do not cover the total)."""
        cart.require_items()
        lines = cart.lines
        priced = cart.priced()  # tax on the discounted amounts; the lines add up to the total
        line_totals = tuple(p.net for p in priced.lines)
        total = priced.total
        payments = tuple(settle(total, tenders))
        breakdown = tuple(sorted(priced.taxes, key=lambda t: t.rate_bp))
        needed: dict[int, int] = defaultdict(int)
        for ln in lines:
            needed[ln.product.id] += ln.quantity
        return PreparedSale(
            uuid=new_uuid(), user_id=user_id, created_at=self.clock(), lines=lines, line_totals=line_totals,
            line_tax=tuple(p.tax for p in priced.lines), total=total, tax_total=sum(t.tax for t in breakdown),
            change=sum(p.change for p in payments), payments=payments, taxes=breakdown,
            needed=tuple(needed.items()), list_totals=tuple(p.list_total for p in priced.lines),
            line_discounts=tuple(p.discount for p in priced.lines), sale_discount=priced.sale_discount,
            sale_discount_reason=cart.sale_discount.reason if cart.sale_discount is not None else "")

    def store(self, sale: PreparedSale, alongside: Alongside | None = None, *,
              by: UserInfo | None = None) -> SaleResult:
        """Write the sale, and what ``alongside`` writes, in one BEGIN IMMEDIATE
        transaction, which starts with the ``sell`` act checked for the seller as the
        database has them now (``by``, the seller as signed in, may carry a one-time
        authorisation for it: spent when this transaction commits, given back when it
        fails). Raises a DomainError (nothing written) for a seller who may not sell,
        a product deactivated meanwhile or, with ``out_of_stock = "refuse"``, stock
        that would go below zero; an OperationalError (sqlalchemy's or sqlite3's) when
        another writer held the lock too long (``db.engine.is_busy``); an IntegrityError
        if this sale was stored already."""
        lines, line_totals, line_tax, user_id = sale.lines, sale.line_totals, sale.line_tax, sale.user_id
        needed = dict(sale.needed)
        warnings: list[str] = []
        created = stamp(sale.created_at)
        by = by if by is not None and by.id == user_id else None
        grant = None
        try:
            with self.db.write_connection() as conn:
                raw = conn.connection.driver_connection  # the same transaction, without SQLAlchemy's layer
                seller = raw.execute(_SELLER, (user_id,)).fetchone()  # the ``sell`` act, as of now
                grant = self.access.check_role(*(seller or (str(user_id), "", False)), Act.SELL, by=by,
                                               authoriser=lambda uid: raw.execute(_SELLER, (uid,)).fetchone())
                session_id, opened_now = session_for_sale(conn, self.without_session, user_id, sale.created_at)
                ids = tuple(needed)
                current = {r.id: r for r in map(_Current._make, raw.execute(
                    _CURRENT_PRODUCTS.format(marks=", ".join("?" * len(ids))), ids))}
                for pid, quantity in needed.items():
                    row = current.get(pid)
                    if row is None or not row.active:
                        name = row.name if row else next(ln.product.name for ln in lines if ln.product.id == pid)
                        raise ProductInactive(name=name)
                    if any(ln.product.id == pid
                           and (ln.product.price, ln.product.tax_rate_bp) != (row.price, row.tax_rate_bp)
                           for ln in lines):
                        raise PriceChangedMeanwhile(name=row.name)
                    if tracks_stock(SaleMode(row.sale_mode)) and row.stock < quantity:
                        available = format_quantity(max(row.stock, 0), Uom(row.uom))
                        if self.out_of_stock == "refuse":
                            raise OutOfStock(name=row.name, available=available)
                        warnings.append(translate(N_("Stock of {name} is now below zero ({available} were left)."))
                                        .format(name=row.name, available=available))
                if opened_now:
                    warnings.append(translate(AUTO_OPENED_NOTICE))
                sale_id, number = raw.execute(_INSERT_SALE, {
                    "uuid": sale.uuid, "created_at": created, "user_id": user_id, "status": "completed",
                    "subtotal": sale.total - sale.tax_total, "tax_total": sale.tax_total, "total": sale.total,
                    "change_total": sale.change, "currency": self.currency, "discount": sale.sale_discount,
                    "discount_reason": sale.sale_discount_reason, "session_id": session_id}).fetchone()
                raw.executemany(_INSERT_LINE, [
                    {"sale_id": sale_id, "position": i, "product_id": ln.product.id, "sku": ln.product.sku,
                     "name": ln.product.name, "sale_mode": ln.product.sale_mode.value, "uom": ln.product.uom.value,
                     "unit_price": ln.price, "tax_rate_bp": ln.product.tax_rate_bp,
                     "quantity": ln.quantity, "line_total": line_totals[i], "tax_amount": line_tax[i],
                     "entry": ln.entry.value, "tare": ln.tare,
                     "list_total": sale.list_totals[i] if sale.list_totals else line_totals[i],
                     "discount": sale.line_discounts[i] if sale.line_discounts else 0,
                     "discount_reason": "; ".join(x for x in (
                         ln.discount.reason if ln.discount else "", ln.override_reason) if x)[:64],
                     "catalog_price": ln.product.price if ln.override_price is not None else None}
                    for i, ln in enumerate(lines)])
                raw.executemany(_INSERT_TAX, [
                    {"sale_id": sale_id, "rate_bp": t.rate_bp, "gross": t.gross, "tax": t.tax} for t in sale.taxes])
                raw.executemany(_INSERT_PAYMENT, [
                    {"sale_id": sale_id, "method": p.method.value, "amount": p.amount, "tendered": p.tendered,
                     "change": p.change, "reference": p.reference} for p in sale.payments])
                reference = sale_reference(number)
                movements = [
                    {"uuid": new_uuid(), "product_id": pid, "quantity": -quantity, "reason": "sale", "detail": "",
                     "reference": reference, "sale_id": sale_id, "unit_cost": None, "user_id": user_id,
                     "created_at": created}
                    for pid, quantity in needed.items()
                    if tracks_stock(SaleMode(current[pid].sale_mode))]
                if movements:
                    raw.executemany(_INSERT_MOVEMENT, movements)
                low_changes = tuple(
                    (m["product_id"], low_after) for m in movements
                    if (low_after := _is_low(current[m["product_id"]].stock + m["quantity"],
                                             current[m["product_id"]].low_stock))
                    != _is_low(current[m["product_id"]].stock, current[m["product_id"]].low_stock))
                job_id = alongside(conn, sale_id, number) if alongside is not None else None
        except BaseException:
            if grant is not None:
                grant.release()
            raise
        if grant is not None:
            grant.spend()
        return SaleResult(sale_id, number, sale.total, sale.change, sale.payments, tuple(warnings), job_id,
                          low_changes)

    def stored(self, sale_uuid: str) -> SaleResult | None:
        """The sale with this UUID if it was stored (a retry after an error whose
        outcome was unknown asks this before writing again)."""
        with self.db.read() as s:
            sale = s.scalars(select(Sale).options(selectinload(Sale.payments))
                             .where(Sale.uuid == sale_uuid)).first()
            if sale is None:
                return None
            job_id = s.scalar(select(PrintJob.id).where(PrintJob.sale_id == sale.id, PrintJob.kind == "receipt")
                              .order_by(PrintJob.id).limit(1))
            return SaleResult(sale.id, sale.number, sale.total, sale.change_total,
                              tuple(_payment(p) for p in sale.payments), (), job_id)

    # --- history ------------------------------------------------------------------
    def history(self, start: datetime | None = None, end: datetime | None = None,
                limit: int = 1000) -> list[SaleSummary]:
        """Sales between two naive-UTC instants, newest first."""
        stmt = select(Sale).options(selectinload(Sale.payments)).order_by(Sale.number.desc()).limit(limit)
        if start is not None:
            stmt = stmt.where(Sale.created_at >= start)
        if end is not None:
            stmt = stmt.where(Sale.created_at < end)
        with self.db.read() as s:
            return [self._summary(sale) for sale in s.scalars(stmt).unique()]

    def day(self, day: date) -> list[SaleSummary]:
        start, end = local_day_bounds(day)
        return self.history(start, end)

    def days_with_sales(self, limit: int = 60) -> list[date]:
        with self.db.read() as s:
            stamps = s.scalars(select(Sale.created_at).order_by(Sale.created_at.desc()).limit(5000)).all()
        return list(dict.fromkeys(to_local(stamp).date() for stamp in stamps))[:limit]

    def detail(self, *, sale_id: int | None = None, number: int | None = None) -> SaleDetail:
        stmt = select(Sale).options(selectinload(Sale.lines), selectinload(Sale.payments),
                                    selectinload(Sale.taxes))
        stmt = stmt.where(Sale.id == sale_id) if sale_id is not None else stmt.where(Sale.number == number)
        with self.db.read() as s:
            sale = s.scalars(stmt).first()
            if sale is None:
                raise SaleNotFound(number=number if number is not None else f"id {sale_id}")
            lines = tuple(ReceiptLine(name=ln.name, sku=ln.sku, quantity=ln.quantity, uom=Uom(ln.uom),
                                      unit_price=ln.unit_price, total=ln.line_total,
                                      tax_rate_bp=ln.tax_rate_bp, entry=LineEntry(ln.entry),
                                      tare=ln.tare or 0, discount=ln.discount or 0)
                          for ln in sale.lines)
            return SaleDetail(
                summary=self._summary(sale), lines=lines,
                payments=tuple(_payment(p) for p in sale.payments),
                taxes=tuple(TaxLine(t.rate_bp, t.gross, t.tax) for t in sale.taxes),
                subtotal=sale.subtotal, tax_total=sale.tax_total, change=sale.change_total)

    def largest_recent_quantity(self, product_id: int, days: int = LOOKBACK_DAYS) -> int:
        """The largest quantity (base units) of this product on one line of a sale in
        the last ``days`` days; 0 when none (what "far above the usual" is measured by,
        kiosk/core/usual.py)."""
        since = self.clock() - timedelta(days=days)
        with self.db.read() as s:
            return s.scalar(select(func.max(SaleLine.quantity)).join(Sale, Sale.id == SaleLine.sale_id)
                            .where(SaleLine.product_id == product_id, Sale.created_at >= since,
                                   Sale.status == "completed")) or 0

    def is_unusual(self, product: ProductRef, quantity: int) -> bool:
        """Whether ``quantity`` of ``product`` is far above what it usually sells in, so
        the cashier should confirm it (kiosk/core/usual.py says how far)."""
        return is_unusual(quantity, product.base_unit, self.largest_recent_quantity(product.id))

    def last_number(self) -> int:
        # The reader's plain SELECT (the checkout screen asks it each time it opens).
        return self.db.reader().execute("SELECT max(number) FROM sales").fetchone()[0] or 0

    @staticmethod
    def _summary(sale: Sale) -> SaleSummary:
        methods = tuple(dict.fromkeys(PaymentMethod(p.method) for p in sale.payments))
        return SaleSummary(sale.id, sale.number, to_local(sale.created_at), sale.user.name if sale.user else "",
                           methods, sale.total, sale.status)


def _payment(p: SalePayment) -> Payment:
    return Payment(PaymentMethod(p.method), p.amount, p.tendered, p.change, p.reference)




def _is_low(stock: int, level: int) -> bool:
    """ProductRef.is_low for a product that keeps stock (db.models.LOW_STOCK_WHERE)."""
    return level > 0 and stock <= level
