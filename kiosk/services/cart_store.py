"""Each cashier's cart, stored line by line as it changes (tables ``carts`` and
``cart_lines``), so a crash, a restart or a power cut in the middle of a sale loses
no line and unlocking returns to the cart.

**Which copy is the truth.** The cart in memory (kiosk.core.cart.Cart, owned by the
counter service) is authoritative while the kiosk runs; every change is handed to
this store as the line's new state and written by one writer thread, in order, one
small transaction per change. So a scan never waits for the disk (a ``synchronous =
FULL`` commit costs an fsync) and a database held by another writer (an import, a
stock count, a backup) never stalls or crashes the screen: the writer waits and tries
the same change again until it is stored. A power cut loses at most the changes not
yet committed: normally the one in flight (milliseconds), or those queued behind a
long lock of the database.

**Checkout.** The counter calls ``flush()`` (every queued change written) before the
sale, with the cart frozen, and the sale's own transaction calls ``delete_in()``: a
sale can never leave its cart behind, and a cart can never be sold twice (a stored
cart that is already gone makes the sale fail with nothing written).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, select

from db.engine import Database, is_busy
from db.models import LOCAL_TILL_ID, Product, StoredCart, StoredCartLine, utcnow
from db.raw_sql import stamp
from kiosk.core.cart import Cart, CartLine, LineEntry
from kiosk.core.catalog import ProductRef
from kiosk.core.discounts import Discount, DiscountKind
from kiosk.core.errors import DomainError
from kiosk.i18n import N_
from kiosk.services.catalog import product_select, to_ref

log = logging.getLogger(__name__)


class CartAlreadySold(DomainError):
    code = "cart_already_sold"
    template = N_("This cart was already sold: nothing was stored. Check the sales history.")


@dataclass(frozen=True)
class _Change:
    cart_uuid: str
    user_id: int
    line_id: int | None  # None: the whole cart was emptied
    line: CartLine | None  # the line's new state; None: removed
    done: threading.Event | None = None  # flush markers carry only this
    header: tuple | None = None  # the cart's own fields: (discount kind, value, reason)


_UPSERT_CART = ("INSERT INTO carts (uuid, till_id, user_id, status, created_at, updated_at) "
                "VALUES (:uuid, :till, :user, 'open', :now, :now) "
                "ON CONFLICT (uuid) DO UPDATE SET updated_at = excluded.updated_at RETURNING id")
_UPSERT_LINE = ("INSERT INTO cart_lines (cart_id, line_no, product_id, quantity, entry, fixed_total, tare, "
                "unit_price, tax_rate_bp, discount_kind, discount_value, discount_reason, override_price, "
                "override_reason) VALUES (:cart, :no, :product, :quantity, :entry, :fixed, :tare, "
                ":price, :tax, :dkind, :dvalue, :dreason, :oprice, :oreason) "
                "ON CONFLICT (cart_id, line_no) DO UPDATE SET product_id = excluded.product_id, "
                "quantity = excluded.quantity, entry = excluded.entry, fixed_total = excluded.fixed_total, "
                "tare = excluded.tare, unit_price = excluded.unit_price, tax_rate_bp = excluded.tax_rate_bp, "
                "discount_kind = excluded.discount_kind, discount_value = excluded.discount_value, "
                "discount_reason = excluded.discount_reason, override_price = excluded.override_price, "
                "override_reason = excluded.override_reason")
_CART_HEADER = ("UPDATE carts SET discount_kind = :kind, discount_value = :value, discount_reason = :reason "
                "WHERE id = :cart")
_DELETE_LINE = "DELETE FROM cart_lines WHERE cart_id = :cart AND line_no = :no"
_DELETE_LINES = "DELETE FROM cart_lines WHERE cart_id = :cart"
_DELETE_CART_LINES = "DELETE FROM cart_lines WHERE cart_id IN (SELECT id FROM carts WHERE uuid = ?)"
_DELETE_CART = "DELETE FROM carts WHERE uuid = ?"


@dataclass(frozen=True)
class ParkedRow:
    uuid: str
    label: str
    parked_at: datetime  # naive UTC
    user_id: int
    lines: int
    total: int


def _discount(kind: str | None, value: int | None, reason: str | None) -> Discount | None:
    if not kind or value is None:
        return None
    return Discount(DiscountKind(kind), value, reason or "")


def _placeholder(s, product_id: int) -> ProductRef | None:  # noqa: ANN001
    """The product as the catalog has it (active or not), for totals of parked carts."""
    row = s.execute(product_select().where(Product.id == product_id)).first()
    return to_ref(row) if row is not None else None


class CartStore:
    def __init__(self, db: Database, *, retry_s: float = 0.2, till_id: int = LOCAL_TILL_ID):
        self.db = db
        self.retry_s = retry_s
        self.till_id = till_id
        self._queue: queue.Queue[_Change | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._written: set[str] = set()  # carts with a row in the database
        self.failures = 0  # changes dropped after an error that is not a busy database (logged)

    # --- the writer -----------------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="cart-store", daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Write what is queued (up to ``timeout``) and end the writer."""
        with self._lock:
            thread = self._thread
            self._thread = None
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            change = self._queue.get()
            try:
                if change is None:
                    return
                self._handle(change)
            finally:
                self._queue.task_done()  # flush() reads the count of changes not yet done

    def _handle(self, change: _Change) -> None:
        if change.done is not None:
            change.done.set()
            return
        while True:
            try:
                self._write(change)
                return
            except Exception as exc:  # noqa: BLE001 - a lost change is logged, never raised
                if is_busy(exc):
                    log.info("cart %s: database busy, storing the change again", change.cart_uuid)
                    time.sleep(self.retry_s)
                    continue
                self.failures += 1
                log.exception("cart %s: a change could not be stored", change.cart_uuid)
                return

    def _write(self, change: _Change) -> None:
        with self.db.write_connection() as conn:
            cart_id = conn.exec_driver_sql(_UPSERT_CART, {"uuid": change.cart_uuid, "till": self.till_id,
                                                          "user": change.user_id, "now": stamp(utcnow())}).scalar()
            if change.header is not None:
                kind, value, reason = change.header
                conn.exec_driver_sql(_CART_HEADER, {"cart": cart_id, "kind": kind, "value": value, "reason": reason})
            elif change.line_id is None:
                conn.exec_driver_sql(_DELETE_LINES, {"cart": cart_id})
                conn.exec_driver_sql(_CART_HEADER, {"cart": cart_id, "kind": None, "value": None, "reason": ""})
            elif change.line is None:
                conn.exec_driver_sql(_DELETE_LINE, {"cart": cart_id, "no": change.line_id})
            else:
                ln = change.line
                conn.exec_driver_sql(_UPSERT_LINE, {
                    "cart": cart_id, "no": ln.id, "product": ln.product.id, "quantity": ln.quantity,
                    "entry": ln.entry.value, "fixed": ln.fixed_total, "tare": ln.tare, "price": ln.product.price,
                    "tax": ln.product.tax_rate_bp, "dkind": ln.discount.kind.value if ln.discount else None,
                    "dvalue": ln.discount.value if ln.discount else None,
                    "dreason": ln.discount.reason if ln.discount else "", "oprice": ln.override_price,
                    "oreason": ln.override_reason})
        self._written.add(change.cart_uuid)

    # --- changes (any thread; ordered) ---------------------------------------------------------
    def line_changed(self, cart: Cart, user_id: int, line_id: int) -> None:
        """Store line ``line_id`` as it now is in ``cart`` (gone from it: deleted)."""
        line = next((ln for ln in cart.lines if ln.id == line_id), None)
        self._put(_Change(cart.uuid, user_id, line_id, line))

    def lines_changed(self, cart: Cart, user_id: int) -> None:
        """Every line as it now is (after a re-pricing touched several)."""
        for line in cart.lines:
            self._put(_Change(cart.uuid, user_id, line.id, line))

    def cleared(self, cart: Cart, user_id: int) -> None:
        self._put(_Change(cart.uuid, user_id, None, None))

    def header_changed(self, cart: Cart, user_id: int) -> None:
        """The sale discount changed."""
        d = cart.sale_discount
        self._put(_Change(cart.uuid, user_id, None, None,
                          header=(d.kind.value, d.value, d.reason) if d is not None else (None, None, "")))

    def _put(self, change: _Change) -> None:
        self._queue.put(change)
        self._ensure_thread()

    def flush(self, timeout: float) -> bool:
        """Wait until every change handed over so far is written (True), at most
        ``timeout`` seconds (False: the database stayed busy)."""
        if not self._queue.unfinished_tasks:  # nothing waiting nor being written: no round trip to the writer
            return True
        done = threading.Event()
        self._put(_Change("", 0, None, None, done))
        return done.wait(timeout)

    # --- inside the sale's transaction -------------------------------------------------------------
    def delete_in(self, conn: Connection, cart_uuid: str) -> None:
        """Delete the stored cart in the caller's transaction (the sale's). Raises
        CartAlreadySold when a cart that was stored is not there any more."""
        conn.exec_driver_sql(_DELETE_CART_LINES, (cart_uuid,))
        gone = conn.exec_driver_sql(_DELETE_CART, (cart_uuid,)).rowcount
        if not gone and cart_uuid in self._written:
            raise CartAlreadySold()

    # --- reading -----------------------------------------------------------------------------------
    def load(self, user_id: int, product: Callable[[int], ProductRef | None]) -> tuple[Cart | None, list[str]]:
        """The open cart ``user_id`` left on this till, rebuilt with the products as the
        catalog has them now (``product(id)``), and the names of lines whose product is
        gone; (None, []) when there is none. Prices are compared by the counter."""
        with self.db.read() as s:
            stored = s.scalars(select(StoredCart).where(StoredCart.user_id == user_id,
                                                        StoredCart.till_id == self.till_id,
                                                        StoredCart.status == "open")
                               .order_by(StoredCart.updated_at.desc(), StoredCart.id.desc())).first()
            if stored is None:
                return None, []
            return self._rebuild(stored, product)

    def _rebuild(self, stored: StoredCart, product: Callable[[int], ProductRef | None]) -> tuple[Cart, list[str]]:
        uuid = stored.uuid
        header = _discount(stored.discount_kind, stored.discount_value, stored.discount_reason)
        rows = [(r.line_no, r.product_id, r.quantity, r.entry, r.fixed_total, r.tare, r.unit_price,
                 r.tax_rate_bp, _discount(r.discount_kind, r.discount_value, r.discount_reason),
                 r.override_price, r.override_reason) for r in stored.lines]
        lines: list[CartLine] = []
        gone: list[str] = []
        for line_no, product_id, quantity, entry, fixed_total, tare, unit_price, tax_bp, disc, oprice, oreason in rows:
            ref = product(product_id)
            if ref is None:
                gone.append(f"#{product_id}")
                continue
            # The line as it was rung up; the counter re-prices it against the catalog.
            lines.append(CartLine(line_no, replace(ref, price=unit_price, tax_rate_bp=tax_bp), quantity,
                                  LineEntry(entry), fixed_total, tare, disc, oprice, oreason or ""))
        self._written.add(uuid)
        return Cart(uuid, lines, header), gone

    # --- parked carts ------------------------------------------------------------------------------
    def park(self, cart: Cart, user_id: int, label: str, timeout: float) -> bool:
        """Set the cart aside (status 'parked', with its label and time) once every
        change of it is written; False when the database stayed busy (nothing changed)."""
        if not self.flush(timeout):
            return False
        with self.db.write_connection() as conn:
            now = stamp(utcnow())
            cart_id = conn.exec_driver_sql(_UPSERT_CART, {"uuid": cart.uuid, "till": self.till_id, "user": user_id,
                                                          "now": now}).scalar()
            conn.exec_driver_sql("UPDATE carts SET status = 'parked', label = ?, parked_at = ? WHERE id = ?",
                                 (label.strip()[:40], now, cart_id))
        return True

    def parked(self) -> list[ParkedRow]:
        """Parked carts of this till, oldest first, rebuilt at the prices they were rung up at."""
        with self.db.read() as s:
            rows = s.scalars(select(StoredCart).where(StoredCart.till_id == self.till_id,
                                                      StoredCart.status == "parked")
                             .order_by(StoredCart.parked_at, StoredCart.id)).all()
            out = []
            for stored in rows:
                names = {r.product_id for r in stored.lines}
                cart, _ = self._rebuild(stored, lambda pid, _n=names: _placeholder(s, pid))
                user = stored.user_id
                out.append(ParkedRow(stored.uuid, stored.label, stored.parked_at or stored.updated_at, user,
                                     len(cart), cart.total))
        return out

    def take_parked(self, cart_uuid: str, user_id: int, product: Callable[[int], ProductRef | None]
                    ) -> tuple[Cart, list[str]]:
        """Bring a parked cart back as ``user_id``'s open cart. Raises
        ParkedCartNotFound when it is gone (recovered meanwhile, on another screen)."""
        from kiosk.core.returns_errors import ParkedCartNotFound

        with self.db.write() as s:
            changed = s.connection().exec_driver_sql(
                "UPDATE carts SET status = 'open', user_id = ?, parked_at = NULL, updated_at = ? "
                "WHERE uuid = ? AND status = 'parked' AND till_id = ?",
                (user_id, stamp(utcnow()), cart_uuid, self.till_id)).rowcount
            if not changed:
                raise ParkedCartNotFound()
        with self.db.read() as s:
            stored = s.scalars(select(StoredCart).where(StoredCart.uuid == cart_uuid)).one()
            return self._rebuild(stored, product)

    def open_carts(self) -> dict[int, int]:
        """{user id: lines} of the carts left open on this till (kiosk-admin status)."""
        with self.db.read() as s:
            rows = s.execute(select(StoredCart.user_id, StoredCartLine.id)
                             .join(StoredCartLine, isouter=True)
                             .where(StoredCart.till_id == self.till_id, StoredCart.status == "open")).all()
        out: dict[int, int] = {}
        for user_id, line_id in rows:
            out[user_id] = out.get(user_id, 0) + (1 if line_id is not None else 0)
        return out
