"""Returns and voids (issue 14): documents that give money and goods back.

A **return** takes some quantity of some lines of a sale (part of a bulk line too)
back: the most that can come back of a line is what was sold minus what earlier
returns took. Each returned quantity is refunded at what the customer paid for it
(kiosk/core/refunds.py), by the sale's own payment method unless someone allowed to
refund by another method chose one; it goes back to stock or, by reason (damaged,
expired), to waste. The return is its own document: a gap-free number, a UUID and the
till's id, the cashier and who authorised it, lines, refund payments and reason,
written with its stock movements, its ticket (*DEVOLUCIÓN*, the drawer opened for
cash), its audit row and, with the fiscal profile on, its credit note, in **one**
``BEGIN IMMEDIATE`` transaction: all of it or nothing.

A **void** cancels a whole sale while it may still be voided (``void_window_open``):
the sale keeps its number with status ``voided``, its stock comes back, a void
document and an *ANULACIÓN* ticket are written, in one transaction too. A voided
sale cannot be returned; a sale with a return cannot be voided.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import Connection

from db.engine import Database
from db.models import LOCAL_TILL_ID, new_uuid, utcnow
from db.raw_sql import stamp
from kiosk.core.drawer import DrawerPolicy
from kiosk.core.errors import SaleNotFound
from kiosk.core.payments import Payment, PaymentMethod, method_label
from kiosk.core.permissions import Act
from kiosk.core.receipt import Receipt, ReceiptLine, ShopInfo, return_reference, sale_reference
from kiosk.core.refunds import SoldLine, refund, split_refund
from kiosk.core.returns_errors import (
    RefundMethodNotPermitted,
    ReturnLineUnknown,
    ReturnNothing,
    ReturnNotFound,
    ReturnQuantityTooLarge,
    ReturnReasonRequired,
    SaleAlreadyVoided,
    SaleHasReturns,
    SaleIsVoided,
    VoidNotAllowedNow,
    VoidReasonRequired,
)
from kiosk.core.tax import TaxLine
from kiosk.core.units import SaleMode, Uom, tracks_stock
from kiosk.formatting import format_quantity, local_day_bounds, to_local
from kiosk.i18n import N_, translate
from kiosk.services import audit
from kiosk.services.access import TECHNICIAN, Access, Authority, UserInfo
from kiosk.services.fiscal_documents import CreditLine, FiscalDocuments
from kiosk.services.printing import PrintQueue

log = logging.getLogger(__name__)


class CashDrawer(Protocol):
    def open_for_sale(self, sale_id: int) -> bool: ...


# Why goods come back, and where they go: back on the shelf, or to waste.
from kiosk.core.refunds import RETURN_REASONS  # noqa: E402 - re-exported: the services and the CLI share it
REASON_LABELS = {"damaged": N_("damaged"), "expired": N_("expired"), "wrong_product": N_("wrong product"),
                 "changed_mind": N_("customer changed mind")}


def reason_label(reason: str, language: str | None = None) -> str:
    return translate(REASON_LABELS.get(reason, reason), language)


def reasons_text() -> str:
    return ", ".join(f"{r} ({reason_label(r)})" for r in RETURN_REASONS)


def void_window_open(sale_created_at: datetime, sale_till_id: int, now: datetime, till_id: int,
                     session_status: str | None = None) -> bool:
    """Whether a sale may still be voided: at its own till while its till session is
    open (after *Cerrar caja* its money is counted: a return is the way then). A sale
    rung up before till sessions existed has none: then on its own business day. The
    one place this rule lives."""
    if sale_till_id != till_id:
        return False
    if session_status is not None:
        return session_status == "open"
    return to_local(sale_created_at).date() == to_local(now).date()


@dataclass(frozen=True)
class ReturnableLine:
    sale_line_id: int
    position: int  # 1-based, as printed and typed
    product_id: int
    sku: str
    name: str
    uom: Uom
    sale_mode: SaleMode
    unit_price: int
    tax_rate_bp: int
    sold: int
    net: int  # what the customer paid for the line
    tax: int
    returned: int = 0
    returned_net: int = 0
    returned_tax: int = 0

    @property
    def left(self) -> int:
        return self.sold - self.returned

    def sold_line(self) -> SoldLine:
        return SoldLine(self.sold, self.net, self.tax, self.returned, self.returned_net, self.returned_tax)


@dataclass(frozen=True)
class ReturnSummary:
    id: int
    number: int
    created_at: datetime  # local
    sale_number: int | None
    cashier: str
    authorised_by: str
    reason: str
    total: int
    methods: tuple[str, ...]

    @property
    def reference(self) -> str:
        return return_reference(self.number)


@dataclass(frozen=True)
class ReturnableSale:
    id: int
    number: int
    status: str
    created_at: datetime  # naive UTC
    till_id: int
    total: int
    lines: tuple[ReturnableLine, ...]
    paid: dict[str, int]
    refunded: dict[str, int]
    returns: tuple[ReturnSummary, ...] = ()
    void_reason: str = ""
    session_status: str | None = None  # its till session's: open | closed; None: sold before sessions

    @property
    def reference(self) -> str:
        return sale_reference(self.number)

    @property
    def voided(self) -> bool:
        return self.status == "voided"

    @property
    def fully_returned(self) -> bool:
        return all(ln.left == 0 for ln in self.lines)

    def line(self, position: int) -> ReturnableLine:
        for ln in self.lines:
            if ln.position == position:
                return ln
        raise ReturnLineUnknown(reference=self.reference, position=position)


@dataclass(frozen=True)
class ReturnLineOut:
    position: int
    sale_line_id: int | None
    sku: str
    name: str
    uom: Uom
    unit_price: int
    tax_rate_bp: int
    quantity: int
    refund: int
    tax: int
    restock: bool


@dataclass(frozen=True)
class ReturnDetail:
    summary: ReturnSummary
    lines: tuple[ReturnLineOut, ...]
    payments: tuple[tuple[str, int], ...]
    tax_total: int
    note: str
    uuid: str
    till_id: int


@dataclass(frozen=True)
class ReturnResult:
    return_id: int
    number: int
    total: int
    payments: tuple[tuple[str, int], ...]
    print_job: int | None
    credit_note: str = ""  # the fiscal credit note's number (fiscal profile)

    @property
    def reference(self) -> str:
        return return_reference(self.number)


@dataclass(frozen=True)
class VoidResult:
    sale_id: int
    number: int
    total: int
    print_job: int | None
    credit_note: str = ""


@dataclass
class _Plan:
    lines: list[tuple[ReturnableLine, int, int, int]] = field(default_factory=list)  # line, quantity, refund, tax


_SALE = ("SELECT id, number, status, created_at, till_id, total, "
        "(SELECT t.status FROM till_sessions t WHERE t.id = sales.session_id) FROM sales WHERE {where}")
_LINES = ("SELECT id, position, product_id, sku, name, uom, sale_mode, unit_price, tax_rate_bp, quantity, "
          "line_total, tax_amount FROM sale_lines WHERE sale_id = ? ORDER BY position")
_RETURNED = ("SELECT rl.sale_line_id, SUM(rl.quantity), SUM(rl.refund), SUM(rl.tax_amount) FROM return_lines rl "
             "JOIN returns r ON r.id = rl.return_id WHERE r.sale_id = ? GROUP BY rl.sale_line_id")
_PAID = "SELECT method, SUM(amount) FROM payments WHERE sale_id = ? GROUP BY method"
_REFUNDED = ("SELECT p.method, SUM(p.amount) FROM return_payments p JOIN returns r ON r.id = p.return_id "
             "WHERE r.sale_id = ? GROUP BY p.method")
_RETURN_ROWS = ("SELECT r.id, r.number, r.created_at, s.number, u.name, a.name, r.reason, r.total, "
                "(SELECT group_concat(method) FROM return_payments p WHERE p.return_id = r.id) "
                "FROM returns r LEFT JOIN sales s ON s.id = r.sale_id JOIN users u ON u.id = r.user_id "
                "LEFT JOIN users a ON a.id = r.authorised_by")


def _when(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


class ReturnsService:
    def __init__(self, db: Database, printing: PrintQueue, shop: ShopInfo, *, access: Access | None = None,
                 fiscal: FiscalDocuments | None = None, drawer_policy: DrawerPolicy | None = None,
                 currency: str = "USD", clock: Callable[[], datetime] = utcnow, till_id: int = LOCAL_TILL_ID,
                 drawer: CashDrawer | None = None):
        self.db = db
        self.drawer = drawer
        self.printing = printing
        self.shop = shop
        self.access = access or Access()
        self.fiscal = fiscal if fiscal is not None and fiscal.on else None
        self.drawer_policy = drawer_policy or DrawerPolicy()
        self.currency = currency
        self.clock = clock
        self.till_id = till_id

    # --- reading --------------------------------------------------------------------------
    def sale(self, number: int) -> ReturnableSale:
        """The sale as a return sees it: each line with what is left to return."""
        with self.db.read() as s:
            return self._sale(s.connection(), number=number)

    def _sale(self, conn: Connection, *, number: int | None = None, sale_id: int | None = None) -> ReturnableSale:
        where, key = ("number = ?", number) if number is not None else ("id = ?", sale_id)
        row = conn.exec_driver_sql(_SALE.format(where=where), (key,)).first()
        if row is None:
            raise SaleNotFound(number=number if number is not None else f"id {sale_id}")
        sid = row[0]
        done = {r[0]: r[1:] for r in conn.exec_driver_sql(_RETURNED, (sid,))}
        lines = []
        for (lid, pos, pid, sku, name, uom, mode, price, rate, qty, total, tax) in conn.exec_driver_sql(_LINES, (sid,)):
            rq, rn, rt = done.get(lid, (0, 0, 0))
            lines.append(ReturnableLine(lid, pos + 1, pid, sku, name, Uom(uom), SaleMode(mode), price, rate, qty,
                                        total, tax, rq or 0, rn or 0, rt or 0))
        paid = {m: a for m, a in conn.exec_driver_sql(_PAID, (sid,))}
        refunded = {m: a for m, a in conn.exec_driver_sql(_REFUNDED, (sid,))}
        returns = tuple(self._summary(r) for r in conn.exec_driver_sql(
            _RETURN_ROWS + " WHERE r.sale_id = ? ORDER BY r.number", (sid,)))
        void_reason = conn.exec_driver_sql("SELECT reason FROM sale_voids WHERE sale_id = ?", (sid,)).scalar() or ""
        return ReturnableSale(sid, row[1], row[2], _when(row[3]), row[4], row[5], tuple(lines), paid, refunded,
                              returns, void_reason, session_status=row[6])

    @staticmethod
    def _summary(r: Sequence) -> ReturnSummary:
        methods = tuple(dict.fromkeys((r[8] or "").split(","))) if r[8] else ()
        return ReturnSummary(r[0], r[1], to_local(_when(r[2])), r[3], r[4], r[5] or "", r[6], r[7], methods)

    def returns(self, day: date | None = None, limit: int = 1000) -> list[ReturnSummary]:
        """Returns, newest first (``day``: the shop's local day)."""
        sql, params = _RETURN_ROWS, ()
        if day is not None:
            start, end = local_day_bounds(day)
            sql += " WHERE r.created_at >= ? AND r.created_at < ?"
            params = (stamp(start), stamp(end))
        with self.db.read() as s:
            return [self._summary(r) for r in s.connection().exec_driver_sql(
                sql + f" ORDER BY r.number DESC LIMIT {int(limit)}", params)]

    def detail(self, number: int) -> ReturnDetail:
        with self.db.read() as s:
            conn = s.connection()
            row = conn.exec_driver_sql(_RETURN_ROWS + " WHERE r.number = ?", (number,)).first()
            if row is None:
                raise ReturnNotFound(number=number)
            summary = self._summary(row)
            extra = conn.exec_driver_sql("SELECT tax_total, note, uuid, till_id FROM returns WHERE id = ?",
                                         (summary.id,)).one()
            lines = tuple(ReturnLineOut(r[0], r[1], r[2], r[3], Uom(r[4]), r[5], r[6], r[7], r[8], r[9], bool(r[10]))
                          for r in conn.exec_driver_sql(
                "SELECT position, sale_line_id, sku, name, uom, unit_price, tax_rate_bp, quantity, refund, "
                "tax_amount, restock FROM return_lines WHERE return_id = ? ORDER BY position", (summary.id,)))
            payments = tuple((m, a) for m, a in conn.exec_driver_sql(
                "SELECT method, amount FROM return_payments WHERE return_id = ? ORDER BY id", (summary.id,)))
        return ReturnDetail(summary, lines, payments, extra[0], extra[1], extra[2], extra[3])

    # --- a return ---------------------------------------------------------------------------
    def plan(self, sale: ReturnableSale, wanted: Sequence[tuple[int, int]]) -> _Plan:
        """``wanted``: (position, base units) pairs -> each line's refund. Raises
        ReturnNothing, ReturnLineUnknown, ReturnQuantityTooLarge (naming what is
        left), SaleIsVoided."""
        if sale.voided:
            raise SaleIsVoided(reference=sale.reference)
        asked: dict[int, int] = defaultdict(int)
        for position, quantity in wanted:
            if quantity <= 0:
                raise ReturnNothing()
            asked[position] += quantity
        if not asked:
            raise ReturnNothing()
        plan = _Plan()
        for position, quantity in sorted(asked.items()):
            ln = sale.line(position)
            if quantity > ln.left:
                raise ReturnQuantityTooLarge(position=position, name=ln.name,
                                             asked=format_quantity(quantity, ln.uom),
                                             left=format_quantity(ln.left, ln.uom),
                                             sold=format_quantity(ln.sold, ln.uom))
            r = refund(ln.sold_line(), quantity)
            plan.lines.append((ln, quantity, r.amount, r.tax))
        return plan

    def make_return(self, by: UserInfo, sale_number: int, lines: Sequence[tuple[int, int]], reason: str, *,
                    refund_method: str | None = None, note: str = "") -> ReturnResult:
        """Return ``lines`` ((position, base units)) of sale ``sale_number``. Raises a
        DomainError, writing nothing, for a voided sale, an unknown line, more than is
        left, an unknown reason, a user without the ``return`` act (or, for a refund by
        another method than the sale's, without ``refund_other_method``)."""
        if reason not in RETURN_REASONS:
            raise ReturnReasonRequired(reasons=reasons_text())
        self.access.precheck(by, Act.RETURN)
        sale = self.sale(sale_number)
        plan = self.plan(sale, lines)
        if self.fiscal is not None:  # refuse before anything is written (no numbering, another till's document)
            self.fiscal.check_credit(sale.id, [CreditLine(ln.sale_line_id, q) for ln, q, _, _ in plan.lines])
        now = self.clock()
        with self.db.write() as s:
            conn = s.connection()
            authority = self.access.check(s, by, Act.RETURN)
            sale = self._sale(conn, sale_id=sale.id)  # as it is now, under the write lock
            if sale.status == "voided":
                raise SaleIsVoided(reference=sale.reference)
            plan = self.plan(sale, lines)
            total = sum(r for _, _, r, _ in plan.lines)
            payments = self._refund_split(authority, sale, total, refund_method, s, by)
            rows = [(ln.product_id, ln.sale_line_id, ln.sku, ln.name, ln.uom, ln.unit_price, ln.tax_rate_bp,
                     ln.sale_mode, q, r, t) for ln, q, r, t in plan.lines]
            result = self._write_return(s, conn, authority, now, sale, rows, reason, note, payments)
            doc = None
            if self.fiscal is not None:
                doc = self.fiscal.issue_credit_note(
                    conn, sale_id=sale.id, origin="return", user_id=by.id, at=now,
                    lines=[CreditLine(ln.sale_line_id, q) for ln, q, _, _ in plan.lines])
                note_job = self._credit_note_ticket(conn, doc.id, sale.id)
        self._after(result.print_job, result.payments)
        if doc is not None:
            self._after(note_job, ())
            self.fiscal.issued()
        return ReturnResult(result.return_id, result.number, result.total, result.payments, result.print_job,
                            doc.document_number if doc is not None else "")

    def return_without_receipt(self, by: UserInfo, items: Sequence[tuple[int, int]], reason: str, *,
                               refund_method: str = "cash", note: str = "") -> ReturnResult:
        """Goods brought back without the sale (the ``return_no_receipt`` act): refunded
        at the current price; the document says so."""
        from kiosk.core.pricing import line_total
        from kiosk.core.tax import line_taxes

        if reason not in RETURN_REASONS:
            raise ReturnReasonRequired(reasons=reasons_text())
        if not items or any(q <= 0 for _, q in items):
            raise ReturnNothing()
        method = PaymentMethod(refund_method).value
        self.access.precheck(by, Act.RETURN_NO_RECEIPT)
        now = self.clock()
        with self.db.write() as s:
            conn = s.connection()
            authority = self.access.check(s, by, Act.RETURN_NO_RECEIPT)
            rows = []
            for pid, quantity in items:
                p = conn.exec_driver_sql("SELECT id, sku, name, uom, price, tax_rate_bp, sale_mode FROM products "
                                         "WHERE id = ?", (pid,)).first()
                if p is None:
                    raise SaleNotFound(number=f"product {pid}")
                amount = line_total(quantity, p[4], Uom(p[3]))
                rows.append([p[0], None, p[1], p[2], Uom(p[3]), p[4], p[5], SaleMode(p[6]), quantity, amount, 0])
            for row, tax in zip(rows, line_taxes([(r[6], r[9]) for r in rows])):
                row[10] = tax
            total = sum(r[9] for r in rows)
            note = (translate(N_("Without receipt, at the current price.")) + (" " + note if note else "")).strip()
            result = self._write_return(s, conn, authority, now, None, [tuple(r) for r in rows], reason, note,
                                        ((method, total),) if total else ())
        self._after(result.print_job, result.payments)
        return result

    def _refund_split(self, authority: Authority, sale: ReturnableSale, total: int,
                      method: str | None, s=None, by: UserInfo | None = None,  # noqa: ANN001
                      ) -> tuple[tuple[str, int], ...]:
        if total == 0:
            return ()
        if method is None:
            return tuple(split_refund(total, sale.paid, sale.refunded).items())
        method = PaymentMethod(method).value
        if method not in sale.paid:  # another way than the money came: the act for it
            allows = self.access.permissions.allows
            authoriser = authority.authorised_by
            if not (authority.user is TECHNICIAN or allows(authority.user.role, Act.REFUND_OTHER_METHOD)
                    or (authoriser is not None and allows(authoriser.role, Act.REFUND_OTHER_METHOD))
                    or self._other_method_granted(s, by)):
                raise RefundMethodNotPermitted(paid=", ".join(method_label(m) for m in sale.paid) or "-",
                                               asked=method_label(method))
        return ((method, total),)

    def _credit_note_ticket(self, conn: Connection, document_id: int, sale_id: int) -> int:
        """The credit note's own ticket (its number, the original's, the CUDE/CUFE and
        QR), stored in the return's or void's transaction: printed after its
        DEVOLUCIÓN / ANULACIÓN ticket."""
        receipt = self.fiscal.credit_note_receipt_in(conn, document_id, self.shop)
        return self.printing.insert_job(conn, self.printing.render(receipt), "credit_note", sale_id)

    def _other_method_granted(self, s, by: UserInfo | None) -> bool:  # noqa: ANN001
        """A role that may return but not refund by another method: a manager's PIN
        typed for ``refund_other_method`` (the grant ``by`` carries) allows it once."""
        grant = by.grant if by is not None else None
        if s is None or grant is None or grant.act is not Act.REFUND_OTHER_METHOD or not grant.usable:
            return False
        self.access.check(s, by, Act.REFUND_OTHER_METHOD)  # spent with the return's transaction
        return True

    def _write_return(self, s, conn: Connection, authority: Authority, now: datetime,  # noqa: ANN001
                      sale: ReturnableSale | None, rows: Sequence[tuple], reason: str, note: str,
                      payments: tuple[tuple[str, int], ...]) -> ReturnResult:
        created = stamp(now)
        total = sum(r[9] for r in rows)
        tax_total = sum(r[10] for r in rows)
        number = conn.exec_driver_sql("SELECT COALESCE(MAX(number), 0) + 1 FROM returns").scalar_one()
        return_id = conn.exec_driver_sql(
            "INSERT INTO returns (number, created_at, sale_id, user_id, authorised_by, reason, note, total, "
            "tax_total, currency, uuid, till_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (number, created, sale.id if sale else None, authority.user_id, authority.authoriser_id, reason,
             note[:200], total, tax_total, self.currency, new_uuid(), self.till_id)).scalar_one()
        restock = RETURN_REASONS[reason]
        reference = return_reference(number)
        for i, (pid, sale_line_id, sku, name, uom, price, rate, mode, quantity, amount, tax) in enumerate(rows):
            conn.exec_driver_sql(
                "INSERT INTO return_lines (return_id, position, sale_line_id, product_id, sku, name, uom, unit_price, "
                "tax_rate_bp, quantity, refund, tax_amount, restock) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (return_id, i + 1, sale_line_id, pid, sku, name, uom.value, price, rate, quantity, amount, tax,
                 restock))
            if tracks_stock(mode):
                self._movement(conn, pid, quantity, "return", reason, reference, sale, authority.user_id, created)
                if not restock:  # came back, and straight to waste
                    self._movement(conn, pid, -quantity, "adjustment", f"waste: {reason}", reference, sale,
                                   authority.user_id, created)
        for method, amount in payments:
            conn.exec_driver_sql("INSERT INTO return_payments (return_id, method, amount) VALUES (?, ?, ?)",
                                 (return_id, method, amount))
        cashier = authority.user.name
        extra = {translate(N_("Return")): reference}
        if sale is not None:
            extra[translate(N_("Original sale"))] = sale.reference
        extra[translate(N_("Reason"))] = reason_label(reason)
        if authority.authorised_by is not None:
            extra[translate(N_("Authorised by"))] = authority.authorised_by.name
        if note:
            extra[translate(N_("Note"))] = note
        receipt = Receipt(
            shop=self.shop, number=sale.number if sale else 0, issued_at=to_local(now), cashier=cashier,
            lines=tuple(ReceiptLine(name=r[3], sku=r[2], quantity=r[8], uom=r[4], unit_price=r[5], total=r[9],
                                    tax_rate_bp=r[6]) for r in rows),
            taxes=_taxes(rows), total=total,
            payments=tuple(Payment(PaymentMethod(m), a, a) for m, a in payments),
            title=translate(N_("RETURN")), extra=extra, code=sale.reference if sale else "")
        drawer = self.drawer_policy.plan(any(m == "cash" for m, _ in payments))
        payload = self.printing.render(receipt, open_drawer=drawer == "kick")
        job = self.printing.insert_job(conn, payload, "return", sale.id if sale else None, drawer=drawer)
        audit.record(s, "return", reference,
                     after={"sale": sale.reference if sale else None, "total": total, "reason": reason,
                            "refund": dict(payments),
                            "lines": [{"sku": r[2], "quantity": r[8], "refund": r[9]} for r in rows]},
                     by=authority, till_id=self.till_id)
        return ReturnResult(return_id, number, total, payments, job)

    def _movement(self, conn: Connection, pid: int, quantity: int, reason: str, detail: str, reference: str,
                  sale: ReturnableSale | None, user_id: int, created: str) -> None:
        conn.exec_driver_sql(
            "INSERT INTO stock_movements (uuid, product_id, quantity, reason, detail, reference, sale_id, unit_cost, "
            "user_id, created_at, till_id) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
            (new_uuid(), pid, quantity, reason, detail[:64], reference, sale.id if sale else None, user_id or None,
             created, self.till_id))

    def _after(self, job: int | None, payments: Sequence[tuple[str, int]]) -> None:
        """Committed: wake the printer (the ticket is stored; nothing here may raise)."""
        if job is None:
            return
        try:
            self.printing.notify(job)
            if self.drawer is not None and self.printing.drawer_state(job) == "relay":
                self.printing.drawer_outcome(job, self.drawer.open_for_sale(0))
        except Exception:  # noqa: BLE001 - the document and its ticket are stored
            log.exception("a step after a stored return/void failed (its ticket job %s is kept)", job)

    # --- a void -------------------------------------------------------------------------------
    def void(self, by: UserInfo, sale_number: int, reason: str) -> VoidResult:
        """Void the whole sale (the ``void`` act; ``reason`` required). Raises, writing
        nothing, for a sale already voided, one with a return, or one that may no
        longer be voided (``void_window_open``)."""
        reason = (reason or "").strip()
        if not reason:
            raise VoidReasonRequired()
        self.access.precheck(by, Act.VOID)
        sale = self.sale(sale_number)
        self._check_voidable(sale)
        if self.fiscal is not None:
            self.fiscal.check_credit(sale.id, None)
        now = self.clock()
        with self.db.write() as s:
            conn = s.connection()
            authority = self.access.check(s, by, Act.VOID)
            sale = self._sale(conn, sale_id=sale.id)
            self._check_voidable(sale)
            created = stamp(now)
            conn.exec_driver_sql(
                "INSERT INTO sale_voids (sale_id, created_at, user_id, authorised_by, reason, uuid, till_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (sale.id, created, authority.user_id, authority.authoriser_id, reason[:200], new_uuid(),
                 self.till_id))
            conn.exec_driver_sql("UPDATE sales SET status = 'voided' WHERE id = ? AND status = 'completed'",
                                 (sale.id,))
            per_product: dict[int, int] = defaultdict(int)
            for ln in sale.lines:
                if tracks_stock(ln.sale_mode):
                    per_product[ln.product_id] += ln.sold
            for pid, quantity in per_product.items():
                self._movement(conn, pid, quantity, "return", "void", sale.reference, sale, authority.user_id,
                               created)
            doc = None
            if self.fiscal is not None:
                doc = self.fiscal.issue_credit_note(conn, sale_id=sale.id, lines=None, origin="void",
                                                    user_id=by.id, at=now)
                note_job = self._credit_note_ticket(conn, doc.id, sale.id)
            extra = {translate(N_("Voided sale")): sale.reference, translate(N_("Reason")): reason}
            if authority.authorised_by is not None:
                extra[translate(N_("Authorised by"))] = authority.authorised_by.name
            receipt = Receipt(
                shop=self.shop, number=sale.number, issued_at=to_local(now), cashier=authority.user.name,
                lines=tuple(ReceiptLine(name=ln.name, sku=ln.sku, quantity=ln.sold, uom=ln.uom,
                                        unit_price=ln.unit_price, total=ln.net, tax_rate_bp=ln.tax_rate_bp)
                            for ln in sale.lines),
                taxes=_taxes([(0, 0, 0, 0, 0, 0, ln.tax_rate_bp, 0, 0, ln.net, ln.tax) for ln in sale.lines]),
                total=sale.total, payments=tuple(Payment(PaymentMethod(m), a, a) for m, a in sale.paid.items()),
                title=translate(N_("VOID")), extra=extra, status="voided")
            drawer = self.drawer_policy.plan("cash" in sale.paid)
            payload = self.printing.render(receipt, open_drawer=drawer == "kick")
            job = self.printing.insert_job(conn, payload, "void", sale.id, drawer=drawer)
            audit.record(s, "void", sale.reference, before={"status": "completed"},
                         after={"status": "voided", "reason": reason, "total": sale.total},
                         by=authority, till_id=self.till_id)
        self._after(job, ())
        if doc is not None:
            self._after(note_job, ())
            self.fiscal.issued()
        return VoidResult(sale.id, sale.number, sale.total, job, doc.document_number if doc is not None else "")

    def _check_voidable(self, sale: ReturnableSale) -> None:
        if sale.voided:
            raise SaleAlreadyVoided(reference=sale.reference)
        if sale.returns:
            raise SaleHasReturns(reference=sale.reference)
        if not void_window_open(sale.created_at, sale.till_id, self.clock(), self.till_id, sale.session_status):
            raise VoidNotAllowedNow(reference=sale.reference)


def _taxes(rows: Sequence[tuple]) -> tuple[TaxLine, ...]:
    """Per rate, the lines' amounts and their tax as stored (so the ticket adds up)."""
    gross: dict[int, int] = defaultdict(int)
    tax: dict[int, int] = defaultdict(int)
    for r in rows:
        gross[r[6]] += r[9]
        tax[r[6]] += r[10]
    return tuple(TaxLine(rate, gross[rate], tax[rate]) for rate in sorted(gross))
