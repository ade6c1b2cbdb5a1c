"""Days of plausible shop history for the demo shop (``kiosk-admin demo-data --days N``),
made through the real services: sales rung up by the demo cashier across the shop's
hours (unit and bulk lines, by quantity and by amount, cash/card/QR), deliveries when
a shelf runs low, and a few returns and voids by the demo manager. Seeded, so the
same N gives the same history."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.demo import DEMO_STAFF, load_demo_staff
from kiosk.formatting import local_now, local_today, local_zone
from kiosk.services.returns import RETURN_REASONS

OPEN_HOUR, CLOSE_HOUR = 8, 20
METHODS = ((PaymentMethod.CASH, 55), (PaymentMethod.CARD, 35), (PaymentMethod.QR, 10))


@dataclass
class HistoryResult:
    sales: int = 0
    returns: int = 0
    voids: int = 0
    deliveries: int = 0


def _utc(local: datetime) -> datetime:
    """A naive local wall time -> the naive UTC the database stores."""
    return local.replace(tzinfo=local_zone()).astimezone(UTC).replace(tzinfo=None)


def make_history(app, days: int, *, seed: int = 14,  # noqa: ANN001 - kiosk.app_factory.Services
                 now: Callable[[], datetime] | None = None, per_day: tuple[int, int] = (18, 40)) -> HistoryResult:
    """Ring up ``days`` days (the last one is today, up to now) of sales through the
    services. Returns what was made. Refuses nothing: callers check the shop is empty."""
    rng = random.Random(seed)
    load_demo_staff(app.users)
    pins = {name: pin for name, _, pin in DEMO_STAFF}
    cashier = app.users.authenticate(pins["Carla"])
    manager = app.users.authenticate(pins["Mario"])
    products = [p for p in (app.catalog.browse(limit=500)) if p.active and p.price > 0]
    unit = [p for p in products if not p.bulk]
    bulk = [p for p in products if p.bulk]
    result = HistoryResult()
    real_now = (now or (lambda: local_now().replace(tzinfo=None)))()
    saved = (app.sales.clock, app.returns.clock)
    today = local_today()
    try:
        for back in range(days - 1, -1, -1):
            day = today - timedelta(days=back)
            count = rng.randint(*per_day)
            minutes = sorted(rng.randint(0, (CLOSE_HOUR - OPEN_HOUR) * 60 - 1) for _ in range(count))
            for m in minutes:
                local = datetime.combine(day, time(OPEN_HOUR)) + timedelta(minutes=m, seconds=rng.randint(0, 59))
                if local >= real_now:
                    break
                at = _utc(local)
                app.sales.clock = lambda at=at: at
                cart = Cart()
                for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
                    if bulk and rng.random() < 0.45:
                        p = rng.choice(bulk)
                        if rng.random() < 0.4:
                            cart.add_amount(p, rng.choice((200, 300, 500, 800, 1000)))
                        else:
                            cart.add(p, rng.choice((250, 500, 750, 1000, 1500, 2000)))
                    elif unit:
                        cart.add(rng.choice(unit), rng.choice((1, 1, 1, 2, 3)))
                _restock(app, cart, manager, result)
                method = rng.choices([m for m, _ in METHODS], [w for _, w in METHODS])[0]
                tendered = cart.total
                if method is PaymentMethod.CASH:
                    tendered = -(-cart.total // 500) * 500  # rounded up to the next 5.00 note
                # The sale service itself (no receipt: history is not printed again).
                sale = app.sales.checkout(cart, [Tender(method, tendered)], cashier.id)
                result.sales += 1
                roll = rng.random()
                if roll < 0.012:
                    app.returns.clock = lambda at=at: at + timedelta(minutes=3)
                    done = app.returns.void(manager, sale.number, rng.choice(("rung by mistake", "customer left")))
                    _unprinted(app, done.print_job)
                    result.voids += 1
                elif roll < 0.045:
                    app.returns.clock = lambda at=at: at + timedelta(hours=rng.randint(1, 3))
                    returnable = app.returns.sale(sale.number)
                    line = rng.choice(returnable.lines)
                    quantity = line.sold if line.sold <= 3 else max(1, line.sold // rng.choice((2, 4)))
                    done = app.returns.make_return(manager, sale.number, [(line.position, quantity)],
                                                   rng.choice(sorted(RETURN_REASONS)))
                    _unprinted(app, done.print_job)
                    result.returns += 1
    finally:
        app.sales.clock, app.returns.clock = saved
    return result


def _restock(app, cart: Cart, manager, result: HistoryResult) -> None:  # noqa: ANN001
    """A delivery for any product the cart would take below its low-stock mark."""
    for line in cart.lines:
        p = app.catalog.product(line.product.id)
        if p is None or not p.tracks_stock:
            continue
        if p.stock - line.quantity < max(p.low_stock, 0):
            amount = max(line.quantity * 4, p.low_stock * 3, 1)
            app.stock.restock(p.id, amount, manager, reference="demo delivery")
            result.deliveries += 1


def _unprinted(app, job: int | None) -> None:  # noqa: ANN001
    """History's tickets are not printed now (the job stays, cancelled)."""
    if job is not None:
        app.printing.cancel(job)


def describe(r: HistoryResult) -> str:
    return f"{r.sales} sales, {r.returns} returns, {r.voids} voids, {r.deliveries} deliveries"

