"""Tills for the shop-server tests: each its own state folder and SQLite file (a
new migrated database), the demo catalog, selling through
the real checkout."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk.app_factory import Services, build
from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.demo import load_demo
from tests.conftest import make_settings

SKUS = ("ESP-DOB", "ESP-MET")


def make_till(root: Path, base_state: Path | None, name: str) -> Services:
    state = root / name
    state.mkdir(parents=True)
    # A database of its own, not a copy of the session's base: a copy would share the
    # base's till UUID and its documents' UUIDs with every other copy (a cloned till).
    app = build(make_settings(state))
    load_demo(app.db, app.state_dir, app.settings.currency.decimals)
    return app


@contextmanager
def registered_tills(root: Path, server_url: str, *, publish: bool = False, pull: bool = False
                     ) -> Iterator[list[Services]]:
    """Tills "a" and "b" joined to the server as Caja 1 and Caja 2; with ``publish`` till
    A's shared data becomes the shop's, with ``pull`` both tills then pull it once."""
    from kiosk.services.sync_link import register
    from kiosk.services.sync_pull import pull as pull_shared
    from kiosk.services.sync_shared import publish as publish_shared

    tills = [make_till(root, None, name) for name in ("a", "b")]
    try:
        for n, till in enumerate(tills, start=1):
            register(till.db, till.state_dir, server_url, f"Caja {n}")
        if publish:
            publish_shared(tills[0].db, server_url)
        for till in tills if pull else ():
            assert pull_shared(till.db, till.state_dir).ok
        yield tills
    finally:
        for till in tills:
            till.close()


def sell(app: Services, n: int = 1, sku: str = SKUS[0], qty: int = 1) -> list[int]:
    """``n`` sales of ``qty`` of ``sku``, paid by card, as the admin."""
    from sqlalchemy import select

    from db.models import User

    with app.db.read() as s:
        user_id = s.scalar(select(User.id).order_by(User.id).limit(1))
    ids = []
    product = app.catalog.by_sku(sku)
    for _ in range(n):
        cart = Cart()
        cart.add(product, qty)
        ids.append(app.sales.checkout(cart, [Tender(PaymentMethod.CARD, cart.total)], user_id).sale_id)
    return ids
