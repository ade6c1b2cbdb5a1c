"""The shop day on one till: *Abrir caja* (a session with its opening float), cash in
and out, the X report at any time and *Cerrar caja* (a blind count by denomination,
the difference, and the Z report numbered gap-free per till).

Every opening, cash movement and closing is permission-checked (``Access.check`` in
the act's own transaction) and audited in that same transaction. A closing is ONE
BEGIN IMMEDIATE transaction: the session is marked closed, the Z row (figures and
printed text) and its print job are written, and the audit row, or none of it is
(a SIGKILL or power cut mid-closing leaves the session open and no Z).

What a session's report is made of is read in one place, ``session_rows``; the money
given back for returns comes from ``refund_rows`` (the returns made at the till while
the session was open); a voided sale's payments are left out of the cash received.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import LOCAL_TILL_ID, CashMovement, TillSession, ZReport, new_uuid, utcnow
from db.raw_sql import stamp
from hardware.printer.receipt import ReceiptLayout
from hardware.printer.report import render_text_document
from kiosk.core.drawer import DrawerPolicy
from kiosk.core.errors import DomainError
from kiosk.core.permissions import Act
from kiosk.core.till_day import (
    LineRow,
    MovementKind,
    MovementRow,
    NegativeAmount,
    PaymentRow,
    RefundRow,
    ReportFigures,
    SaleRow,
    check_note,
    count_total,
    denominations,
    difference,
    reason_text,
    report_figures,
)
from kiosk.core.till_report import report_lines, two_columns
from kiosk.formatting import to_local
from kiosk.i18n import N_, format_datetime, format_money, translate
from kiosk.services import audit
from kiosk.services.access import Access, UserInfo
from kiosk.services.printing import PrintQueue
from kiosk.services.sync_status import sync_status, waiting_text

log = logging.getLogger(__name__)


class NoOpenSession(DomainError):
    code = "no_open_session"
    template = N_("The till is not open: open it first with Abrir caja (or kiosk-admin till open).")


class NothingToClose(DomainError):
    code = "nothing_to_close"
    template = N_("The till is already closed: there is nothing to close (last Z: {z}). Open it again to sell.")


class SessionAlreadyOpen(DomainError):
    code = "session_already_open"
    template = N_("The till is already open (since {since}, by {name}).")


class CashOutOverDrawer(DomainError):
    code = "cash_out_over_drawer"
    template = N_("Taking out {amount} leaves the drawer short: it should hold {expected}. "
                  "Confirm to take it out anyway (a {roles} must allow it).")


class ReasonRequired(DomainError):
    code = "reason_required"
    template = N_("Say why the cash goes in or out (e.g. change top-up, supplier, safe drop).")


class ZNotFound(DomainError):
    code = "z_not_found"
    template = N_("There is no Z report number {number} on this till.")


class ZeroAmount(DomainError):
    code = "zero_amount"
    template = N_("The amount must be greater than zero.")


@dataclass(frozen=True)
class SessionInfo:
    id: int
    uuid: str
    till_id: int
    status: str
    business_date: date
    opened_at: datetime  # naive UTC
    opened_by: str
    opening_float: int
    auto_opened: bool
    closed_at: datetime | None = None
    closed_by: str = ""
    counted: int | None = None
    expected: int | None = None
    difference: int | None = None
    note: str = ""


@dataclass(frozen=True)
class MovementResult:
    id: int
    kind: str
    amount: int
    reason: str
    expected_after: int
    print_job: int | None


@dataclass(frozen=True)
class ZInfo:
    number: int
    till_id: int
    session_id: int
    business_date: date
    created_at: datetime
    figures: dict
    printed_text: str
    print_job: int | None = None

    @property
    def expected(self) -> int:
        return self.figures["cash"]["expected"]

    @property
    def counted(self) -> int:
        return self.figures["cash"]["counted"]

    @property
    def difference(self) -> int:
        return self.figures["cash"]["difference"]


@dataclass(frozen=True)
class PreClose:
    """What a cashier is shown before the count: parked carts and fiscal documents
    still waiting for DIAN (closing does not stop for them)."""

    parked_carts: int
    waiting_fiscal: int
    waiting_sync: str = ""  # "3 ventas sin enviar desde 10:42": documents not yet on the shop server

    def warnings(self) -> list[str]:
        out = []
        if self.parked_carts:
            out.append(translate(N_("{n} parked cart(s) are waiting: finish or discard them."))
                       .format(n=self.parked_carts))
        if self.waiting_fiscal:
            out.append(translate(N_("{n} document(s) are waiting to be sent to DIAN.")).format(n=self.waiting_fiscal))
        if self.waiting_sync:
            out.append(translate(N_("Shop server: {waiting}.")).format(waiting=self.waiting_sync))
        return out


# --- the rows of a session (one place) -----------------------------------------------

_SESSION_SALES = text("SELECT s.number, s.status, COALESCE(u.name, ''), s.total, s.tax_total FROM sales s "
                      "LEFT JOIN users u ON u.id = s.user_id WHERE s.session_id = :sid ORDER BY s.number")
_SESSION_LINES = text("SELECT s.status, COALESCE(c.name, ''), l.tax_rate_bp, SUM(l.line_total), SUM(l.tax_amount) "
                      "FROM sale_lines l JOIN sales s ON s.id = l.sale_id "
                      "LEFT JOIN products p ON p.id = l.product_id LEFT JOIN categories c ON c.id = p.category_id "
                      "WHERE s.session_id = :sid GROUP BY s.status, c.name, l.tax_rate_bp")
_SESSION_PAYMENTS = text("SELECT s.status, p.method, SUM(p.amount), SUM(p.tendered), SUM(p.change) FROM payments p "
                         "JOIN sales s ON s.id = p.sale_id WHERE s.session_id = :sid GROUP BY s.status, p.method")
_SESSION_REFUNDS = text("SELECT r.number, p.method, p.amount FROM return_payments p "
                        "JOIN returns r ON r.id = p.return_id JOIN till_sessions t ON t.id = :sid "
                        "WHERE r.till_id = t.till_id AND r.created_at >= t.opened_at "
                        "AND (t.closed_at IS NULL OR r.created_at <= t.closed_at) ORDER BY r.number, p.id")
_SESSION_MOVEMENTS = text("SELECT kind, amount, reason FROM cash_movements WHERE session_id = :sid ORDER BY id")
_FISCAL_RANGES = text("SELECT f.type_code, f.prefix, MIN(f.number), MAX(f.number), COUNT(*) FROM fiscal_documents f "
                      "JOIN sales s ON s.id = f.sale_id WHERE s.session_id = :sid AND f.origin = 'sale' "
                      "GROUP BY f.type_code, f.prefix ORDER BY f.type_code, f.prefix")


def refund_rows(conn: Connection | Session, session_id: int) -> list[RefundRow]:
    """Money given back in this session for returns, by method (positive amounts): the
    refund payments of the returns made at the session's till while it was open. A
    void needs no row here: a voided sale's payments are left out of the cash received
    (kiosk.core.till_day), which is the money handed back."""
    return [RefundRow("return", method, abs(int(amount)), int(number))
            for number, method, amount in conn.execute(_SESSION_REFUNDS, {"sid": session_id})]


def session_rows(conn: Connection | Session, session_id: int) -> dict:
    """Every row the figures of a session are made of (kiosk.core.till_day)."""
    p = {"sid": session_id}
    return {
        "sales": [SaleRow(int(n), st, u, int(t), int(tx)) for n, st, u, t, tx in conn.execute(_SESSION_SALES, p)],
        "lines": [LineRow(st, c, int(r), int(t), int(tx)) for st, c, r, t, tx in conn.execute(_SESSION_LINES, p)],
        "payments": [PaymentRow(st, m, int(a), int(td), int(ch))
                     for st, m, a, td, ch in conn.execute(_SESSION_PAYMENTS, p)],
        "refunds": refund_rows(conn, session_id),
        "movements": [MovementRow(k, int(a), r) for k, a, r in conn.execute(_SESSION_MOVEMENTS, p)],
        "documents": [{"kind": tc, "prefix": pf, "first": int(lo), "last": int(hi), "count": int(n)}
                      for tc, pf, lo, hi, n in conn.execute(_FISCAL_RANGES, p)],
    }


def session_figures(conn: Connection | Session, session_id: int, opening_float: int,
                    counted: int | None = None) -> ReportFigures:
    rows = session_rows(conn, session_id)
    figures = report_figures(rows["sales"], rows["lines"], rows["payments"], rows["refunds"], rows["movements"],
                             opening_float, counted)
    figures.documents = rows["documents"]
    return figures


def waiting_fiscal_documents(conn: Connection | Session) -> int:
    """Fiscal documents not yet accepted by DIAN (the outbox's waiting states), listed
    before closing."""
    from kiosk.core.fiscal import OUTBOX_WAITING as WAITING

    marks = ", ".join(f":w{i}" for i in range(len(WAITING)))
    return int(conn.execute(text(f"SELECT COUNT(*) FROM dian_outbox WHERE state IN ({marks})"),
                            {f"w{i}": w for i, w in enumerate(WAITING)}).scalar() or 0)


# --- the session a sale belongs to (called in the sale's transaction) -----------------

_OPEN_SESSION = "SELECT id FROM till_sessions WHERE till_id = ? AND status = 'open'"
_AUTO_OPEN = ("INSERT INTO till_sessions (uuid, till_id, status, business_date, opened_at, opened_by, opening_float, "
              "float_counts, auto_opened, counted_counts, note) VALUES (?, ?, 'open', ?, ?, ?, 0, '', 1, '', '') "
              "RETURNING id")
AUTO_OPENED_NOTICE = N_("The till was not open: it was opened now with a float of 0. Count the drawer at Cerrar caja.")


def session_for_sale(conn: Connection, policy: str, user_id: int, now: datetime,
                     till_id: int = LOCAL_TILL_ID) -> tuple[int | None, bool]:
    """The open session of ``till_id`` inside the sale's write transaction: (id,
    opened_now). With ``policy`` "refuse" and no open session: NoOpenSession; "open":
    a session with a float of 0 is opened in the same transaction; "" (off): None."""
    if not policy:
        return None, False
    row = conn.exec_driver_sql(_OPEN_SESSION, (till_id,)).first()
    if row is not None:
        return int(row[0]), False
    if policy != "open":
        raise NoOpenSession()
    uuid = new_uuid()
    sid = conn.exec_driver_sql(_AUTO_OPEN, (uuid, till_id, to_local(now).date().isoformat(), stamp(now),
                                            user_id)).scalar_one()
    with Session(bind=conn) as s:  # joins the sale's transaction: the audit row commits with it
        audit.record(s, "till_opened", translate(N_("opened by a sale ([till] without_session = open)")),
                     after={"session": uuid, "float": 0, "auto": True}, by=_Seller(user_id), till_id=till_id)
    return int(sid), True


@dataclass(frozen=True)
class _Seller:
    """The seller as audit.record needs them (an id) when a sale opens the session."""

    id: int
    name: str = ""


class TillSessions:
    def __init__(self, db: Database, access: Access, printing: PrintQueue, *, till_id: int = LOCAL_TILL_ID,
                 notes: list[int] | None = None, coins: list[int] | None = None, note_over: int = 0,
                 layout: ReceiptLayout | None = None, drawer_policy: DrawerPolicy | None = None,
                 drawer: object | None = None, till_name: str = "", clock: Callable[[], datetime] = utcnow,
                 on_closed: Callable[[ZInfo], None] | None = None):
        self.db = db
        self.access = access
        self.printing = printing
        self.till_id = till_id
        self.denominations = denominations(notes or [], coins or [])
        self.note_over = note_over
        self.layout = layout or printing.layout
        self.drawer_policy = drawer_policy or DrawerPolicy()
        self.drawer = drawer  # a relay drawer: .open_for_sale(id) -> bool (kiosk.services.hardware)
        self.till_name = till_name or str(till_id)
        self.clock = clock
        self.on_closed: list[Callable[[ZInfo], None]] = [on_closed] if on_closed else []

    # --- reading -----------------------------------------------------------------------
    def current(self) -> SessionInfo | None:
        with self.db.read() as s:
            row = s.query(TillSession).filter_by(till_id=self.till_id, status="open").first()
            return self._info(s, row) if row is not None else None

    def require_open(self) -> SessionInfo:
        info = self.current()
        if info is None:
            raise NoOpenSession()
        return info

    def expected_cash(self) -> int | None:
        """What the open session's drawer should hold now (None: the till is closed).
        For managers and reports only: the closing count is blind."""
        with self.db.read() as s:
            row = s.query(TillSession).filter_by(till_id=self.till_id, status="open").first()
            if row is None:
                return None
            return session_figures(s, row.id, row.opening_float).cash["expected"]

    def x_report(self) -> dict:
        """The open session's figures now (nothing is reset or stored)."""
        with self.db.read() as s:
            row = s.query(TillSession).filter_by(till_id=self.till_id, status="open").first()
            if row is None:
                raise NoOpenSession()
            figures = session_figures(s, row.id, row.opening_float).as_dict()
            header = self._header(s, row)
        return {"kind": "X", "header": header, "figures": figures,
                "lines": report_lines(header, figures, self.layout.columns)}

    def preclose(self) -> PreClose:
        with self.db.read() as s:
            parked = s.execute(text("SELECT COUNT(*) FROM carts WHERE status = 'parked'")).scalar() or 0
            waiting = waiting_fiscal_documents(s)
        return PreClose(int(parked), int(waiting), waiting_text(sync_status(self.db)))

    def z_report(self, number: int) -> ZInfo:
        with self.db.read() as s:
            z = s.query(ZReport).filter_by(till_id=self.till_id, number=number).first()
            if z is None:
                raise ZNotFound(number=number)
            return _z_info(z)

    def z_reports(self, limit: int = 500) -> list[ZInfo]:
        with self.db.read() as s:
            rows = s.query(ZReport).filter_by(till_id=self.till_id).order_by(ZReport.number.desc()).limit(limit)
            return [_z_info(z) for z in rows]

    def last_z_number(self) -> int:
        with self.db.read() as s:
            return s.execute(text("SELECT COALESCE(MAX(number), 0) FROM z_reports WHERE till_id = :t"),
                             {"t": self.till_id}).scalar() or 0

    # --- printing the reports again ------------------------------------------------------
    def print_x(self, by: UserInfo) -> int:
        """The X report on the receipt printer (the ``close_till`` act: it shows the
        expected cash); returns the print job."""
        self.access.require(self.db, by, Act.CLOSE_TILL)
        x = self.x_report()
        return self.printing.enqueue(render_text_document(translate(N_("X REPORT")), x["lines"], self.layout),
                                     "x_report")

    def reprint_z(self, number: int, by: UserInfo) -> int:
        """A copy of Z report ``number`` as it was stored (the ``reprint`` act)."""
        self.access.require(self.db, by, Act.REPRINT)
        z = self.z_report(number)
        title = translate(N_("Z REPORT {number}")).format(number=number) + " - " + translate(N_("COPY"))
        return self.printing.enqueue(render_text_document(title, z.printed_text.splitlines(), self.layout),
                                     "z_report")

    # --- opening -----------------------------------------------------------------------
    def open(self, by: UserInfo, *, amount: int | None = None, counts: Mapping[int, int] | None = None) -> SessionInfo:
        """*Abrir caja* with the float typed (``amount``) or counted by denomination
        (``counts``: value -> how many). The ``sell`` act (whoever may sell may open
        their till). Raises SessionAlreadyOpen, NegativeCount, NegativeAmount."""
        self.access.precheck(by, Act.SELL)
        if counts is not None:
            amount = count_total(counts, self.denominations or None)
        amount = amount or 0
        if amount < 0:
            raise NegativeAmount()
        now = self.clock()
        with self.db.write() as s:
            who = self.access.check(s, by, Act.SELL)
            row = s.query(TillSession).filter_by(till_id=self.till_id, status="open").first()
            if row is not None:
                info = self._info(s, row)
                raise SessionAlreadyOpen(since=format_datetime(to_local(info.opened_at)), name=info.opened_by)
            row = TillSession(uuid=new_uuid(), till_id=self.till_id, status="open",
                              business_date=to_local(now).date(), opened_at=now, opened_by=who.user_id or None,
                              opening_float=amount, float_counts=_counts_json(counts), auto_opened=False,
                              counted_counts="", note="")
            s.add(row)
            s.flush()
            audit.record(s, "till_opened", f"{translate(N_('Till'))} {self.till_name}",
                         after={"session": row.uuid, "float": amount, "counts": _plain_counts(counts)}, by=who,
                         till_id=self.till_id)
            return self._info(s, row)

    # --- cash in / out -----------------------------------------------------------------
    def cash_movement(self, by: UserInfo, kind: MovementKind | str, amount: int, reason: str, *,
                      force: bool = False) -> MovementResult:
        """Cash in or out with a reason: the ``cash_in_out`` act; a cash out larger than
        the drawer should hold raises CashOutOverDrawer unless ``force`` and the user
        (or an authorisation they carry) also holds ``close_till``. Writes the movement,
        its audit row and its printed slip (which opens the drawer) in one transaction."""
        kind = MovementKind(kind)
        self.access.precheck(by, Act.CASH_IN_OUT)
        reason = (reason or "").strip()
        if not reason:
            raise ReasonRequired()
        if amount <= 0:
            raise ZeroAmount() if amount == 0 else NegativeAmount()
        now = self.clock()
        drawer = self.drawer_policy.plan(True)
        with self.db.write() as s:
            who = self.access.check(s, by, Act.CASH_IN_OUT)
            row = s.query(TillSession).filter_by(till_id=self.till_id, status="open").first()
            if row is None:
                raise NoOpenSession()
            expected = session_figures(s, row.id, row.opening_float).cash["expected"]
            if kind is MovementKind.CASH_OUT and amount > expected:
                if not force:
                    raise CashOutOverDrawer(amount_minor=amount, expected_minor=expected,
                                            roles=self.access.roles_text(Act.CLOSE_TILL))
                allowed = self.access.permissions.allows(who.user.role, Act.CLOSE_TILL) or (
                    who.authorised_by is not None
                    and self.access.permissions.allows(who.authorised_by.role, Act.CLOSE_TILL))
                if not allowed and by.id != 0:  # the user, or the manager who authorised this one
                    raise self.access.refusal(who.user, Act.CLOSE_TILL)
            move = CashMovement(uuid=new_uuid(), till_id=self.till_id, session_id=row.id, kind=kind.value,
                                amount=amount, reason=reason[:64], user_id=who.user_id or None,
                                authorised_by=who.authoriser_id, created_at=now)
            s.add(move)
            s.flush()
            after = expected + (amount if kind is MovementKind.CASH_IN else -amount)
            audit.record(s, "cash_in" if kind is MovementKind.CASH_IN else "cash_out", reason_text(reason)[:200],
                         after={"amount": amount, "session": row.uuid, "movement": move.uuid,
                                "over_drawer": kind is MovementKind.CASH_OUT and amount > expected},
                         by=who, till_id=self.till_id)
            title = translate(N_("CASH IN")) if kind is MovementKind.CASH_IN else translate(N_("CASH OUT"))
            w = self.layout.columns
            lines = [two_columns(translate(N_("Till")), self.till_name, w),
                     two_columns(translate(N_("Date")), format_datetime(to_local(now)), w),
                     two_columns(translate(N_("By")), who.user.name, w),
                     two_columns(translate(N_("Reason")), reason_text(reason), w),
                     "-" * w,
                     two_columns(translate(N_("Amount")), format_money(amount), w),
                     "", "", translate(N_("Signature")) + ": " + "_" * max(w - 12, 8)]
            payload = render_text_document(title, lines, self.layout, open_drawer=drawer == "kick")
            job = self.printing.insert_job(s.connection(), payload, "cash", None, drawer=drawer)
            result = MovementResult(move.id, kind.value, amount, reason, after, job)
        self.printing.notify(job)
        if drawer == "relay" and self.drawer is not None:
            try:
                self.printing.drawer_outcome(job, bool(self.drawer.open_for_sale(-move.id)))
            except Exception:  # noqa: BLE001 - the movement is stored; the drawer problem shows on screen
                log.exception("cash movement %s stored; the drawer did not open", move.id)
        return result

    # --- closing -----------------------------------------------------------------------
    def close(self, by: UserInfo, *, counts: Mapping[int, int] | None = None, counted: int | None = None,
              note: str = "", _inside: Callable[[], None] | None = None) -> ZInfo:
        """*Cerrar caja*: the blind count (by denomination, or the total typed), the
        ``close_till`` act. Raises NothingToClose (closing twice), NegativeCount,
        NoteRequired (a difference above ``note_over`` with no note). One
        transaction: the session closed, its Z (numbered gap-free per till) with its
        print job and the audit row, or nothing at all."""
        self.access.precheck(by, Act.CLOSE_TILL)
        if counts is not None:
            counted = count_total(counts, self.denominations or None)
        if counted is None:
            raise NegativeAmount()
        if counted < 0:
            raise NegativeAmount()
        now = self.clock()
        with self.db.write() as s:
            who = self.access.check(s, by, Act.CLOSE_TILL)
            row = s.query(TillSession).filter_by(till_id=self.till_id, status="open").first()
            if row is None:
                last = s.execute(text("SELECT COALESCE(MAX(number), 0) FROM z_reports WHERE till_id = :t"),
                                 {"t": self.till_id}).scalar()
                raise NothingToClose(z=last or "-")
            figures = session_figures(s, row.id, row.opening_float, counted)
            diff = difference(counted, figures.cash["expected"], self.note_over)
            note = check_note(diff, note)
            number = (s.execute(text("SELECT COALESCE(MAX(number), 0) FROM z_reports WHERE till_id = :t"),
                                {"t": self.till_id}).scalar() or 0) + 1
            row.status = "closed"
            row.closed_at = now
            row.closed_by = who.user_id or None
            row.counted = counted
            row.counted_counts = _counts_json(counts)
            row.expected = diff.expected
            row.difference = diff.amount
            row.note = note[:200]
            s.flush()
            header = self._header(s, row, z_number=number)
            data = figures.as_dict()
            data["header"] = header
            data["note"] = note
            data["counts"] = _plain_counts(counts)
            lines = report_lines(header, data, self.layout.columns)
            if note:
                lines.append(translate(N_("Note")) + ": " + note)
            z = ZReport(uuid=new_uuid(), till_id=self.till_id, number=number, session_id=row.id,
                        business_date=row.business_date, created_at=now, user_id=who.user_id or None,
                        figures=json.dumps(data, sort_keys=True, default=str), printed_text="\n".join(lines))
            s.add(z)
            s.flush()
            payload = render_text_document(translate(N_("Z REPORT {number}")).format(number=number), lines,
                                           self.layout)
            job = self.printing.insert_job(s.connection(), payload, "z_report", None)
            audit.record(s, "till_closed", f"Z {number}",
                         after={"session": row.uuid, "z": number, "expected": diff.expected, "counted": counted,
                                "difference": diff.amount, "note": note}, by=who, till_id=self.till_id)
            if _inside is not None:
                _inside()  # tests: a crash here must leave nothing behind
            info = _z_info(z, job)
        self.printing.notify(job)
        for callback in list(self.on_closed):
            try:
                callback(info)
            except Exception:  # noqa: BLE001 - the Z is stored; a follower (the daily report) failed
                log.exception("after closing Z %s", info.number)
        return info

    # --- helpers -----------------------------------------------------------------------
    def _info(self, s: Session, row: TillSession) -> SessionInfo:
        names = _names(s, row.opened_by, row.closed_by)
        return SessionInfo(row.id, row.uuid, row.till_id, row.status, row.business_date, row.opened_at,
                           names.get(row.opened_by, ""), row.opening_float, bool(row.auto_opened), row.closed_at,
                           names.get(row.closed_by, ""), row.counted, row.expected, row.difference, row.note or "")

    def _header(self, s: Session, row: TillSession, z_number: int | None = None) -> dict:
        names = _names(s, row.opened_by, row.closed_by)
        return {"z_number": z_number, "till": self.till_name, "business_date": row.business_date.isoformat(),
                "opened_by": names.get(row.opened_by, "kiosk-admin"),
                "opened_at": format_datetime(to_local(row.opened_at)),
                "closed_by": names.get(row.closed_by, "kiosk-admin") if row.closed_at else "",
                "closed_at": format_datetime(to_local(row.closed_at)) if row.closed_at else ""}


def _names(s: Session, *ids: int | None) -> dict[int, str]:
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    marks = ", ".join(str(int(i)) for i in wanted)
    return {int(i): n for i, n in s.execute(text(f"SELECT id, name FROM users WHERE id IN ({marks})"))}


def _counts_json(counts: Mapping[int, int] | None) -> str:
    return json.dumps(_plain_counts(counts), sort_keys=True) if counts is not None else ""


def _plain_counts(counts: Mapping[int, int] | None) -> dict[str, int] | None:
    if counts is None:
        return None
    return {str(int(v)): int(n) for v, n in sorted(counts.items(), reverse=True) if n}


def _z_info(z: ZReport, job: int | None = None) -> ZInfo:
    return ZInfo(z.number, z.till_id, z.session_id, z.business_date, z.created_at, json.loads(z.figures),
                 z.printed_text, job)
