"""Days of plausible shop history for the demo shop (``kiosk-admin demo-data --days N``),
made through the real services: on each of the last N days before today, one till
session (opened at 08:00 with a float and a change top-up, a supplier paid out in cash
at 19:30, closed at 20:00 with the exact count: a Z report), sales rung up by the demo
cashier across the day (unit and bulk lines, by quantity and by amount, cash/card/QR),
deliveries when a shelf runs low, and a few returns and voids by the demo manager.
Seeded, so the same N gives the same history. The reports, dashboards and their tests
are built on it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.demo import DEMO_STAFF, load_demo_staff
from kiosk.formatting import local_today, local_zone
from kiosk.services.access import TECHNICIAN
from kiosk.services.returns import RETURN_REASONS

OPEN_HOUR, CLOSE_HOUR = 8, 20
METHODS = ((PaymentMethod.CASH, 55), (PaymentMethod.CARD, 35), (PaymentMethod.QR, 10))


class DemoDayOpen(Exception):
    def __str__(self) -> str:
        return "the till is open: close it (kiosk-admin till close) before making demo days"


@dataclass
class HistoryResult:
    days: int = 0
    sales: int = 0
    returns: int = 0
    voids: int = 0
    deliveries: int = 0
    z: list[int] = field(default_factory=list)  # the Z report numbers, one a day


def _utc(local: datetime) -> datetime:
    """A naive local wall time -> the naive UTC the database stores."""
    return local.replace(tzinfo=local_zone()).astimezone(UTC).replace(tzinfo=None)


def make_history(app, days: int, *, seed: int = 14,  # noqa: ANN001 - kiosk.app_factory.Services
                 per_day: tuple[int, int] = (18, 40)) -> HistoryResult:
    """Ring up the ``days`` days before today through the services, one closed till
    session each. Returns what was made. Refuses to mix history into an open till
    (DemoDayOpen); callers check that the shop has no sales yet."""
    if app.sessions.current() is not None:
        raise DemoDayOpen()
    rng = random.Random(seed)
    load_demo_staff(app.users)  # the demo cashier and manager, unless users of those names exist
    staff = {u.name: u for u in app.users.users()}
    cashier, manager = (staff[name] for name, _, _ in DEMO_STAFF)
    products = [p for p in (app.catalog.browse(limit=500)) if p.active and p.price > 0]
    unit = [p for p in products if not p.bulk]
    bulk = [p for p in products if p.bulk]
    note = 10 ** app.settings.currency.decimals
    result = HistoryResult(days=days)
    saved = (app.sales.clock, app.returns.clock, app.sessions.clock)
    today = local_today()
    try:
        for back in range(days, 0, -1):
            day = today - timedelta(days=back)

            def at(hour: int, minute: int = 0, _day=day) -> datetime:  # noqa: ANN001
                return _utc(datetime.combine(_day, time(hour, minute)))

            app.sessions.clock = lambda: at(OPEN_HOUR)
            app.sessions.open(TECHNICIAN, amount=100 * note)
            app.sessions.clock = lambda: at(OPEN_HOUR, 5)
            app.sessions.cash_movement(TECHNICIAN, "in", 20 * note, "change")
            count = rng.randint(*per_day)
            minutes = sorted(rng.randint(10, (CLOSE_HOUR - OPEN_HOUR) * 60 - 40) for _ in range(count))
            for m in minutes:
                local = datetime.combine(day, time(OPEN_HOUR)) + timedelta(minutes=m, seconds=rng.randint(0, 59))
                sold_at = _utc(local)
                app.sales.clock = lambda sold_at=sold_at: sold_at
                cart = Cart()
                for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
                    if bulk and rng.random() < 0.45:
                        p = rng.choice(bulk)
                        if rng.random() < 0.4:
                            cart.add_amount(p, rng.choice((2, 3, 5, 8, 10)) * note)
                        else:
                            cart.add(p, rng.choice((250, 500, 750, 1000, 1500, 2000)))
                    elif unit:
                        cart.add(rng.choice(unit), rng.choice((1, 1, 1, 2, 3)))
                if not cart.lines:
                    continue
                _restock(app, cart, manager, result)
                method = rng.choices([m for m, _ in METHODS], [w for _, w in METHODS])[0]
                tendered = cart.total
                if method is PaymentMethod.CASH:
                    tendered = -(-cart.total // (5 * note)) * 5 * note  # rounded up to the next 5 note
                # The sale service itself (no receipt: history is not printed again).
                sale = app.sales.checkout(cart, [Tender(method, tendered)], cashier.id)
                result.sales += 1
                roll = rng.random()
                if roll < 0.012:
                    app.returns.clock = lambda sold_at=sold_at: sold_at + timedelta(minutes=3)
                    done = app.returns.void(manager, sale.number, rng.choice(("rung by mistake", "customer left")))
                    _unprinted(app, done.print_job)
                    result.voids += 1
                elif roll < 0.045:
                    app.returns.clock = lambda sold_at=sold_at: sold_at + timedelta(minutes=rng.randint(5, 30))
                    returnable = app.returns.sale(sale.number)
                    line = rng.choice(returnable.lines)
                    quantity = line.sold if line.sold <= 3 else max(1, line.sold // rng.choice((2, 4)))
                    done = app.returns.make_return(manager, sale.number, [(line.position, quantity)],
                                                   rng.choice(sorted(RETURN_REASONS)))
                    _unprinted(app, done.print_job)
                    result.returns += 1
            app.sessions.clock = lambda: at(CLOSE_HOUR - 1, 30)
            app.sessions.cash_movement(TECHNICIAN, "out", 10 * note, "supplier", force=True)
            app.sessions.clock = lambda: at(CLOSE_HOUR)
            closed = app.sessions.close(TECHNICIAN, counted=app.sessions.expected_cash())
            _unprinted(app, closed.print_job)
            result.z.append(closed.number)
    finally:
        app.sales.clock, app.returns.clock, app.sessions.clock = saved
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


def counted(count: int, one: str, many: str = "") -> str:
    """"1 void", "3 voids", "1 delivery", "2 deliveries": a count for the technician."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def describe(r: HistoryResult) -> str:
    z = f", Z {r.z[0]}-{r.z[-1]}" if r.z else ""
    return (f"{counted(r.sales, 'sale')} on {counted(r.days, 'day')}, {counted(r.returns, 'return')}, "
            f"{counted(r.voids, 'void')}, {counted(r.deliveries, 'delivery', 'deliveries')}{z}")

