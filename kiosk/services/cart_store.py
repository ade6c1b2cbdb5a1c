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

from sqlalchemy import Connection, select

from db.engine import Database, is_busy
from db.models import LOCAL_TILL_ID, StoredCart, StoredCartLine, utcnow
from db.raw_sql import stamp
from kiosk.core.cart import Cart, CartLine, LineEntry
from kiosk.core.catalog import ProductRef
from kiosk.core.errors import DomainError
from kiosk.i18n import N_

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


_UPSERT_CART = ("INSERT INTO carts (uuid, till_id, user_id, status, created_at, updated_at) "
                "VALUES (:uuid, :till, :user, 'open', :now, :now) "
                "ON CONFLICT (uuid) DO UPDATE SET updated_at = excluded.updated_at RETURNING id")
_UPSERT_LINE = ("INSERT INTO cart_lines (cart_id, line_no, product_id, quantity, entry, fixed_total, tare, "
                "unit_price, tax_rate_bp) VALUES (:cart, :no, :product, :quantity, :entry, :fixed, :tare, "
                ":price, :tax) ON CONFLICT (cart_id, line_no) DO UPDATE SET product_id = excluded.product_id, "
                "quantity = excluded.quantity, entry = excluded.entry, fixed_total = excluded.fixed_total, "
                "tare = excluded.tare, unit_price = excluded.unit_price, tax_rate_bp = excluded.tax_rate_bp")
_DELETE_LINE = "DELETE FROM cart_lines WHERE cart_id = :cart AND line_no = :no"
_DELETE_LINES = "DELETE FROM cart_lines WHERE cart_id = :cart"
_DELETE_CART_LINES = "DELETE FROM cart_lines WHERE cart_id IN (SELECT id FROM carts WHERE uuid = ?)"
_DELETE_CART = "DELETE FROM carts WHERE uuid = ?"


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
            if change is None:
                return
            if change.done is not None:
                change.done.set()
                continue
            while True:
                try:
                    self._write(change)
                    break
                except Exception as exc:  # noqa: BLE001 - a lost change is logged, never raised
                    if is_busy(exc):
                        log.info("cart %s: database busy, storing the change again", change.cart_uuid)
                        time.sleep(self.retry_s)
                        continue
                    self.failures += 1
                    log.exception("cart %s: a change could not be stored", change.cart_uuid)
                    break

    def _write(self, change: _Change) -> None:
        with self.db.write_connection() as conn:
            cart_id = conn.exec_driver_sql(_UPSERT_CART, {"uuid": change.cart_uuid, "till": self.till_id,
                                                          "user": change.user_id, "now": stamp(utcnow())}).scalar()
            if change.line_id is None:
                conn.exec_driver_sql(_DELETE_LINES, {"cart": cart_id})
            elif change.line is None:
                conn.exec_driver_sql(_DELETE_LINE, {"cart": cart_id, "no": change.line_id})
            else:
                ln = change.line
                conn.exec_driver_sql(_UPSERT_LINE, {
                    "cart": cart_id, "no": ln.id, "product": ln.product.id, "quantity": ln.quantity,
                    "entry": ln.entry.value, "fixed": ln.fixed_total, "tare": ln.tare, "price": ln.product.price,
                    "tax": ln.product.tax_rate_bp})
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

    def _put(self, change: _Change) -> None:
        self._queue.put(change)
        self._ensure_thread()

    def flush(self, timeout: float) -> bool:
        """Wait until every change handed over so far is written (True), at most
        ``timeout`` seconds (False: the database stayed busy)."""
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
            uuid = stored.uuid
            rows = [(r.line_no, r.product_id, r.quantity, r.entry, r.fixed_total, r.tare, r.unit_price,
                     r.tax_rate_bp) for r in stored.lines]
        lines: list[CartLine] = []
        gone: list[str] = []
        for line_no, product_id, quantity, entry, fixed_total, tare, unit_price, tax_bp in rows:
            ref = product(product_id)
            if ref is None:
                gone.append(f"#{product_id}")
                continue
            # The line as it was rung up; the counter re-prices it against the catalog.
            lines.append(CartLine(line_no, replace(ref, price=unit_price, tax_rate_bp=tax_bp), quantity,
                                  LineEntry(entry), fixed_total, tare))
        self._written.add(uuid)
        return Cart(uuid, lines), gone

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
