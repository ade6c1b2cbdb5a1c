"""The till: from a paid cart to a printed ticket. The touch UI and the end-to-end
tests call this; it composes sales, receipts and printing. (What a scan or a tap does
to the cart is kiosk/services/selling.py.)

A sale never half-happens. ``complete_sale`` works the sale out and renders its
receipt *before* writing anything (a printer profile that cannot print fails here,
with nothing stored), then writes the sale, its lines, payments, stock movements and
the receipt's print job with the drawer decision in **one** transaction. After the
commit only things that cannot lose the sale remain: waking the print worker (the
job is already stored, so a failure there is retried from it) and, with a GPIO
drawer, pulsing the relay once.

Another writer holding the database (an import, a stock count, a backup) is waited
for: each attempt waits SQLite's busy timeout, and attempts go on until
``save_timeout_s`` has passed; then DatabaseBusy says the sale was NOT saved. An
attempt whose outcome is unknown is checked by the sale's UUID before the next one,
and the UUID is unique, so a retry can never store a sale twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy import Connection

from db.engine import is_busy
from kiosk.core.cart import Cart
from kiosk.core.drawer import DrawerPolicy
from kiosk.core.errors import DomainError
from kiosk.core.payments import Tender
from kiosk.core.permissions import Act
from kiosk.i18n import N_
from kiosk.services.fiscal_documents import FiscalDocuments, FiscalPlan, FiscalRequest
from kiosk.services.printing import LAID_OUT_WHEN_SENT, PrintQueue
from kiosk.services.receipts import ReceiptService
from kiosk.services.sales import PreparedSale, SaleResult, SalesService
from kiosk.services.users import UserInfo

log = logging.getLogger(__name__)


class DatabaseBusy(DomainError):
    code = "database_busy"
    template = N_("The sale was NOT saved: another task (an import, a stock count or a backup) kept the "
                  "database busy. The cart is kept: press Confirm again in a moment.")


class CashDrawer(Protocol):
    """What the till needs from a relay-driven drawer (kiosk.services.hardware.HardwareService)."""

    def open_for_sale(self, sale_id: int) -> bool: ...  # pulse the relay; never raises


class TillService:
    def __init__(self, sales: SalesService, receipts: ReceiptService, printing: PrintQueue,
                 drawer: CashDrawer | None = None, *, save_timeout_s: float = 15.0,
                 drawer_policy: DrawerPolicy | None = None, fiscal: FiscalDocuments | None = None):
        self.sales = sales
        self.receipts = receipts
        self.printing = printing
        self.drawer = drawer
        self.save_timeout_s = save_timeout_s
        self.fiscal = fiscal if fiscal is not None and fiscal.on else None
        self.drawer_policy = drawer_policy or DrawerPolicy()

    def fiscal_plan(self, total: int, request: FiscalRequest | None = None) -> FiscalPlan | None:
        """Which fiscal document a sale of ``total`` will be (None: the fiscal profile
        is off). The checkout calls it before payment: it raises what would stop the
        sale (an invoice without a customer, no valid numbering) while nothing has
        been paid yet."""
        return self.fiscal.plan(total, request) if self.fiscal is not None else None

    def drawer_plan(self, sale: PreparedSale) -> str:
        """The drawer decision stored with the sale: "" | "kick" | "relay"."""
        return self.drawer_policy.plan(sale.cash)

    def complete_sale(self, cart: Cart, tenders: Sequence[Tender], user: UserInfo, *,
                      on_wait: Callable[[int], None] | None = None,
                      also: Callable[[Connection], None] | None = None,
                      fiscal: FiscalRequest | None = None) -> SaleResult:
        """Store the sale with its receipt's print job, open the drawer for cash, empty
        the cart. Raises a DomainError (DatabaseBusy when another writer kept the
        database locked past ``save_timeout_s``) or any other exception with nothing
        stored and the cart untouched. ``on_wait(attempt)`` is called (in this thread)
        before each retry. ``also(conn)`` runs in the sale's transaction (the counter
        deletes the stored cart there). Printing itself happens in the print worker.

        With the fiscal profile on, the sale is also its fiscal document (``fiscal``:
        the cashier's customer and *Factura*; None: a POS document to the consumidor
        final), numbered and written in the same transaction; its receipt is the
        printed document.

        The ``sell`` act: refused here at once when ``user``'s role lacks it and no
        authorisation came along, then checked for real at the start of the sale's
        transaction (``SalesService.store``), where a one-time authorisation ``user``
        carries is spent when the sale commits (given back for a retry otherwise)."""
        self.sales.access.precheck(user, Act.SELL)
        sale = self.sales.prepare(cart, tenders, user.id)
        plan = self.fiscal_plan(sale.total, fiscal)
        drawer = self.drawer_plan(sale)

        def with_receipt(conn: Connection, sale_id: int, number: int) -> int:
            if plan is not None:
                self.fiscal.issue_for_sale(conn, plan, sale_id, user.id, sale.created_at,
                                           categories=[ln.product.category for ln in sale.lines])
            # The ticket's job, laid out from the stored sale when it is sent (PrintQueue):
            # Confirmar waits for the sale's rows, not for the receipt's layout.
            job = self.printing.insert_job(conn, LAID_OUT_WHEN_SENT, "receipt", sale_id, drawer=drawer)
            if also is not None:
                also(conn)
            return job

        result = self._store(sale, with_receipt, on_wait, user)
        # Committed: from here on nothing may raise, or a cashier would ring it again.
        cart.clear()
        if plan is not None:
            self.fiscal.issued()  # the DIAN sender sends it now (never raises)
        try:
            if result.print_job is not None:
                self.printing.notify(result.print_job)
            if drawer == "relay" and self.drawer is not None and result.print_job is not None:
                opened = self.drawer.open_for_sale(result.sale_id)
                self.printing.drawer_outcome(result.print_job, opened)
        except Exception:  # noqa: BLE001 - the sale and its job are stored; the worker prints it
            log.exception("sale %s stored; a step after it failed (its receipt job is kept)", result.reference)
        return result

    def _store(self, sale: PreparedSale, alongside: Callable[[Connection, int, int], int],
               on_wait: Callable[[int], None] | None, user: UserInfo) -> SaleResult:
        started = time.monotonic()
        deadline = started + self.save_timeout_s
        attempt = 0
        while True:
            attempt += 1
            try:
                return self.sales.store(sale, alongside, by=user)
            except DomainError:
                raise
            except Exception as exc:
                try:
                    stored = self.sales.stored(sale.uuid)
                except Exception:  # noqa: BLE001 - cannot tell: report the original error
                    log.exception("could not check whether sale %s was stored", sale.uuid)
                    raise exc from None
                if stored is not None:
                    log.warning("sale %s was stored although its transaction reported %r", stored.reference, exc)
                    if user.grant is not None and user.grant.act is Act.SELL:
                        user.grant.spend()  # the sale it authorised is stored
                    return stored
                if not is_busy(exc):
                    raise
                if time.monotonic() >= deadline:
                    log.warning("sale not saved: database busy for %.0f s (%d attempts)", time.monotonic() - started,
                                attempt)
                    raise DatabaseBusy(seconds=round(time.monotonic() - started)) from exc
                log.info("database busy (attempt %d); trying the sale again", attempt)
                if on_wait is not None:
                    on_wait(attempt)

    def reprint(self, sale_id: int, by: UserInfo) -> int:
        """Queue a copy marked "COPIA" (the ``reprint`` act); returns the job id."""
        self.sales.access.require(self.sales.db, by, Act.REPRINT)
        return self.printing.enqueue_receipt(self.receipts.receipt(sale_id=sale_id, copy=True), sale_id)
