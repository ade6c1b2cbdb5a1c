"""The low-stock marks blink briefly when a product becomes low, then rest (issue 18:
a mark blinking forever kept a fifth of a Pi core busy). Condition-based waits only."""

from kivy.animation import Animation
from sqlalchemy import event, text

from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.units import SaleMode


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


def test_a_sale_that_makes_a_product_low_marks_its_tile_without_reading_it_back(seller):
    """The sale's transaction says which products it made low (SaleResult.low_changes);
    the tile, the badge and the blinking follow from that, with no query after it."""
    app = seller.app
    seller.until(lambda: app._pulse is None, what="the start's blinking to end")
    sell = seller.screen("sell")
    item = next(d for d in sell.ids.catalog.data if not d["low"] and d["tracks"]
                and app.services.catalog.product(d["product_id"]).sale_mode is SaleMode.UNIT)
    with app.services.db.write() as s:  # its level just under its stock: one sale crosses it
        s.execute(text("UPDATE products SET low_stock = stock - 1 WHERE id = :id"), {"id": item["product_id"]})
    before = app.low_count
    app.services.counter.add(app.user.id, app.services.catalog.product(item["product_id"]))
    result = app.services.counter.checkout(app.user, [Tender(PaymentMethod.CARD, app.cart.total)])
    assert result.low_changes == ((item["product_id"], True),)

    queries = []

    def seen(conn, cursor, statement, *rest):  # noqa: ANN001, ANN002, ARG001
        queries.append(statement)

    event.listen(app.services.db.engine, "before_cursor_execute", seen)
    try:
        app.stock_moved(result.low_changes)
    finally:
        event.remove(app.services.db.engine, "before_cursor_execute", seen)
    assert queries == []
    assert next(d for d in sell.ids.catalog.data if d["product_id"] == item["product_id"])["low"]
    assert app.low_count == before + 1 and app._pulse is not None
    assert app.low_count == app.services.stock.low_stock_count()
    seller.until(lambda: app._pulse is None, timeout=30, what="the blinking to end")
