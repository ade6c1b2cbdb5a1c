"""Child process for test_count_power_cut: counts random products in the stock count
left by the previous child (or a new one), printing each change before ("try") and
after ("ok") it is stored, until it is killed."""

import random
import sys
from pathlib import Path

from kiosk.app_factory import build
from tests.conftest import make_settings


def main(state_dir: str, seed: int) -> None:
    app = build(make_settings(Path(state_dir)))
    count = app.stock.resume_count() or app.stock.start_count()
    products = [p for p in app.catalog.browse(limit=100) if p.tracks_stock]
    rng = random.Random(seed)
    print("ready", flush=True)
    while True:
        product = rng.choice(products)
        if rng.random() < 0.1 and count.line(product.id):
            print("try", product.id, -1, flush=True)
            app.stock.remove_line(count, product.id)
        else:
            quantity = rng.randint(0, 5000)
            print("try", product.id, quantity, flush=True)
            app.stock.count_product(count, product.id, quantity)
        print("ok", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
