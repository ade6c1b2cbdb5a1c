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
from datetime import date, datetime

from sqlalchemy import DateTime, Table, func, select
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.orm import selectinload

from db.engine import Database
from db.models import Product, Sale, SaleLine, SalePayment, SaleTax, StockMovement, new_uuid, utcnow
from kiosk.core import tax as taxes
from kiosk.core.cart import Cart, LineEntry
from kiosk.core.errors import OutOfStock, ProductInactive, SaleNotFound
from kiosk.core.payments import Payment, PaymentMethod, Tender, settle
from kiosk.core.permissions import Act
from kiosk.core.receipt import ReceiptLine, sale_reference
from kiosk.core.tax import TaxLine
from kiosk.core.units import SaleMode, Uom, tracks_stock
from kiosk.formatting import format_quantity, local_day_bounds, to_local
from kiosk.i18n import N_, translate
from kiosk.services.access import Access


@dataclass(frozen=True)
class SaleResult:
    sale_id: int
    number: int
    total: int
    change: int
    payments: tuple[Payment, ...]
    warnings: tuple[str, ...] = ()

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


# Checkout is the till's hot path: its statements are plain SQL text run with
# exec_driver_sql, because compiling Core statements per sale cost about as much as
# SQLite's own work. Column names are checked against the models when this loads.
def _insert(table: Table, columns: str, *, computed: dict[str, str] | None = None, returning: str = "") -> str:
    """INSERT text with a named parameter per column in ``columns`` (space-separated)
    and SQL expressions for the ``computed`` ones."""
    values = dict(computed or {}) | {c: ":" + c for c in columns.split()}
    missing = [c for c in values if c not in table.c]
    if missing:
        raise LookupError(f"{table.name} has no column {missing}")
    return (f"INSERT INTO {table.name} ({', '.join(values)}) VALUES ({', '.join(values.values())})"
            + (f" RETURNING {returning}" if returning else ""))


_SELLER = "SELECT name, role, active FROM users WHERE id = ?"
_CURRENT_PRODUCTS = "SELECT id, name, active, stock, sale_mode, uom FROM products WHERE id IN ({marks})"
# The next number is read inside the INSERT, under the write lock BEGIN IMMEDIATE took.
_INSERT_SALE = _insert(Sale.__table__, "uuid created_at user_id status subtotal tax_total total change_total currency",
                       computed={"number": "(SELECT COALESCE(MAX(number), 0) + 1 FROM sales)"},
                       returning="id, number")
_INSERT_LINE = _insert(SaleLine.__table__, "sale_id position product_id sku name sale_mode uom unit_price "
                                           "tax_rate_bp quantity line_total tax_amount entry tare")
_INSERT_TAX = _insert(SaleTax.__table__, "sale_id rate_bp gross tax")
_INSERT_PAYMENT = _insert(SalePayment.__table__, "sale_id method amount tendered change reference")
_INSERT_MOVEMENT = _insert(StockMovement.__table__, "uuid product_id quantity reason detail reference sale_id "
                                                    "unit_cost user_id created_at")
# Times as the ORM stores them (naive UTC text), so history queries compare like with like.
_STAMP = DateTime().dialect_impl(sqlite_dialect()).bind_processor(sqlite_dialect())


