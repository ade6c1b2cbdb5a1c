"""The low-stock marks blink briefly when a product becomes low, then rest (issue 18:
a mark blinking forever kept a fifth of a Pi core busy). Condition-based waits only."""

from kivy.animation import Animation
from sqlalchemy import text


def _animating(app) -> bool:  # noqa: ANN001
    return any(info["widget"] is app for a in Animation._instances for info in a._widgets.values())


def test_marks_blink_when_a_product_becomes_low_then_rest_lit(seller):
    app = seller.app
    seller.until(lambda: app._pulse is None, what="the start's blinking to end")
    assert app.pulse == 1.0 and not _animating(app)
    before = app.low_count
    app.low_count = before + 1  # one more product fell to its level
    assert app._pulse is not None  # blinking ...
    seller.until(lambda: app.pulse < 0.9, what="the marks to dim")
    seller.until(lambda: app._pulse is None, timeout=30, what="the blinking to end")  # ... a few times, then not
    assert app.pulse == 1.0 and not _animating(app)  # the marks stay lit, nothing animates
    app.low_count = before  # fewer low products: nothing blinks
    assert app._pulse is None and not _animating(app)


def test_a_sale_that_makes_a_product_low_makes_its_tile_blink(seller):
    app = seller.app
    seller.until(lambda: app._pulse is None, what="the start's blinking to end")
    sell = seller.screen("sell")
    item = next(d for d in sell.ids.catalog.data if not d["low"])
    product = app.services.catalog.product(item["product_id"])
    # The level is raised above the stock (as a restock or a sale would cross it).
    with app.services.db.write() as s:
        s.execute(text("UPDATE products SET low_stock = stock + 1 WHERE id = :id"), {"id": product.id})
    app.stock_moved([product.id])
    assert app._pulse is not None
    assert next(d for d in sell.ids.catalog.data if d["product_id"] == product.id)["low"]
    seller.until(lambda: app._pulse is None, timeout=30, what="the blinking to end")
