"""Child process for test_returns_power_cut: sells, returns parts of earlier sales and
voids some, as fast as it can, printing each committed document ("S n", "R n",
"V n"), until it is killed."""

import random
import sys

from kiosk.app_factory import build
from kiosk.core.cart import Cart
from kiosk.core.errors import DomainError
from kiosk.core.payments import PaymentMethod, Tender
from tests.conftest import make_settings


def main(state_dir: str, seed: int) -> None:
    from pathlib import Path

    app = build(make_settings(Path(state_dir)))
    user = app.users.authenticate("000000")
    products = app.catalog.browse(limit=100)
    rng = random.Random(seed)
    print("ready", flush=True)
    while True:
        cart = Cart()
        for p in rng.sample(products, rng.randint(1, 4)):
            cart.add(p, rng.randint(100, 2000) if p.bulk else rng.randint(1, 3))
        method = rng.choice([PaymentMethod.CASH, PaymentMethod.CARD])
        sale = app.till.complete_sale(cart, [Tender(method, cart.total)], user)
        print("S", sale.number, flush=True)
        for _ in range(2):
            number = rng.randint(1, sale.number)
            try:
                if rng.random() < 0.15:
                    print("V", app.returns.void(user, number, "test").number, flush=True)
                    continue
                s = app.returns.sale(number)
                left = [ln for ln in s.lines if ln.left]
                if not left:
                    continue
                ln = rng.choice(left)
                r = app.returns.make_return(user, number, [(ln.position, rng.randint(1, ln.left))],
                                            rng.choice(["damaged", "changed_mind"]))
                print("R", r.number, flush=True)
            except DomainError:
                pass  # voided, returned already: refused, nothing written


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
