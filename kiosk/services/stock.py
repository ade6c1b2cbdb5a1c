"""Stock: restocks (one product or a whole delivery), adjustments with a reason,
stock counts, the per-product ledger and the low-stock list.

Every change is a row in ``stock_movements``; a database trigger adds it to
``products.stock`` in the same statement, so a product's stock always equals the sum
of its ledger. Operations that touch several products (a delivery, a count) write all
their rows in one transaction: all of them are stored or none.

Reorder suggestion (low-stock list): with S = quantity sold (sales minus returns) over
the last ``history_days`` days, D = S / history_days per day, L = the low-stock level
and C = ``cover_days``:

    target    = L + max(D × C, L)
    suggested = target − stock, rounded up to whole units of measure (never below 0)

i.e. enough to cover C days of recent sales on top of the safety level; a product
that has not sold recently is brought to twice its level.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import Product, Sale, StockMovement, User, low_stock_condition, new_time_uuid, utcnow
from kiosk.core.catalog import ProductRef
from kiosk.core.errors import (
    InvalidProduct,
    InvalidQuantity,
    NotFound,
    ServiceHasNoStock,
    UnknownBarcode,
    UnknownProduct,
)
from kiosk.core.inventory_errors import EmptyDelivery, NothingCounted, QuantityOutOfRange, UnknownReason
from kiosk.core.product_fields import (
    MAX_QUANTITY_BASE,
    field_error,
    parse_amount,
    parse_quantity,
    whole_uom_ceiling,
)
from kiosk.core.stock_sheets import CountLine, CountSheet, DeliveryLine, DeliverySheet, check_quantity
from kiosk.core.units import SaleMode, Uom, to_base, tracks_stock
from kiosk.formatting import format_quantity, to_local
from kiosk.i18n import N_, translate
from kiosk.services.catalog import CatalogService, product_select, to_ref
from kiosk.services.inventory import ADJUSTMENT_REASONS
from kiosk.services.pacing import HOLD_S, Pacer
from kiosk.services.stock_drafts import SQL_TIME, StockDrafts, kind_of
from kiosk.core.permissions import Act
from kiosk.services import audit
from kiosk.services.access import Access, Authority, UserInfo

REASON_LABELS = {
    "sale": N_("Sale"),
    "return": N_("Return"),
    "restock": N_("Restock"),
    "adjustment": N_("Adjustment"),
    "count": N_("Stock count"),
}
# What the ``detail`` column can hold besides the adjustment reasons.
DETAIL_LABELS = {
    **ADJUSTMENT_REASONS,
    "initial": N_("Initial stock"),
    "csv_import": N_("CSV import"),
    "count": N_("Stock count"),
}
MAX_REFERENCE = 64
_INSERT_MOVEMENT = ("INSERT INTO stock_movements(uuid, product_id, quantity, reason, detail, reference, unit_cost,"
                    " user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
Quantity = int | str  # base sub-units, or text typed in the product's unit of measure
Amount = int | str  # minor units, or text typed in major units


def signed_quantity(quantity: int, uom: Uom | str) -> str:
    """+2 L / -500 ml: a ledger quantity with its sign."""
    if quantity == 0:
        return "0"
    return ("+" if quantity > 0 else "-") + format_quantity(abs(quantity), uom)


@dataclass(frozen=True)
class StockChange:
    """One product's stock after a change, ready to show."""

    product_id: int
    sku: str
    name: str
    uom: Uom
    quantity: int  # signed base sub-units of this change
    stock: int  # after the change
    low_stock: int = 0
    reason: str = ""

    @property
    def quantity_text(self) -> str:
        return signed_quantity(self.quantity, self.uom)

    @property
    def stock_text(self) -> str:
        return format_quantity(self.stock, self.uom)

    @property
    def is_low(self) -> bool:
        return self.low_stock > 0 and self.stock <= self.low_stock

    @property
    def message(self) -> str:
        return translate(N_("{name}: {quantity}, stock now {stock}")).format(
            name=self.name, quantity=self.quantity_text, stock=self.stock_text)


@dataclass(frozen=True)
class LedgerRow:
    id: int
    time: datetime  # local, aware
    reason: str  # sale | return | restock | adjustment | count
    reason_label: str  # "Venta", "Ajuste: Rotura", ...
    detail: str
    quantity: int  # signed base sub-units
    quantity_text: str  # "+2 L"
    balance: int  # stock right after this movement
    balance_text: str
    user: str
    reference: str  # sale number (V000042), delivery note, count reference
    unit_cost: int | None
    sale_number: int | None


