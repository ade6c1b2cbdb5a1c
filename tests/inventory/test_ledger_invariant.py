"""Property: whatever mix of sales, restocks, adjustments, counts, deliveries and CSV
stock updates happens, each product's stock equals the sum of its ledger."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.app_factory import Services
from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.product_fields import quantity_text
from kiosk.services.inventory import ADJUSTMENT_REASONS
from kiosk.services.users import UserInfo
from tests.inventory.helpers import ledger_sum
from tests.invariants import check_invariants

SKUS = ["DET", "CLO", "POL", "ESP"]
step = st.one_of(
    st.tuples(st.just("sale"), st.sampled_from(SKUS), st.integers(1, 5)),  # whole units of measure
    st.tuples(st.just("restock"), st.sampled_from(SKUS), st.integers(1, 50_000)),
    st.tuples(st.just("adjust"), st.sampled_from(SKUS), st.integers(-5_000, 5_000).filter(bool),
              st.sampled_from(sorted(ADJUSTMENT_REASONS))),
    st.tuples(st.just("count"), st.sampled_from(SKUS), st.integers(0, 90_000)),
    st.tuples(st.just("delivery"), st.lists(st.sampled_from(SKUS), min_size=1, max_size=3), st.integers(1, 9_000)),
    st.tuples(st.just("csv"), st.sampled_from(SKUS), st.integers(-1_000, 90_000)),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=8))
def test_stock_always_equals_the_ledger(app: Services, admin: UserInfo, manager: UserInfo, shop: dict,
                                        tmp_path: Path, steps: list) -> None:
    for s in steps:
        kind = s[0]
        if kind == "sale":
            cart = Cart()
            product = app.catalog.by_sku(s[1])
            cart.add(product, s[2] * (1000 if product.bulk else 1))
            app.sales.checkout(cart, [Tender(PaymentMethod.CARD, cart.total)], admin.id)
        elif kind == "restock":
            app.stock.restock(shop[s[1]], s[2], manager)
        elif kind == "adjust":
            app.stock.adjust(shop[s[1]], s[2], s[3], manager)
        elif kind == "count":
            count = app.stock.start_count()
            app.stock.count_product(count, shop[s[1]], s[2])
            app.stock.apply_count(count, manager)
            assert app.catalog.product(shop[s[1]]).stock == s[2]
        elif kind == "delivery":
            sheet = app.stock.start_delivery("R")
            for sku in s[1]:
                app.stock.delivery_add(sheet, shop[sku], s[2])
            app.stock.receive(sheet, manager)
        else:
            ref = app.catalog.by_sku(s[1])
            path = tmp_path / "stock.csv"
            path.write_text(f"sku,name,price,stock\n{ref.sku},{ref.name},{ref.price / 100:.2f},"
                            f"{quantity_text(s[2], ref.uom)}\n", encoding="utf-8")
            report = app.product_csv.import_file(path, manager)
            assert report.ok, [p.text() for p in report.problems]
            assert app.catalog.product(ref.id).stock == s[2]
    for pid in shop.values():
        assert app.catalog.product(pid).stock == ledger_sum(app, pid)
    check_invariants(app.db)
