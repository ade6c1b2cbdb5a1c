"""The fiscal profile at the till: Confirmar's whole path (TillService.complete_sale)
for the same 10-line carts in a Colombian shop with the profile off and on (the POS
document numbered and written in the sale's transaction, the printed document with
its CUDE and QR rendered), and what the numbering check before payment costs."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from kiosk.bench import BenchContext, median, probe, timed_ms

ROUNDS = 120
FISCAL = {"country": "CO", "nit": "900373076", "dv": "4", "legal_name": "Serviteca Bench S.A.S.",
          "address": "Calle 1 # 2-3", "city_code": "11001", "city_name": "Bogotá, D.C.", "department": "Bogotá",
          "till_plate": "CAJA-01", "till_location": "Local 1", "software_id": "bench", "software_pin": "12345"}


def _shop(ctx: BenchContext, name: str, fiscal: dict[str, Any]):  # noqa: ANN202
    from kiosk.app_factory import build
    from kiosk.config import load_settings
    from kiosk.core.numbering import NumberingKind, ResolutionDraft
    from kiosk.core.units import SaleMode, Uom
    from kiosk.services.inventory import ProductDraft

    state = ctx.workdir / name
    settings = load_settings(env={"STATE_DIRECTORY": str(state), "HOME": str(ctx.workdir)}, overrides={
        "printer": {"url": "none"}, "currency": {"code": "COP", "decimals": 0}, "tax": {"rates": [0, 5, 8, 19]},
        "locale": {"timezone": "America/Bogota"}, "fiscal": fiscal,
        "till": {"without_session": "open"}})
    app = build(settings, sender=lambda payload: None)
    boss = app.users.users()[0]
    category = app.inventory.create_category("Detergentes", by=boss)
    for i in range(40):
        app.inventory.create_product(ProductDraft(
            sku=f"B{i:03d}", name=f"Producto a granel {i}", sale_mode=SaleMode.VOLUME, uom=Uom.L,
            price=9_000 + 100 * i, tax_rate_bp=(1900, 800, 500, 0)[i % 4], category_id=category),
            initial_stock=10_000_000, user_id=boss.id)
    if app.fiscal.on:
        today = app.numbering.today()
        app.numbering.add(ResolutionDraft(NumberingKind.POS, "18764000000001", today - timedelta(days=1), "CJ1", 1,
                                          5_000_000, today - timedelta(days=1), today + timedelta(days=700)), boss)
    return app, boss


@probe("fiscal_checkout")
def fiscal_checkout(ctx: BenchContext) -> dict[str, Any]:
    from kiosk.core.cart import Cart
    from kiosk.core.payments import PaymentMethod, Tender

    out: dict[str, Any] = {}
    for label, fiscal in (("plain", {}), ("fiscal", FISCAL)):
        app, boss = _shop(ctx, f"fiscal-bench-{label}", fiscal)
        products = app.catalog.browse(limit=100)
        rng = random.Random(5)
        samples = []
        for _ in range(ROUNDS):
            cart = Cart()
            for p in rng.sample(products, 10):
                cart.add(p, 1000)
            tenders = [Tender(PaymentMethod.CARD, cart.total)]
            samples.append(timed_ms(lambda: app.till.complete_sale(cart, tenders, boss)))
        out[f"{label}_confirm_p50_ms"] = round(median(samples), 2)
        if app.fiscal.on:
            out["fiscal_plan_p50_ms"] = round(median([timed_ms(lambda: app.till.fiscal_plan(50_000))
                                                      for _ in range(ROUNDS)]), 3)
        app.close()
    return {"fiscal_confirm_p50_ms": out["fiscal_confirm_p50_ms"],
            "fiscal_plain_confirm_p50_ms": out["plain_confirm_p50_ms"], "fiscal_plan_p50_ms": out["fiscal_plan_p50_ms"]}