@dataclass(frozen=True)
class LedgerPage:
    product: ProductRef
    rows: tuple[LedgerRow, ...]  # newest first
    total_rows: int
    ledger_sum: int  # sum of every movement; equals product.stock

    @property
    def stock_text(self) -> str:
        return format_quantity(self.product.stock, self.product.uom)


@dataclass(frozen=True)
class LowStockItem:
    product: ProductRef
    sold: int  # base sub-units sold (net of returns) in the history window
    days: int
    per_day: Decimal  # base sub-units per day
    suggested: int  # base sub-units to order

    @property
    def stock_text(self) -> str:
        return format_quantity(self.product.stock, self.product.uom)

    @property
    def level_text(self) -> str:
        return format_quantity(self.product.low_stock, self.product.uom)

    @property
    def sold_text(self) -> str:
        return format_quantity(max(self.sold, 0), self.product.uom)

    @property
    def suggested_text(self) -> str:
        return format_quantity(self.suggested, self.product.uom)


@dataclass(frozen=True)
class CountReviewLine:
    product: ProductRef
    expected: int
    counted: int
    difference: int
    expected_text: str
    counted_text: str
    difference_text: str


@dataclass(frozen=True)
class CountReview:
    lines: tuple[CountReviewLine, ...]  # differences first, biggest loss first
    changed: int
    unchanged: int


@dataclass(frozen=True)
class SheetResult:
    """What a delivery or a count changed."""

    changes: tuple[StockChange, ...]
    unchanged: int = 0
    reference: str = ""
    cost_total: int = 0


def _check_reference(reference: str) -> str:
    reference = reference.strip()
    if len(reference) > MAX_REFERENCE:
        raise InvalidProduct(field=translate(N_("Reference")), reason=translate(N_("reference is too long")),
                             key="reference")
    return reference


def _add_movement(s, product: Product, quantity: int, reason: str, *, detail: str = "",  # noqa: ANN001
                  reference: str = "", unit_cost: int | None = None, user_id: int | None = None,
                  created_at: datetime | None = None) -> StockChange:
    """Insert one ledger row inside the caller's transaction; returns the new stock."""
    if quantity == 0:
        raise InvalidQuantity(quantity=quantity)
    if abs(quantity) > MAX_QUANTITY_BASE:
        raise QuantityOutOfRange(quantity=format_quantity(abs(quantity), product.uom))
    if not tracks_stock(SaleMode(product.sale_mode)):
        raise ServiceHasNoStock(name=product.name)
    row = StockMovement(product_id=product.id, quantity=quantity, reason=reason, detail=detail,
                        reference=reference, unit_cost=unit_cost, user_id=user_id)
    if created_at is not None:
        row.created_at = created_at
    s.add(row)
    if unit_cost is not None and reason == "restock":
        product.cost = unit_cost  # the latest purchase price becomes the product's cost
    s.flush()
    s.refresh(product, ["stock"])
    return StockChange(product.id, product.sku, product.name, Uom(product.uom), quantity, product.stock,
                       product.low_stock, reason)


def _audit_movement(s, who: Authority, product: Product, change: StockChange, cost_before: int,  # noqa: ANN001
                    detail: str, reference: str) -> None:
    """Audit rows for one stock change: an adjustment, and a cost the restock changed."""
    subject = f"{product.sku} {product.name}"
    if change.reason == "adjustment":
        audit.record(s, "stock_adjusted", subject, before={"stock": change.stock - change.quantity},
                     after={"stock": change.stock, "quantity": change.quantity, "reason": detail,
                            "reference": reference}, by=who)
    if product.cost != cost_before:
        audit.record(s, "price_changed", subject, before={"cost": cost_before}, after={"cost": product.cost},
                     by=who)


