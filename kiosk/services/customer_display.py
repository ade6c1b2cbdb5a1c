"""What the customer's pole display shows, decided from the counter's events.

- a line added or changed: its name and price on the upper line, the cart's total on
  the lower one (a line removed: the last line left, and the total);
- a sale stored: paid in cash, what the customer handed over and the change; paid
  otherwise, the total and a thank-you. It stays until the next customer's first
  line or ``hold_s`` seconds, whichever comes first;
- an empty cart (and nothing to hold): the idle greeting.

The display is a port (``show(line1, line2)``, never blocking: hardware.pole.device);
this service only composes the 2x20 text, so it is tested without any device.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from kiosk.core.cart import CartView
from kiosk.core.payments import PaymentMethod
from kiosk.i18n import N_, format_money, translate
from kiosk.services.sales import SaleResult

COLUMNS = 20

TOTAL = N_("TOTAL")
RECEIVED = N_("Received")
CHANGE = N_("Change")
THANKS = N_("Thank you!")
GREETING = N_("Welcome!")


class LineDisplay(Protocol):
    def show(self, line1: str, line2: str = "") -> None: ...


class CartSource(Protocol):
    """What the display needs from the counter (kiosk.services.counter.CounterService)."""

    def subscribe(self, listener: Callable[[CartView], None]) -> Callable[[], None]: ...
    def subscribe_sales(self, listener: Callable[[SaleResult], None]) -> Callable[[], None]: ...


def fit(left: str, right: str = "", width: int = COLUMNS) -> str:
    """One display line: ``left`` cut to leave room for ``right``, which is kept whole
    and aligned to the right edge (a price is never cut; a name may be)."""
    right = right[:width]
    room = width - len(right) - (1 if right and left else 0)
    left = left[:max(0, room)]
    return left + " " * (width - len(left) - len(right)) + right


def money(amount: int) -> str:
    """Money as the display shows it: the shop's format, without spaces it cannot afford."""
    return format_money(amount).replace("\xa0", "")


class CustomerDisplayService:
    def __init__(self, display: LineDisplay, *, greeting: str = "", shop_name: str = "", hold_s: float = 30.0,
                 language: str | None = None, clock: Callable[[], float] = time.monotonic):
        self.display = display
        self.greeting = greeting
        self.shop_name = shop_name
        self.hold_s = hold_s
        self.language = language
        self.clock = clock
        self._lock = threading.Lock()
        self._held_until: float | None = None
        self._timer: threading.Timer | None = None
        self._unsubscribe: list[Callable[[], None]] = []

    def t(self, message: str) -> str:
        return translate(message, self.language)

    # --- wiring --------------------------------------------------------------------------
    def attach(self, counter: CartSource) -> None:
        self._unsubscribe.append(counter.subscribe(self.cart_changed))
        self._unsubscribe.append(counter.subscribe_sales(self.sale_done))
        self.idle()

    def detach(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        self._cancel_timer()

    # --- screens ---------------------------------------------------------------------------
    def idle_lines(self) -> tuple[str, str]:
        greeting = self.greeting or self.t(GREETING)
        return greeting[:COLUMNS].center(COLUMNS).rstrip(), self.shop_name[:COLUMNS].center(COLUMNS).rstrip()

    def idle(self) -> None:
        with self._lock:
            self._held_until = None
        self.display.show(*self.idle_lines())

    def cart_lines(self, view: CartView) -> tuple[str, str] | None:
        if view.is_empty:
            return None
        line = next((x for x in view.lines if x.id == view.touched), None) or view.lines[-1]
        return fit(line.product.name, money(line.total)), fit(self.t(TOTAL), money(view.total))

    def sale_lines(self, result: SaleResult) -> tuple[str, str]:
        cash = [p for p in result.payments if p.method is PaymentMethod.CASH]
        if cash and result.change >= 0:
            tendered = sum(p.tendered for p in result.payments)
            return fit(self.t(RECEIVED), money(tendered)), fit(self.t(CHANGE), money(result.change))
        return fit(self.t(TOTAL), money(result.total)), self.t(THANKS)[:COLUMNS].center(COLUMNS).rstrip()

    # --- events (any thread) -----------------------------------------------------------------
    def cart_changed(self, view: CartView) -> None:
        lines = self.cart_lines(view)
        if lines is None:
            with self._lock:
                held = self._held_until is not None and self.clock() < self._held_until
            if not held:
                self.idle()
            return
        with self._lock:
            self._held_until = None
            self._cancel_timer()
        self.display.show(*lines)

    def sale_done(self, result: SaleResult) -> None:
        with self._lock:
            self._held_until = self.clock() + self.hold_s
            self._cancel_timer()
            if self.hold_s > 0:
                self._timer = threading.Timer(self.hold_s, self._hold_over)
                self._timer.daemon = True
                self._timer.start()
        self.display.show(*self.sale_lines(result))

    def _hold_over(self) -> None:
        with self._lock:
            if self._held_until is None:
                return  # a new customer came meanwhile
            self._held_until = None
            self._timer = None
        self.display.show(*self.idle_lines())

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