class SalesService:
    def __init__(self, db: Database, *, currency: str = "USD", out_of_stock: str = "warn",
                 clock: Callable[[], datetime] = utcnow, access: Access | None = None):
        self.db = db
        self.access = access or Access()
        self.currency = currency
        self.out_of_stock = out_of_stock
        self.clock = clock

    def checkout(self, cart: Cart, tenders: Sequence[Tender], user_id: int) -> SaleResult:
        """Store the cart as a sale. Raises a DomainError, writing nothing, when the
        cart is empty, the payments do not cover the total, a product was deactivated
        meanwhile, or (with ``out_of_stock = "refuse"``) stock would go below zero."""
        cart.require_items()
        lines = cart.lines
        line_totals = [ln.total for ln in lines]
        total = sum(line_totals)
        payments = settle(total, tenders)
        rated = [(ln.product.tax_rate_bp, t) for ln, t in zip(lines, line_totals)]
        breakdown = taxes.breakdown(rated)
        line_tax = taxes.line_taxes(rated)
        tax_total = sum(t.tax for t in breakdown)
        change = sum(p.change for p in payments)
        needed: dict[int, int] = defaultdict(int)
        for ln in lines:
            needed[ln.product.id] += ln.quantity
        warnings: list[str] = []
        now = self.clock()

        # Core statements built once (below), no ORM session: checkout is the till's hot path.
        stamp = _STAMP(now)
        with self.db.write_connection() as conn:
            seller = conn.exec_driver_sql(_SELLER, (user_id,)).one_or_none()  # the ``sell`` act, as of now
            self.access.check_role(*(seller or (str(user_id), "", False)), Act.SELL)
            ids = tuple(needed)
            current = {r.id: r for r in conn.exec_driver_sql(
                _CURRENT_PRODUCTS.format(marks=", ".join("?" * len(ids))), ids)}
            for pid, quantity in needed.items():
                row = current.get(pid)
                if row is None or not row.active:
                    name = row.name if row else next(ln.product.name for ln in lines if ln.product.id == pid)
                    raise ProductInactive(name=name)
                if tracks_stock(SaleMode(row.sale_mode)) and row.stock < quantity:
                    available = format_quantity(max(row.stock, 0), Uom(row.uom))
                    if self.out_of_stock == "refuse":
                        raise OutOfStock(name=row.name, available=available)
                    warnings.append(translate(N_("Stock of {name} is now below zero ({available} were left)."))
                                    .format(name=row.name, available=available))
            sale_id, number = conn.exec_driver_sql(_INSERT_SALE, {
                "uuid": new_uuid(), "created_at": stamp, "user_id": user_id, "status": "completed",
                "subtotal": total - tax_total, "tax_total": tax_total, "total": total, "change_total": change,
                "currency": self.currency}).one()
            conn.exec_driver_sql(_INSERT_LINE, [
                {"sale_id": sale_id, "position": i, "product_id": ln.product.id, "sku": ln.product.sku,
                 "name": ln.product.name, "sale_mode": ln.product.sale_mode.value, "uom": ln.product.uom.value,
                 "unit_price": ln.product.price, "tax_rate_bp": ln.product.tax_rate_bp,
                 "quantity": ln.quantity, "line_total": line_totals[i], "tax_amount": line_tax[i],
                 "entry": ln.entry.value, "tare": ln.tare}
                for i, ln in enumerate(lines)])
            conn.exec_driver_sql(_INSERT_TAX, [
                {"sale_id": sale_id, "rate_bp": t.rate_bp, "gross": t.gross, "tax": t.tax} for t in breakdown])
            conn.exec_driver_sql(_INSERT_PAYMENT, [
                {"sale_id": sale_id, "method": p.method.value, "amount": p.amount, "tendered": p.tendered,
                 "change": p.change, "reference": p.reference} for p in payments])
            reference = sale_reference(number)
            movements = [
                {"uuid": new_uuid(), "product_id": pid, "quantity": -quantity, "reason": "sale", "detail": "",
                 "reference": reference, "sale_id": sale_id, "unit_cost": None, "user_id": user_id,
                 "created_at": stamp}
                for pid, quantity in needed.items()
                if tracks_stock(SaleMode(current[pid].sale_mode))]
            if movements:
                conn.exec_driver_sql(_INSERT_MOVEMENT, movements)
        return SaleResult(sale_id, number, total, change, tuple(payments), tuple(warnings))

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
                                      tare=ln.tare or 0)
                          for ln in sale.lines)
            return SaleDetail(
                summary=self._summary(sale), lines=lines,
                payments=tuple(_payment(p) for p in sale.payments),
                taxes=tuple(TaxLine(t.rate_bp, t.gross, t.tax) for t in sale.taxes),
                subtotal=sale.subtotal, tax_total=sale.tax_total, change=sale.change_total)

    def last_number(self) -> int:
        with self.db.read() as s:
            return s.scalar(select(func.max(Sale.number))) or 0

    @staticmethod
    def _summary(sale: Sale) -> SaleSummary:
        methods = tuple(dict.fromkeys(PaymentMethod(p.method) for p in sale.payments))
        return SaleSummary(sale.id, sale.number, to_local(sale.created_at), sale.user.name if sale.user else "",
                           methods, sale.total, sale.status)


def _payment(p: SalePayment) -> Payment:
    return Payment(PaymentMethod(p.method), p.amount, p.tendered, p.change, p.reference)