def record_movement(db: Database, product_id: int, quantity: int, reason: str, *, detail: str = "",
                    reference: str = "", unit_cost: int | None = None, user_id: int | None = None,
                    by: UserInfo | None = None, access: Access | None = None) -> StockChange:
    """One ledger row in its own transaction. With ``by``, the ``adjust_stock`` act is
    checked in that transaction (through ``access``) and the change audited; without,
    callers are set-up code (demo data)."""
    if reason == "adjustment" and detail not in ADJUSTMENT_REASONS:
        raise UnknownReason(reason=detail)
    if reason == "restock" and quantity <= 0:
        raise InvalidQuantity(quantity=quantity)
    if unit_cost is not None and unit_cost < 0:
        raise field_error("cost", N_("cannot be negative"))
    reference = _check_reference(reference)
    with db.write() as s:
        who = (access or Access()).check(s, by, Act.ADJUST_STOCK) if by is not None else None
        if who is not None:
            user_id = who.user_id
        product = s.get(Product, product_id)
        if product is None:
            raise NotFound(what=translate(N_("product {id}")).format(id=product_id))
        cost_before = product.cost
        change = _add_movement(s, product, quantity, reason, detail=detail, reference=reference,
                               unit_cost=unit_cost, user_id=user_id)
        if who is not None:
            _audit_movement(s, who, product, change, cost_before, detail, reference)
        return change


