"""Payment rules. Card and QR payments are taken for the amount given (never more
than what is still due); cash covers the rest and is the only method that gives
change. Applied amounts always add up exactly to the sale total."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from kiosk.core.errors import (
    InsufficientTender,
    InvalidPayment,
    Overpayment,
    PaymentMismatch,
)
from kiosk.i18n import N_, translate

MAX_REFERENCE = 64


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    QR = "qr"


METHOD_LABELS = {
    PaymentMethod.CASH: N_("Cash"),
    PaymentMethod.CARD: N_("Card"),
    PaymentMethod.QR: N_("QR"),
}


def method_label(method: PaymentMethod | str, language: str | None = None) -> str:
    return translate(METHOD_LABELS[PaymentMethod(method)], language)


@dataclass(frozen=True)
class Tender:
    """What the customer hands over: for cash, the notes given; for card/QR, the
    amount charged on the terminal or wallet."""

    method: PaymentMethod
    amount: int
    reference: str = ""


@dataclass(frozen=True)
class Payment:
    method: PaymentMethod
    amount: int  # applied to the sale
    tendered: int  # handed over (cash) or charged (card/QR)
    change: int = 0
    reference: str = ""


def change_due(total: int, tendered: int) -> int:
    if tendered < total:
        raise InsufficientTender(tendered_minor=tendered, due_minor=total)
    return tendered - total


def settle(total: int, tenders: Sequence[Tender]) -> list[Payment]:
    """Turn what the customer handed over into the sale's payments, or raise.

    A sale of free items (total 0) takes no payment at all."""
    if total < 0:
        raise InvalidPayment(reason=translate(N_("the total cannot be negative")))
    if total == 0:
        if tenders:
            raise Overpayment(method=method_label(tenders[0].method), amount_minor=tenders[0].amount, due_minor=0)
        return []
    if not tenders:
        raise PaymentMismatch(paid_minor=0, total_minor=total)
    for t in tenders:
        if t.amount <= 0:
            raise InvalidPayment(reason=translate(N_("amounts must be greater than zero")))
        if len(t.reference) > MAX_REFERENCE:
            raise InvalidPayment(reason=translate(N_("reference is too long")))
    payments: list[Payment] = []
    remaining = total
    for t in tenders:
        if t.method is PaymentMethod.CASH:
            continue
        if t.amount > remaining:
            raise Overpayment(method=method_label(t.method), amount_minor=t.amount, due_minor=remaining)
        payments.append(Payment(t.method, t.amount, t.amount, 0, t.reference.strip()))
        remaining -= t.amount
    cash = sum(t.amount for t in tenders if t.method is PaymentMethod.CASH)
    if cash:
        if cash < remaining:
            raise InsufficientTender(tendered_minor=cash, due_minor=remaining)
        if remaining == 0:
            raise Overpayment(method=method_label(PaymentMethod.CASH), amount_minor=cash, due_minor=0)
        payments.append(Payment(PaymentMethod.CASH, remaining, cash, cash - remaining))
        remaining = 0
    if remaining:
        raise PaymentMismatch(paid_minor=total - remaining, total_minor=total)
    return payments
