"""Child process for test_numbering_power_cut: random sales (POS documents and
invoices), returns (credit notes for part of a line) and voids (the rest of the
document) as fast as it can, each in its own transaction as the till and issue 14
make them; prints "PREFIX NUMBER" for every document once it is committed, until it
is killed."""

import random
import sys
from pathlib import Path

from kiosk.app_factory import build
from kiosk.core.errors import DomainError
from kiosk.core.payments import PaymentMethod
from kiosk.services.fiscal_documents import CreditLine, FiscalRequest
from tests.fiscal_shop.shop import fiscal_settings, sell


def main(state_dir: str, seed: int) -> None:
    app = build(fiscal_settings(Path(state_dir)))
    user = app.users.authenticate("000000")
    customers = [c.id for c in app.customers.search("")]
    skus = ["DET-LAV", "JAB-KG", "CERA", "CAFE", "AGUA", "LAV-MOT"]
    rng = random.Random(seed)
    print("ready", flush=True)
    while True:
        action = rng.random()
        sale_ids = [s.id for s in app.sales.history(limit=200)]
        try:
            if action < 0.6 or not sale_ids:
                items = [(sku, rng.randint(100, 3000) if sku in ("DET-LAV", "JAB-KG") else rng.randint(1, 3))
                         for sku in rng.sample(skus, rng.randint(1, 4))]
                invoice = rng.random() < 0.3
                customer = rng.choice(customers) if invoice or rng.random() < 0.2 else None
                result = sell(app, user, items, request=FiscalRequest(customer, invoice),
                              method=rng.choice([PaymentMethod.CASH, PaymentMethod.CARD]))
                doc = app.fiscal.sale_document(result.sale_id)
            else:
                sale_id = rng.choice(sale_ids)
                original = app.fiscal.sale_document(sale_id)
                lines = None
                origin = "void"
                if action < 0.85:
                    line = rng.choice(original.lines)
                    lines, origin = [CreditLine(line.sale_line_id, rng.randint(1, line.quantity))], "return"
                app.fiscal.check_credit(sale_id, lines)
                with app.db.write_connection() as conn:
                    doc = app.fiscal.issue_credit_note(conn, sale_id=sale_id, lines=lines, origin=origin,
                                                       user_id=user.id)
        except DomainError:
            continue  # too much to credit, nothing left: refused with nothing written
        print(doc.prefix, doc.number, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