class StockService:
    """Quantities are ``int`` base sub-units (ml, g, counts) or ``str`` as typed on a
    keypad in the product's unit of measure ("2,5" litres); costs are ``int`` minor
    units or ``str`` major units ("1,60"). Typing mistakes raise InvalidProduct with
    the field ("stock", "cost") in ``params["key"]``."""

    def __init__(self, db: Database, catalog: CatalogService, *, history_days: int = 30, cover_days: int = 14,
                 decimals: int = 2, clock: Callable[[], datetime] = utcnow, access: Access | None = None):
        self.db = db
        self.access = access or Access()
        self.catalog = catalog
        self.history_days = history_days
        self.cover_days = cover_days
        self.decimals = decimals
        self.clock = clock
        self.drafts = StockDrafts(db)
        self.hold_s = HOLD_S  # lock held per transaction when a sheet is written (kiosk.services.pacing)

    def _base(self, product: ProductRef, quantity: Quantity, *, signed: bool = False) -> int:
        if isinstance(quantity, str):
            return parse_quantity(quantity, product.uom, "stock", allow_negative=signed)
        return quantity

    def _cost(self, cost: Amount | None) -> int | None:
        if isinstance(cost, str):
            return parse_amount(cost, self.decimals, "cost") if cost.strip() else None
        return cost

    # --- finding what was scanned ----------------------------------------------------
    def find(self, code: str) -> ProductRef:
        """A scanned barcode or a typed SKU (exact, else upper-cased) -> the product (inactive ones too: stock
        of a product no longer sold can still be counted). Raises UnknownBarcode, or
        InvalidBarcode for a misread retail code."""
        code = code.strip()
        match = self.catalog.lookup_barcode(code) if code else None
        if match is not None:
            return match.product
        for sku in dict.fromkeys((code, code.upper())):  # SKUs typed on a touch keyboard come lower-case
            try:
                return self.catalog.by_sku(sku)
            except UnknownProduct:
                continue
        raise UnknownBarcode(code=code)

    def _product(self, product_id: int) -> ProductRef:
        ref = self.catalog.product(product_id)
        if ref is None:
            raise NotFound(what=translate(N_("product {id}")).format(id=product_id))
        return ref

    # --- single changes ------------------------------------------------------------
    def restock(self, product_id: int, quantity: Quantity, by: UserInfo, *, unit_cost: Amount | None = None,
                reference: str = "") -> StockChange:
        """Goods received (the catalog's quick "+"); a ``unit_cost`` (per unit of
        measure) becomes the product's cost."""
        self.access.precheck(by, Act.ADJUST_STOCK)
        base = self._base(self._product(product_id), quantity)
        check_quantity(base)
        return record_movement(self.db, product_id, base, "restock", reference=reference,
                               unit_cost=self._cost(unit_cost), by=by, access=self.access)

    def adjust(self, product_id: int, delta: Quantity, reason: str, by: UserInfo, *,
               reference: str = "") -> StockChange:
        """Stock lost or found: signed ``delta``, ``reason`` one of ADJUSTMENT_REASONS
        (breakage, expired, internal_use, theft, count_correction)."""
        self.access.precheck(by, Act.ADJUST_STOCK)
        if reason not in ADJUSTMENT_REASONS:
            raise UnknownReason(reason=reason)
        base = self._base(self._product(product_id), delta, signed=True)
        return record_movement(self.db, product_id, base, "adjustment", detail=reason, reference=reference,
                               by=by, access=self.access)

    def adjustment_reasons(self) -> list[tuple[str, str]]:
        """(code, label) pairs for the adjustment screen's buttons."""
        return [(code, translate(label)) for code, label in ADJUSTMENT_REASONS.items()]

    # --- sheets in progress (kept as drafts, see stock_drafts) ---------------------------
    def remove_line(self, sheet: CountSheet | DeliverySheet, product_id: int) -> None:
        sheet.remove(product_id)
        self.drafts.save_line(sheet, product_id)

    def discard(self, sheet: CountSheet | DeliverySheet) -> None:
        """Drop a count or delivery without applying it."""
        self.drafts.discard(kind_of(sheet))

    def in_progress(self) -> dict[str, int]:
        """Products on the count and the delivery left open ({} when none is)."""
        return self.drafts.in_progress()

    def _saved(self, sheet: CountSheet | DeliverySheet, line):  # noqa: ANN001, ANN202
        self.drafts.save_line(sheet, line.product.id)
        return line

    # --- deliveries --------------------------------------------------------------------
    def start_delivery(self, reference: str = "") -> DeliverySheet:
        """A new, empty delivery (one left unfinished is discarded: see resume_delivery)."""
        sheet = DeliverySheet(_check_reference(reference), started_at=self.clock())
        self.drafts.discard("delivery")
        return sheet

    def resume_delivery(self) -> DeliverySheet | None:
        """The delivery being received when the kiosk last stopped, if any."""
        return self.drafts.load("delivery", self.catalog.product)

    def set_delivery_reference(self, sheet: DeliverySheet, reference: str) -> None:
        sheet.reference = _check_reference(reference)
        self.drafts.save_reference(sheet)

    def delivery_scan(self, sheet: DeliverySheet, code: str, quantity: Quantity | None = None,
                      unit_cost: Amount | None = None) -> DeliveryLine:
        """Add a scanned (or typed SKU) product to a delivery, one unit of measure
        unless ``quantity`` says otherwise; scanning it again adds."""
        product = self.find(code)
        base = to_base(1, product.uom) if quantity is None else self._base(product, quantity)
        return self._saved(sheet, sheet.add(product, base, self._cost(unit_cost)))

    def delivery_add(self, sheet: DeliverySheet, product_id: int, quantity: Quantity,
                     unit_cost: Amount | None = None) -> DeliveryLine:
        product = self._product(product_id)
        return self._saved(sheet, sheet.add(product, self._base(product, quantity), self._cost(unit_cost)))

    def delivery_set(self, sheet: DeliverySheet, product_id: int, quantity: Quantity,
                     unit_cost: Amount | None = None) -> DeliveryLine:
        """Correct a delivery line (replaces its quantity and cost)."""
        product = self._product(product_id)
        return self._saved(sheet, sheet.set(product_id, self._base(product, quantity), self._cost(unit_cost)))

    def receive(self, sheet: DeliverySheet, by: UserInfo) -> SheetResult:
        """Store a whole delivery as restock movements (all or none, see _apply_sheet).
        The ``adjust_stock`` act; a cost the delivery changes is audited."""
        self.access.precheck(by, Act.ADJUST_STOCK)
        if not len(sheet):
            raise EmptyDelivery()
        reference = _check_reference(sheet.reference)
        lines = [(ln.product.id, ln.quantity, None, ln.unit_cost) for ln in sheet.lines]

        def audit_costs(s: Session, who: Authority) -> None:
            """One row for every cost the delivery changes (a 3,000-line delivery is one
            statement, not 3,000, in the transaction that commits it)."""
            costs = {ln.product.id: ln.unit_cost for ln in sheet.lines if ln.unit_cost is not None}
            if not costs:
                return
            changed = [(sku, name, cost, costs[pid]) for pid, sku, name, cost in s.execute(
                select(Product.id, Product.sku, Product.name, Product.cost).where(Product.id.in_(costs))
                .order_by(Product.sku)) if cost != costs[pid]]
            if not changed:
                return
            subject = (f"{changed[0][0]} {changed[0][1]}" if len(changed) == 1
                       else translate(N_("Delivery {reference}: {count} costs")).format(
                           reference=reference or "-", count=len(changed)))
            if len(changed) == 1:
                before, after = {"cost": changed[0][2]}, {"cost": changed[0][3]}
            else:
                before = {"products": [{"sku": sku, "cost": old} for sku, _n, old, _new in changed]}
                after = {"products": [{"sku": sku, "cost": new} for sku, _n, _old, new in changed]}
            audit.record(s, "price_changed", subject, before=before, after=after, by=who)

        changes = self._apply_sheet("delivery", lines, reference, by, sheet.started_at, audit_costs)
        return SheetResult(changes, 0, reference, sheet.cost_total)

    # --- writing a sheet ---------------------------------------------------------------
    def _apply_sheet(self, kind: str, lines: list[tuple[int, int, int | None, int | None]], reference: str,
                     by: UserInfo, started_at: datetime | None,
                     audit_rows: Callable[[Session, Authority], None]) -> tuple[StockChange, ...]:
        """Every line of a delivery or count as ledger rows, out of the till's way.

        The lines are checked first (a read), then stored as the sheet's draft and the
        draft marked as being applied: from then on it is written in short paced
        transactions (kiosk.services.pacing), each inserting the ledger rows of the
        next lines (one multi-row INSERT; the ledger trigger moves each stock) and
        deleting those lines from the draft, the last one deleting the draft. So the
        sheet is all or nothing for the user (a crash half-way is finished from the
        remaining lines by ``finish_interrupted``) and never applied twice, and a
        5,000-line count never holds the write lock for more than ~100 ms at a time.

        The ``adjust_stock`` act is checked, and ``audit_rows`` written, in the
        transaction that marks the draft as being applied: the one from which the
        sheet will be written (a one-time authorisation is spent when it commits)."""
        ids = [pid for pid, *_rest in lines]
        with self.db.read() as s:
            found = {r.id: r for r in s.execute(select(Product.id, Product.name, Product.uom, Product.sale_mode)
                                                .where(Product.id.in_(ids)))}
        for pid, quantity, expected, unit_cost in lines:
            product = found.get(pid)
            if product is None:
                raise NotFound(what=translate(N_("product {id}")).format(id=pid))
            moved = quantity if expected is None else quantity - expected
            if kind == "delivery" and moved == 0:
                raise InvalidQuantity(quantity=moved)
            if abs(moved) > MAX_QUANTITY_BASE:
                raise QuantityOutOfRange(quantity=format_quantity(abs(moved), product.uom))
            if moved and not tracks_stock(SaleMode(product.sale_mode)):
                raise ServiceHasNoStock(name=product.name)
            if unit_cost is not None and unit_cost < 0:
                raise field_error("cost", N_("cannot be negative"))

        def authorise(s: Session) -> int:
            who = self.access.check(s, by, Act.ADJUST_STOCK)
            audit_rows(s, who)
            return who.user_id

        self.drafts.mark_applying(kind, lines, reference, authorise, self.clock(), started_at, hold_s=self.hold_s)
        return self._write_draft(kind)

    def _write_draft(self, kind: str) -> tuple[StockChange, ...]:
        pacer = Pacer(hold_s=self.hold_s)
        changes: list[StockChange] = []
        while True:
            t0 = time.perf_counter()
            with self.db.write() as s:
                conn = s.connection()
                draft = conn.exec_driver_sql("SELECT id, reference, applying_by, applying_at FROM stock_drafts"
                                             " WHERE kind = ? AND applying_by IS NOT NULL", (kind,)).first()
                if draft is None:  # finished (here or by another process)
                    break
                rows = conn.exec_driver_sql("SELECT id, product_id, quantity, expected, unit_cost FROM"
                                            " stock_draft_lines WHERE draft_id = ? ORDER BY id LIMIT ?",
                                            (draft.id, pacer.size)).all()
                if not rows:
                    conn.exec_driver_sql("DELETE FROM stock_drafts WHERE id = ?", (draft.id,))
                    break
                changes.extend(self._write_lines(conn, kind, draft, rows))
                conn.exec_driver_sql("DELETE FROM stock_draft_lines WHERE draft_id = ? AND id <= ?",
                                     (draft.id, rows[-1].id))
            pacer.held(len(rows), time.perf_counter() - t0)
            pacer.pause()
        return tuple(changes)

    @staticmethod
    def _write_lines(conn, kind: str, draft, rows) -> list[StockChange]:  # noqa: ANN001
        reason, detail = ("restock", "") if kind == "delivery" else ("count", "count")
        stamp = draft.applying_at if isinstance(draft.applying_at, str) else draft.applying_at.strftime(SQL_TIME)
        moves = [(r.product_id, r.quantity if r.expected is None else r.quantity - r.expected, r.unit_cost)
                 for r in rows]
        moves = [m for m in moves if m[1]]
        if not moves:
            return []
        conn.exec_driver_sql(_INSERT_MOVEMENT, [(new_time_uuid(), pid, quantity, reason, detail, draft.reference,
                                                 cost, draft.applying_by, stamp) for pid, quantity, cost in moves])
        costs = [(cost, stamp, pid) for pid, _q, cost in moves if cost is not None and reason == "restock"]
        if costs:  # the latest purchase price becomes the product's cost
            conn.exec_driver_sql("UPDATE products SET cost = ?, updated_at = ? WHERE id = ?", costs)
        ids = [pid for pid, _q, _c in moves]
        marks = ",".join("?" * len(ids))
        now = {r.id: r for r in conn.exec_driver_sql(
            f"SELECT id, sku, name, uom, low_stock, stock FROM products WHERE id IN ({marks})", tuple(ids))}
        return [StockChange(pid, now[pid].sku, now[pid].name, Uom(now[pid].uom), quantity, now[pid].stock,
                            now[pid].low_stock, reason) for pid, quantity, _c in moves]

    def finish_interrupted(self) -> list[SheetResult]:
        """Finish counts and deliveries whose writing a crash or power cut interrupted."""
        results = []
        for kind in self.drafts.applying():
            changes = self._write_draft(kind)
            results.append(SheetResult(changes, 0, ""))
        return results

    # --- stock counts --------------------------------------------------------------
    def start_count(self) -> CountSheet:
        """A new, empty count (one left unfinished is discarded: see resume_count)."""
        sheet = CountSheet(self.clock())
        self.drafts.discard("count")
        return sheet

    def resume_count(self) -> CountSheet | None:
        """The count in progress when the kiosk last stopped, if any, with each line's
        expected stock as it was when that product was counted."""
        return self.drafts.load("count", self.catalog.product)

    def count_scan(self, sheet: CountSheet, code: str, quantity: Quantity | None = None, *,
                   add: bool = True) -> CountLine:
        """Scan-and-count: each scan adds one unit of measure (or ``quantity``) to the
        product's count."""
        product = self.find(code)
        base = to_base(1, product.uom) if quantity is None else self._base(product, quantity)
        return self._saved(sheet, sheet.record(product, base, add=add))

    def count_product(self, sheet: CountSheet, product_id: int, quantity: Quantity, *,
                      add: bool = False) -> CountLine:
        """Type the counted quantity of a product (replaces the count unless ``add``)."""
        product = self._product(product_id)
        return self._saved(sheet, sheet.record(product, self._base(product, quantity), add=add))

    def review_count(self, sheet: CountSheet) -> CountReview:
        lines = []
        for ln in sheet.lines:
            uom = ln.product.uom
            lines.append(CountReviewLine(ln.product, ln.expected, ln.counted, ln.difference,
                                         format_quantity(ln.expected, uom), format_quantity(ln.counted, uom),
                                         signed_quantity(ln.difference, uom)))
        lines.sort(key=lambda ln: (ln.difference == 0, ln.difference, ln.product.name))
        changed = sum(1 for ln in lines if ln.difference)
        return CountReview(tuple(lines), changed, len(lines) - changed)

    def count_reference(self, sheet: CountSheet) -> str:
        started = to_local(sheet.started_at or self.clock())
        return f"C{started:%Y%m%d-%H%M}"

    def apply_count(self, sheet: CountSheet, by: UserInfo) -> SheetResult:
        """Apply every difference as a ``count`` movement, all in one transaction.
        Each difference is counted - stock when the product was first counted, so
        sales made during the count are kept."""
        self.access.precheck(by, Act.ADJUST_STOCK)
        if not len(sheet):
            raise NothingCounted()
        reference = self.count_reference(sheet)
        lines = [(ln.product.id, ln.counted, ln.expected, None) for ln in sheet.lines]
        diffs = sheet.differences()

        def audit_count(s: Session, who: Authority) -> None:
            audit.record(s, "stock_counted", reference, by=who, after={
                "products": len(sheet), "unchanged": len(sheet) - len(diffs),
                "differences": [{"sku": ln.product.sku, "expected": ln.expected, "counted": ln.counted,
                                 "difference": ln.difference} for ln in diffs]})

        changes = self._apply_sheet("count", lines, reference, by, sheet.started_at, audit_count)
        return SheetResult(changes, len(sheet) - len(changes), reference)

    # --- the ledger ----------------------------------------------------------------
    def ledger(self, product_id: int, *, limit: int = 200, offset: int = 0) -> LedgerPage:
        """A product's movements, newest first, each with the stock right after it."""
        product = self._product(product_id)
        m = StockMovement
        balance = func.sum(m.quantity).over(order_by=m.id).label("balance")
        inner = (select(m.id, m.created_at, m.reason, m.detail, m.quantity, m.reference, m.unit_cost,
                        m.user_id, m.sale_id, balance).where(m.product_id == product_id).subquery())
        stmt = (select(inner, User.name.label("user_name"), Sale.number.label("sale_number"))
                .outerjoin(User, User.id == inner.c.user_id).outerjoin(Sale, Sale.id == inner.c.sale_id)
                .order_by(inner.c.id.desc()).limit(limit).offset(offset))
        with self.db.read() as s:
            rows = s.execute(stmt).all()
            total, ledger_sum = s.execute(select(func.count(m.id), func.coalesce(func.sum(m.quantity), 0))
                                          .where(m.product_id == product_id)).one()
        uom = product.uom
        out = []
        for r in rows:
            label = translate(REASON_LABELS.get(r.reason, r.reason))
            if r.detail and r.detail in DETAIL_LABELS and r.reason != "count":
                label = f"{label}: {translate(DETAIL_LABELS[r.detail])}"
            out.append(LedgerRow(r.id, to_local(r.created_at), r.reason, label, r.detail, r.quantity,
                                 signed_quantity(r.quantity, uom), r.balance, format_quantity(r.balance, uom),
                                 r.user_name or "", r.reference or "", r.unit_cost, r.sale_number))
        return LedgerPage(product, tuple(out), total, ledger_sum)

    def ledger_for_sku(self, sku: str, *, limit: int = 200, offset: int = 0) -> LedgerPage:
        return self.ledger(self.catalog.by_sku(sku).id, limit=limit, offset=offset)

    # --- low stock -----------------------------------------------------------------
    def _low_filter(self, stmt):  # noqa: ANN001, ANN202
        # Word for word the partial index's condition (db/models.py), so SQLite reads the
        # index of low products, not the catalog.
        return stmt.where(text(low_stock_condition()))

    def low_stock_count(self) -> int:
        """For the admin menu's badge: active products at or below their level."""
        with self.db.read() as s:
            return s.scalar(self._low_filter(select(func.count(Product.id)))) or 0

    def low_stock(self) -> list[LowStockItem]:
        """Products at or below their low-stock level, emptiest first (relative to
        the level), each with a suggested reorder quantity (module docstring)."""
        since = self.clock() - timedelta(days=self.history_days)
        with self.db.read() as s:
            refs = [to_ref(r) for r in s.execute(self._low_filter(product_select()))]
            sold: dict[int, int] = {}
            ids = [p.id for p in refs]
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                sold.update(s.execute(
                    select(StockMovement.product_id, -func.sum(StockMovement.quantity))
                    .where(StockMovement.product_id.in_(chunk), StockMovement.reason.in_(("sale", "return")),
                           StockMovement.created_at >= since)
                    .group_by(StockMovement.product_id)).all())
        items = []
        for p in refs:
            n = int(sold.get(p.id) or 0)
            per_day = Decimal(max(n, 0)) / self.history_days
            target = p.low_stock + max(per_day * self.cover_days, Decimal(p.low_stock))
            need = target - p.stock
            suggested = whole_uom_ceiling(int(need.to_integral_value(rounding=ROUND_CEILING)), p.uom)
            items.append(LowStockItem(p, n, self.history_days, per_day, suggested))
        items.sort(key=lambda i: (Decimal(i.product.stock) / i.product.low_stock, i.product.name))
        return items
