"""Receipts: a stored sale -> the receipt model -> ESC/POS bytes -> the print queue."""

from __future__ import annotations

from kiosk.core.receipt import Receipt, ShopInfo
from kiosk.services.fiscal_documents import FiscalDocuments
from kiosk.services.sales import SaleDetail, SalesService


def receipt_from_detail(detail: SaleDetail, shop: ShopInfo, *, copy: bool = False) -> Receipt:
    return Receipt(shop=shop, number=detail.number, issued_at=detail.summary.created_at,
                   cashier=detail.summary.cashier, lines=detail.lines, taxes=detail.taxes,
                   total=detail.total, payments=detail.payments, copy=copy, status=detail.summary.status)


class ReceiptService:
    def __init__(self, sales: SalesService, shop: ShopInfo, fiscal: FiscalDocuments | None = None):
        self.sales = sales
        self.shop = shop
        self.fiscal = fiscal

    def receipt(self, *, sale_id: int | None = None, number: int | None = None, copy: bool = False) -> Receipt:
        """The sale's receipt; a sale that is a fiscal document prints as that document."""
        detail = self.sales.detail(sale_id=sale_id, number=number)
        receipt = receipt_from_detail(detail, self.shop, copy=copy)
        if self.fiscal is not None:
            doc = self.fiscal.sale_document(detail.summary.id)
            if doc is not None:
                return self.fiscal.printed(receipt, doc)
        return receipt
