"""Receipts: a stored sale -> the receipt model -> ESC/POS bytes -> the print queue."""

from __future__ import annotations

from kiosk.core.receipt import Receipt, ShopInfo
from kiosk.services.sales import SaleDetail, SalesService


def receipt_from_detail(detail: SaleDetail, shop: ShopInfo, *, copy: bool = False) -> Receipt:
    return Receipt(shop=shop, number=detail.number, issued_at=detail.summary.created_at,
                   cashier=detail.summary.cashier, lines=detail.lines, taxes=detail.taxes,
                   total=detail.total, payments=detail.payments, copy=copy, status=detail.summary.status)


class ReceiptService:
    def __init__(self, sales: SalesService, shop: ShopInfo):
        self.sales = sales
        self.shop = shop

    def receipt(self, *, sale_id: int | None = None, number: int | None = None, copy: bool = False) -> Receipt:
        return receipt_from_detail(self.sales.detail(sale_id=sale_id, number=number), self.shop, copy=copy)
