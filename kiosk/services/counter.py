"""The counter: the one selling service under the till screen.

It owns each signed-in cashier's cart and applies every change to it: scans (the
code and the scanner's symbology hint; the check digit is judged once per scan),
taps, typed quantities and amounts, scale weighings, line edits, removing, emptying.
The rules of a single change are ``SellingService``'s (what a scan means, the
out-of-stock policy); the counter adds what a till needs around them:

- **stored carts**: every change is handed to ``CartStore`` (written line by line in
  order, off the caller's thread), and ``open(user)`` restores the cart a cashier
  left, after a lock, a restart or a power cut;
- **re-pricing**: before each change and before the sale, lines are compared with the
  catalog; a price or tax changed by a manager re-prices the line and the change is
  announced with a notice (a product taken off sale leaves the cart, also noticed);
- **"cart changed"**: after every change the whole ``CartView`` goes to every
  subscriber (the selling screen; later a customer display). Subscribers are called
  in the thread of the change: a UI hands it to its main loop;
- **checkout**: ``checkout()`` freezes the cart, writes its pending changes, and
  hands it to the till, whose one transaction stores the sale, its receipt job with
  the drawer decision *and* deletes the stored cart; then the cashier gets a new cart.

- **discounts and price overrides** (issue 14): a line or sale discount needs a reason
  from the shop's list; above the role's limit it needs the ``discount`` act (a
  manager's PIN at the prompt); a price override needs ``price_override`` and a
  reason. Each is checked and written to the audit log before the cart changes;
- **parked carts** (*Aparcar* / *Recuperar*): the cart is set aside in the database
  with a label and the cashier gets a new one; any cashier of the till may bring a
  parked cart back (re-priced; a product taken off sale meanwhile leaves it, said so).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from db.models import utcnow
from kiosk.core.cart import Cart, CartLine, CartView, LineEntry, Repriced
from kiosk.core.catalog import ProductRef
from kiosk.core.errors import DomainError, ProductInactive
from kiosk.core.payments import Tender
from kiosk.core.permissions import Act
from kiosk.core.quantities import format_unit_price
from kiosk.core.scale import Weighed
from kiosk.core.scanning import ScanEvent
from kiosk.formatting import format_rate
from kiosk.i18n import N_, format_money, translate
from kiosk.core.discounts import Discount, discount_amount, percent_of
from kiosk.core.returns_errors import (
    CartNotEmpty,
    DiscountAboveLimit,
    DiscountReasonUnknown,
    NothingToPark,
    PriceOverrideInvalid,
)
from kiosk.services import audit
from kiosk.services.cart_store import CartStore, ParkedRow
from kiosk.services.catalog import CatalogService
from kiosk.services.fiscal_documents import FiscalRequest
from kiosk.services.sales import PriceChangedMeanwhile, SaleResult
from kiosk.services.selling import Outcome, SellingService
from kiosk.services.till import DatabaseBusy, TillService
from kiosk.services.users import UserInfo

log = logging.getLogger(__name__)

CartListener = Callable[[CartView], None]


DEFAULT_DISCOUNT_REASONS = ("cliente frecuente", "promoción", "producto con defecto", "error de precio")


class OverrideReasonRequired(DomainError):
    code = "override_reason_required"
    template = N_("Write the reason for the new price.")


class SaleInProgress(DomainError):
    code = "sale_in_progress"
    template = N_("The sale is being saved: wait a moment before changing the cart.")


class PricesChanged(DomainError):
    code = "prices_changed"
    template = N_("Prices changed while paying: {changes}. The total is now {total}; check the payment and "
                  "confirm again.")


class ScaleForSale(Protocol):
    """What the counter needs from the scale (hardware/scale's adapter)."""

    def weigh_for_sale(self) -> Weighed: ...  # raises a DomainError: not stable, zero, unplugged ...
    def rearm(self) -> None: ...  # the weighing was not used: the same goods may be weighed again


def repriced_text(r: Repriced) -> str:
    if r.old_price != r.new_price:
        return translate(N_("{name} now costs {price} (was {old})")).format(
            name=r.name, price=format_unit_price(r.new_price, r.uom), old=format_unit_price(r.old_price, r.uom))
    return translate(N_("{name}: tax now {rate} (was {old})")).format(
        name=r.name, rate=format_rate(r.new_tax_bp), old=format_rate(r.old_tax_bp))


def removed_text(name: str) -> str:
    return translate(N_("{name} was taken off sale and left the cart")).format(name=name)


@dataclass
class _Till:
    cart: Cart
    checking_out: bool = False


class CounterService:
    def __init__(self, catalog: CatalogService, till: TillService, store: CartStore, *,
                 out_of_stock: str = "warn", discount_reasons: Sequence[str] = DEFAULT_DISCOUNT_REASONS,
                 parked_flag_hours: float = 4.0):
        self.discount_reasons = tuple(discount_reasons)
        self.parked_flag_hours = parked_flag_hours
        self.catalog = catalog
        self.till = till
        self.store = store
        self.rules = SellingService(catalog, out_of_stock)
        self._carts: dict[int, _Till] = {}
        self._listeners: list[CartListener] = []
        self._sale_listeners: list[Callable[[SaleResult], None]] = []
        self._lock = threading.RLock()

    # --- listeners -------------------------------------------------------------------------
    def subscribe(self, listener: CartListener) -> Callable[[], None]:
        """``listener(view)`` after every change of any cart; returns the unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def subscribe_sales(self, listener: Callable[[SaleResult], None]) -> Callable[[], None]:
        """``listener(result)`` once a cart became a stored sale (before the cashier's
        new, empty cart is announced): a customer display shows the change."""
        self._sale_listeners.append(listener)
        return lambda: self._sale_listeners.remove(listener) if listener in self._sale_listeners else None

    def _announce(self, view: CartView) -> None:
        for listener in list(self._listeners):
            try:
                listener(view)
            except Exception:  # noqa: BLE001 - a broken display must not undo a cart change
                log.exception("cart listener")

    # --- carts -----------------------------------------------------------------------------
    def open(self, user_id: int) -> CartView:
        """The cart ``user_id`` is working on: kept in memory across lock/unlock, or
        restored from the database after a restart (re-priced, with notices)."""
        with self._lock:
            till = self._carts.get(user_id)
            if till is None:
                cart, gone = self.store.load(user_id, self.catalog.product)
                till = self._carts[user_id] = _Till(cart if cart is not None else Cart())
                if cart is not None:
                    log.info("cart of user %s restored: %d lines", user_id, len(cart))
                notices = tuple(removed_text(n) for n in gone)
            else:
                notices = ()
            view = self._reprice(user_id, till.cart, notices)
        self._announce(view)
        return view

    def cart(self, user_id: int) -> Cart:
        """The cart itself (read it; change it only through this service)."""
        with self._lock:
            till = self._carts.get(user_id)
        if till is None:
            self.open(user_id)
            till = self._carts[user_id]
        return till.cart

    def view(self, user_id: int) -> CartView:
        return self.cart(user_id).view(user_id)

    def refresh(self, user_id: int) -> CartView:
        """Compare the cart with the catalog now (a manager edited products) and
        announce it."""
        with self._lock:
            view = self._reprice(user_id, self.cart(user_id))
        self._announce(view)
        return view

    def _reprice(self, user_id: int, cart: Cart, notices: tuple[str, ...] = (),
                 touched: int | None = None) -> CartView:
        if cart.is_empty:
            return cart.view(user_id, touched, notices)
        before = {ln.id for ln in cart.lines}
        removed, repriced = cart.refresh_products(self._fresh_products(cart))
        if removed or repriced:
            for line_id in before - {ln.id for ln in cart.lines}:
                self.store.line_changed(cart, user_id, line_id)
            for r in repriced:
                self.store.line_changed(cart, user_id, r.line_id)
            notices = notices + tuple(removed_text(n) for n in removed) + tuple(repriced_text(r) for r in repriced)
        return cart.view(user_id, touched, notices, tuple(repriced))

    def _fresh_products(self, cart: Cart) -> Callable[[int], ProductRef | None]:
        ids = {ln.product.id for ln in cart.lines}
        fresh = self.catalog.products(ids)
        return fresh.get

    # --- changes ---------------------------------------------------------------------------------
    def _change(self, user_id: int, change: Callable[[Cart], Outcome]) -> Outcome:
        """Apply one change (after re-pricing), store the lines it touched and
        announce the cart. A DomainError leaves the cart as it was."""
        with self._lock:
            till = self._carts.get(user_id)
            if till is None:
                self.open(user_id)
                till = self._carts[user_id]
            if till.checking_out:
                raise SaleInProgress()
            cart = till.cart
            notices_view = self._reprice(user_id, cart)
            before = {ln.id: ln for ln in cart.lines}
            outcome = change(cart)
            after = {ln.id: ln for ln in cart.lines}
            if before and not after:
                self.store.cleared(cart, user_id)
            else:
                for line_id in sorted(set(before) | set(after)):
                    if before.get(line_id) is not after.get(line_id):
                        self.store.line_changed(cart, user_id, line_id)
            touched = outcome.line.id if outcome.line is not None else None
            view = cart.view(user_id, touched, notices_view.notices, notices_view.repriced)
        if outcome.measure is None or view.notices:
            self._announce(view)
        return outcome

    def scan(self, user_id: int, event: ScanEvent) -> Outcome:
        """A scanned code (its check digit judged once: ``event.barcode``). Raises
        UnknownBarcode, InvalidBarcode, ProductInactive or OutOfStock; a plain bulk
        code asks for a quantity (``Outcome.measure``)."""
        info = event.barcode
        return self._change(user_id, lambda cart: self.rules.scan(cart, event.code, info))

    def add(self, user_id: int, product: ProductRef, quantity: int | None = None,
            entry: LineEntry | None = None, tare: int = 0) -> Outcome:
        return self._change(user_id, lambda cart: self.rules.add(cart, product, quantity, entry, tare))

    def add_amount(self, user_id: int, product: ProductRef, amount: int) -> Outcome:
        return self._change(user_id, lambda cart: self.rules.add_amount(cart, product, amount))

    def set_quantity(self, user_id: int, line_id: int, quantity: int, entry: LineEntry | None = None,
                     tare: int | None = None) -> Outcome:
        return self._change(user_id, lambda cart: self.rules.set_quantity(cart, line_id, quantity, entry, tare))

    def set_amount(self, user_id: int, line_id: int, amount: int) -> Outcome:
        return self._change(user_id, lambda cart: self.rules.set_amount(cart, line_id, amount))

    def increment(self, user_id: int, line_id: int, step: int) -> Outcome:
        return self._change(user_id, lambda cart: self.rules.increment(cart, line_id, step))

    def remove(self, user_id: int, line_id: int) -> Outcome:
        def remove(cart: Cart) -> Outcome:
            cart.remove(line_id)
            return Outcome(None)

        return self._change(user_id, remove)

    def clear(self, user_id: int) -> Outcome:
        def clear(cart: Cart) -> Outcome:
            cart.clear()
            return Outcome(None)

        return self._change(user_id, clear)

    def take_out(self, user_id: int, line_ids: Sequence[int]) -> tuple[tuple[int, CartLine], ...]:
        """Remove these lines (*Quitar*, "−" at one, *Vaciar*) and return them with their
        places, for ``put_back`` (the selling screen's *Deshacer*)."""
        taken: tuple[tuple[int, CartLine], ...] = ()

        def take(cart: Cart) -> Outcome:
            nonlocal taken
            taken = cart.take_out(line_ids)
            return Outcome(None)

        self._change(user_id, take)
        return taken

    def put_back(self, user_id: int, taken: Sequence[tuple[int, CartLine]]) -> list[CartLine]:
        """Undo ``take_out``: the lines come back where they were (stored and announced
        like any change)."""
        restored: list[CartLine] = []

        def put(cart: Cart) -> Outcome:
            restored.extend(cart.put_back(taken))
            return Outcome(restored[-1] if restored else None)

        self._change(user_id, put)
        return restored

    def weigh(self, user_id: int, product: ProductRef, scale: ScaleForSale, line_id: int | None = None
              ) -> Outcome:
        """The scale's stable net weight becomes a line (or line ``line_id``'s new
        weight), with its tare. When it cannot (not stable, nothing on it, too little
        to cost anything, out of stock...) the DomainError is raised and the scale is
        re-armed, so the same goods can be weighed again."""
        weighing = scale.weigh_for_sale()
        try:
            if line_id is None:
                return self.add(user_id, product, weighing.net_g, LineEntry.SCALE, tare=weighing.tare_g)
            return self.set_quantity(user_id, line_id, weighing.net_g, LineEntry.SCALE, tare=weighing.tare_g)
        except DomainError:
            scale.rearm()
            raise

    # --- discounts and price overrides ------------------------------------------------------------
    def _authorise(self, user: UserInfo, act: Act | None, what: str, subject: str, after: dict) -> None:
        """The act (if any) checked for ``user`` (a grant it carries is spent) and the
        audit row, in one transaction, before the cart changes."""
        access = self.till.sales.access
        with self.till.sales.db.write() as s:
            who = access.check(s, user, act) if act is not None else user
            audit.record(s, what, subject, after=after, by=who)

    def _discount_act(self, user: UserInfo, discount: Discount, gross: int) -> Act | None:
        if discount.reason not in self.discount_reasons:
            raise DiscountReasonUnknown(reason=discount.reason, reasons=", ".join(self.discount_reasons))
        amount = discount_amount(gross, discount)  # raises for zero, 100 % or more than the price
        percent = percent_of(amount, gross)
        permissions = self.till.sales.access.permissions
        act = permissions.discount_act(user.role, percent)
        if act is not None:
            grant = user.grant
            if not permissions.allows(user.role, act) and (grant is None or grant.act is not act
                                                           or not grant.usable):
                limit = permissions.discount_limits[user.role]
                raise DiscountAboveLimit(percent=f"{percent:.1f}".rstrip("0").rstrip("."), limit=limit)
        return act

    def discount_line(self, user: UserInfo, line_id: int, discount: Discount | None) -> Outcome:
        """Give (None: take back) a line discount. Raises DiscountReasonUnknown,
        DiscountInvalid, DiscountTooLarge, DiscountAboveLimit (a manager's PIN is
        needed: ``user`` must carry a grant for ``discount``); the cart is unchanged."""
        line = self.cart(user.id).line(line_id)
        if discount is not None:
            act = self._discount_act(user, discount, line.total)
            self._authorise(user, act, "discount", line.product.name,
                            {"line": line_id, "kind": discount.kind.value, "value": discount.value,
                             "reason": discount.reason, "list_total": line.total})
        return self._change(user.id, lambda cart: Outcome(cart.set_line_discount(line_id, discount)))

    def discount_sale(self, user: UserInfo, discount: Discount | None) -> CartView:
        """The whole sale's discount, on what the lines cost after their own discounts."""
        cart = self.cart(user.id)
        cart.require_items()
        if discount is not None:
            gross = sum(p.list_total - p.line_discount for p in cart.priced().lines)
            act = self._discount_act(user, discount, gross)
            self._authorise(user, act, "discount", translate(N_("whole sale")),
                            {"kind": discount.kind.value, "value": discount.value, "reason": discount.reason,
                             "list_total": gross})

        def change(c: Cart) -> Outcome:
            c.set_sale_discount(discount)
            self.store.header_changed(c, user.id)
            return Outcome(None)

        self._change(user.id, change)
        return self.view(user.id)

    def override_price(self, user: UserInfo, line_id: int, price: int | None, reason: str = "") -> Outcome:
        """Charge ``price`` (per unit of measure) instead of the catalog's (None: back to
        it): the ``price_override`` act and a reason. Raises PriceOverrideInvalid for a
        negative price."""
        line = self.cart(user.id).line(line_id)
        if price is not None:
            if price < 0:
                raise PriceOverrideInvalid(price=format_money(price))
            if not reason.strip():
                raise OverrideReasonRequired()
            self.till.sales.access.precheck(user, Act.PRICE_OVERRIDE)
            self._authorise(user, Act.PRICE_OVERRIDE, "price_override", line.product.name,
                            {"line": line_id, "catalog_price": line.product.price, "price": price,
                             "reason": reason.strip()})
        return self._change(user.id, lambda cart: Outcome(cart.override_price(line_id, price, reason.strip())))

    # --- parked carts ----------------------------------------------------------------------------------
    def park(self, user_id: int, label: str = "") -> CartView:
        """*Aparcar*: set the cart aside (stored, it survives a restart); the cashier
        gets a new, empty cart. Raises NothingToPark, SaleInProgress, DatabaseBusy."""
        with self._lock:
            till = self._carts.get(user_id)
            if till is None or till.cart.is_empty:
                raise NothingToPark()
            if till.checking_out:
                raise SaleInProgress()
            if not self.store.park(till.cart, user_id, label, self.till.save_timeout_s):
                raise DatabaseBusy(seconds=round(self.till.save_timeout_s))
            self._carts[user_id] = _Till(Cart())
            view = self._carts[user_id].cart.view(user_id)
        self._announce(view)
        return view

    def parked(self) -> list[ParkedRow]:
        """*Recuperar*'s list: label, when, lines and total, oldest first."""
        return self.store.parked()

    def stale_parked(self, now: datetime | None = None) -> list[ParkedRow]:
        """Parked carts older than ``[sales] parked_flag_hours``: what the till's closing
        flags (a customer who never came back, goods to put back on the shelf)."""
        now = now or utcnow()
        limit = timedelta(hours=self.parked_flag_hours)
        return [p for p in self.store.parked() if now - p.parked_at > limit]

    def recall(self, user_id: int, cart_uuid: str) -> CartView:
        """*Recuperar*: bring a parked cart back as this cashier's cart (theirs must be
        empty: CartNotEmpty). Lines whose product was taken off sale meanwhile leave
        it, with a notice naming them."""
        with self._lock:
            till = self._carts.get(user_id)
            if till is not None and (not till.cart.is_empty or till.checking_out):
                raise CartNotEmpty()
            cart, gone = self.store.take_parked(cart_uuid, user_id, self.catalog.product)
            self._carts[user_id] = _Till(cart)
            notices = tuple(removed_text(n) for n in gone)
            view = self._reprice(user_id, cart, notices)
        self._announce(view)
        return view

    # --- checkout ------------------------------------------------------------------------------------
    def checkout(self, user: UserInfo, tenders: Sequence[Tender], *,
                 on_wait: Callable[[int], None] | None = None,
                 fiscal: FiscalRequest | None = None) -> SaleResult:
        """Store the cart as a sale (call it off the UI thread: it writes and may wait
        for a busy database). The cart is frozen meanwhile (changes raise
        SaleInProgress). Raises PricesChanged (nothing stored, the cart re-priced and
        announced) when the catalog changed under it, DatabaseBusy, or the till's
        errors; on success the cashier has a new, empty cart. ``fiscal``: the
        cashier's customer and *Factura* (TillService.complete_sale).

        The ``sell`` act is refused here first (ActNotPermitted, nothing touched) for a
        role without it and no authorisation; the real check is in the sale's
        transaction (TillService.complete_sale, SalesService.store)."""
        self.till.sales.access.precheck(user, Act.SELL)
        with self._lock:
            till = self._carts.get(user.id)
            if till is None or till.checking_out:
                raise SaleInProgress()
            till.checking_out = True
            cart = till.cart
        try:
            if not self.store.flush(self.till.save_timeout_s):
                raise DatabaseBusy(seconds=round(self.till.save_timeout_s))
            try:
                result = self.till.complete_sale(cart, tenders, user, on_wait=on_wait, fiscal=fiscal,
                                                 also=lambda conn: self.store.delete_in(conn, cart.uuid))
            except (PriceChangedMeanwhile, ProductInactive):
                # The sale's transaction compares every line with the catalog (the cart was
                # last compared at its last change, not re-read before: that read cost as
                # much as the rest of the cart's handling). A change since: re-price the cart
                # as a cart change would, and the cashier charges the new total.
                with self._lock:
                    view = self._reprice(user.id, cart)
                if not view.notices:
                    raise
                self._announce(view)
                raise PricesChanged(changes="; ".join(view.notices), total=format_money(cart.total)) from None
        finally:
            with self._lock:
                till.checking_out = False
        with self._lock:
            if self._carts.get(user.id) is till:
                self._carts[user.id] = _Till(Cart())
            view = self._carts[user.id].cart.view(user.id)
        for listener in list(self._sale_listeners):
            try:
                listener(result)
            except Exception:  # noqa: BLE001 - the sale is stored whatever a display does
                log.exception("sale listener")
        self._announce(view)
        return result

    def forget_memory(self) -> None:
        """Drop the carts held in memory (tests: what a restart does)."""
        with self._lock:
            self._carts.clear()
