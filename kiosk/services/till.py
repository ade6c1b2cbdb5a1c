"""The till: from a paid cart to a printed ticket. The touch UI and the end-to-end
tests call this; it composes sales, receipts and printing. (What a scan or a tap does
to the cart is kiosk/services/selling.py.)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.permissions import Act
from kiosk.services.printing import PrintQueue
from kiosk.services.receipts import ReceiptService
from kiosk.services.sales import SaleResult, SalesService
from kiosk.services.users import UserInfo


class CashDrawer(Protocol):
    """What the till needs from the drawer (kiosk.services.hardware.HardwareService)."""

    @property
    def kick_with_receipt(self) -> bool: ...  # the kick travels inside the cash receipt
    def open_for_sale(self, sale_id: int) -> bool: ...  # otherwise (GPIO relay); never raises


class TillService:
    def __init__(self, sales: SalesService, receipts: ReceiptService, printing: PrintQueue,
                 drawer: CashDrawer | None = None):
        self.sales = sales
        self.receipts = receipts
        self.printing = printing
        self.drawer = drawer

    def complete_sale(self, cart: Cart, tenders: Sequence[Tender], user: UserInfo) -> SaleResult:
        """Store the sale, queue its receipt (kicking the drawer for cash), empty the
        cart. Printing itself happens when the queue is flushed (a worker thread)."""
        result = self.sales.checkout(cart, tenders, user.id)
        cart.clear()
        receipt = self.receipts.receipt(sale_id=result.sale_id)
        cash = any(p.method is PaymentMethod.CASH for p in result.payments)
        in_receipt = cash and (self.drawer is None or self.drawer.kick_with_receipt)
        self.printing.enqueue_receipt(receipt, result.sale_id, open_drawer=in_receipt)
        if cash and not in_receipt and self.drawer is not None:
            self.drawer.open_for_sale(result.sale_id)
        return result

    def reprint(self, sale_id: int, by: UserInfo) -> int:
        """Queue a copy marked "COPIA" (the ``reprint`` act); returns the job id."""
        self.sales.access.require(self.sales.db, by, Act.REPRINT)
        return self.printing.enqueue_receipt(self.receipts.receipt(sale_id=sale_id, copy=True), sale_id)
