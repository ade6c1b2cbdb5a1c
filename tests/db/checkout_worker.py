"""Child process for test_power_cut: sells random carts through the till (sale,
receipt job and drawer decision) as fast as it can, printing each committed sale
number, until it is killed."""

import random
import sys

from kiosk.app_factory import build
from kiosk.core.cart import Cart
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
        for p in rng.sample(products, rng.randint(1, 8)):
            cart.add(p, rng.randint(100, 2000) if p.bulk else rng.randint(1, 3))
        method = rng.choice([PaymentMethod.CASH, PaymentMethod.CARD])
        tender = cart.total + (rng.randint(0, 500) if method is PaymentMethod.CASH else 0)
        result = app.till.complete_sale(cart, [Tender(method, tender)], user)
        print(result.number, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
