"""Issue 14 on the real screens: a discount authorised by a manager's PIN, park and
recall, a partial bulk return refunded in cash, a void from *Historial* (and a void
refused outside its window), with screenshots at 800x480 and 1280x800."""

from __future__ import annotations

import sqlite3

from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.i18n import _
from tests.conftest import ADMIN_PIN, CASHIER_PIN, MANAGER_PIN
from tests.invariants import check_invariants
from tests.ui.conftest import sign_in

SIZES = ((800, 480), (1280, 800))


def add_staff(ui):  # noqa: ANN001, ANN201
    users = ui.app.services.users
    admin = users.get(name=next(u.name for u in users.users() if u.role == "admin"))
    cashier = users.create_user("Caro", "cashier", CASHIER_PIN, by=admin)
    users.create_user("Mario", "manager", MANAGER_PIN, by=admin)
    return admin, cashier


def sold(ui, user, method=PaymentMethod.CASH):  # noqa: ANN001, ANN201
    """2 L of detergent and 3 sponges, stored as a sale by the sales service."""
    cat = ui.app.services.catalog
    cart = Cart()
    cart.add(cat.by_sku("DET-LAV"), 2000)
    cart.add(cat.by_sku("ESP-DOB"), 3)
    return ui.app.services.sales.checkout(cart, [Tender(method, cart.total)], user.id)


def add(ui, sku: str) -> None:  # noqa: ANN001
    """A product into the signed-in cashier's cart (as a tap on its tile does)."""
    app = ui.app
    app.services.counter.add(app.user.id, app.services.catalog.by_sku(sku))
    ui.frames(2)


def shots(ui, name: str) -> None:  # noqa: ANN001
    for w, h in SIZES:
        ui.resize(w, h)
        path = ui.screenshot(name)
        assert path.exists()
    ui.resize(800, 480)


def open_more(ui):  # noqa: ANN001, ANN201
    ui.tap(ui.ids("sell").cart_more)
    popup = ui.app.modal
    assert popup is not None and type(popup).__name__ == "CartActionsPopup"
    return popup


def test_discount_above_the_cashiers_limit_is_authorised_by_a_manager(make_ui) -> None:
    ui = make_ui()
    add_staff(ui)
    sign_in(ui, CASHIER_PIN)
    app = ui.app
    add(ui, "PAN-MIC")
    ui.until(lambda: len(app.cart) == 1, what="the line")
    more = open_more(ui)
    ui.tap(more.ids.act_line_discount)
    popup = app.modal
    assert type(popup).__name__ == "DiscountPopup"
    # No reason yet: said, nothing changes.
    ui.keypad("10", popup.ids.keypad)
    ui.tap(popup.ids.discount_ok)
    assert popup.error_text == _("Pick the reason for the discount.")
    assert app.cart.lines[0].discount is None
    popup.pick_reason(popup.reasons[0])
    shots(ui, "discount-popup")
    ui.tap(popup.ids.discount_ok)
    # A cashier's limit is 0 %: the manager's PIN is asked, once.
    auth = app.modal
    assert type(auth).__name__ == "AuthorisePopup"
    assert app.cart.lines[0].discount is None
    ui.pin_on(auth, MANAGER_PIN)
    ui.until(lambda: app.modal is None and app.cart.lines[0].discount is not None, what="the discount")
    sell = ui.screen("sell")
    ui.until(lambda: sell.discount_text == "$0,12", what="the discount on screen")
    assert sell.total_text == "$1,08"
    row = ui.ids("sell").cart.children[0].children[0]
    assert row.list_text == "$1,20" and row.total_text == "$1,08"
    shots(ui, "discounted-cart")
    with sqlite3.connect(ui.state_dir / "kiosk.db") as db:
        assert db.execute("SELECT count(*) FROM audit_log WHERE act = 'discount' AND authorised_by IS NOT NULL").fetchone()[0] == 1


def test_a_changed_price_needs_a_reason_and_a_managers_pin_and_goes_back(make_ui) -> None:
    ui = make_ui()
    add_staff(ui)
    sign_in(ui, CASHIER_PIN)
    app = ui.app
    sell = ui.screen("sell")
    add(ui, "PAN-MIC")
    ui.until(lambda: len(app.cart) == 1, what="the line")
    ui.tap(open_more(ui).ids.act_price)
    popup = app.modal
    assert type(popup).__name__ == "PricePopup"
    ui.keypad("1", popup.ids.keypad)
    ui.tap(popup.ids.price_ok)
    assert popup.error_text == _("Pick the reason for the new price.")
    popup.pick_reason(popup.reasons[0])
    ui.tap(popup.ids.price_ok)
    auth = app.modal  # a cashier may not change a price: a manager's PIN, once
    assert type(auth).__name__ == "AuthorisePopup"
    ui.pin_on(auth, MANAGER_PIN)
    ui.until(lambda: app.modal is None and app.cart.lines[0].override_price == 100, what="the new price")
    assert sell.ids.message.text == _("Price changed.")
    ui.tap(open_more(ui).ids.act_price)  # the catalog's price back: no PIN needed
    ui.tap(app.modal.ids.price_remove)
    ui.until(lambda: app.modal is None and app.cart.lines[0].override_price is None, what="the catalog price")
    assert sell.ids.message.text == _("Catalog price back.")


def test_park_and_recall(seller) -> None:
    ui = seller
    app = ui.app
    add(ui, "PAN-MIC")
    ui.until(lambda: len(app.cart) == 1, what="the line")
    more = open_more(ui)
    assert more.ids.act_recall.disabled  # nothing parked yet
    shots(ui, "cart-actions")
    ui.tap(more.ids.act_park)
    popup = app.modal
    assert type(popup).__name__ == "ParkPopup"
    for ch in "ANA":
        ui.tap(ui.find_text(ch, popup.ids.keyboard), settle=1)
    assert popup.label.lower() == "ana"
    shots(ui, "park-popup")
    ui.tap(popup.ids.park_ok)
    assert app.modal is None and app.cart.is_empty
    # The next customer; then the parked cart cannot come back into a full cart.
    add(ui, "ESP-DOB")
    ui.until(lambda: len(app.cart) == 1, what="the next customer's line")
    more = open_more(ui)
    ui.tap(more.ids.act_recall)
    assert more.error_text  # finish or park first
    more.dismiss()
    ui.until(lambda: app.modal is None and more.parent is None, what="Más closed (off the window)")
    ui.tap(ui.ids("sell").clear_cart)
    ui.until(lambda: app.modal is not None, what="the question before emptying the cart")
    ui.tap(app.modal.ids.confirm_yes)
    assert app.cart.is_empty
    more = open_more(ui)
    ui.tap(more.ids.act_recall)
    recall = app.modal
    assert type(recall).__name__ == "RecallPopup"
    ui.frames(3)
    assert [r["label"].lower() for r in recall.ids.parked.data] == ["ana"]
    shots(ui, "recall-popup")
    row = recall.ids.parked.children[0].children[0]
    ui.tap(row)
    assert app.modal is None
    assert [ln.product.sku for ln in app.cart.lines] == ["PAN-MIC"]
    assert app.services.counter.parked() == []


def test_recall_says_which_product_left(seller) -> None:
    ui = seller
    app = ui.app
    add(ui, "PAN-MIC")
    add(ui, "ESP-DOB")
    ui.until(lambda: len(app.cart) == 2, what="two lines")
    app.services.counter.park(app.user.id, "")
    with sqlite3.connect(ui.state_dir / "kiosk.db") as db:
        db.execute("UPDATE products SET active = 0 WHERE sku = 'ESP-DOB'")
    ui.screen("sell").refresh_cart()
    more = open_more(ui)
    ui.tap(more.ids.act_recall)
    ui.frames(3)
    ui.tap(app.modal.ids.parked.children[0].children[0])
    assert [ln.product.sku for ln in app.cart.lines] == ["PAN-MIC"]
    message = ui.ids("sell").message
    assert "Esponja doble uso" in message.text


def test_partial_bulk_return_with_cash_refund_from_history(make_ui) -> None:
    ui = make_ui()
    admin, _cashier = add_staff(ui)
    sale = sold(ui, admin)
    sign_in(ui, CASHIER_PIN)
    app = ui.app
    stock = app.services.catalog.by_sku("DET-LAV").stock
    app.show("history")
    history = ui.screen("history")
    ui.frames(3)
    history.find_number(sale.number)
    ui.frames(3)
    assert history.can_return and history.can_void
    ui.tap(history.ids.detail_return)
    popup = app.modal
    assert type(popup).__name__ == "ReturnPopup"
    assert popup.selected == 1 and popup.unit_text == "ml"
    ui.keypad("3000", popup.ids.keypad)  # more than was sold: said at once
    assert "2 L" in popup.error_text
    for _i in range(4):
        ui.tap(ui.find_text("\u232b", popup.ids.keypad), settle=0)
    assert popup.chosen == {}
    ui.keypad("500", popup.ids.keypad)
    assert popup.chosen == {1: 500}
    popup.pick_reason("changed_mind")
    assert popup.method == "cash"
    shots(ui, "return-popup")
    ui.tap(popup.ids.return_ok)
    # A cashier may not return: the manager authorises it once.
    auth = app.modal
    assert type(auth).__name__ == "AuthorisePopup"
    ui.pin_on(auth, MANAGER_PIN)
    ui.until(lambda: app.modal is None, what="the return")
    ui.until(lambda: history.detail_status != "", what="the sale's status")
    assert app.services.catalog.by_sku("DET-LAV").stock == stock + 500
    r = app.services.returns.returns()[0]
    assert (r.sale_number, r.total, r.methods, r.authorised_by) == (sale.number, 160, ("cash",), "Mario")
    with sqlite3.connect(ui.state_dir / "kiosk.db") as db:  # its DEVOLUCIÓN ticket opens the drawer: cash
        payload, drawer = db.execute("SELECT payload, drawer FROM print_jobs WHERE kind = 'return'").fetchone()
    assert b"DEVOLUCI" in payload and drawer == "kick"
    assert "D-" in history.detail_status or "D0" in history.detail_status
    assert not history.can_void  # a sale with a return cannot be voided
    shots(ui, "history-returned")
    history.close_sale()
    ui.frames(3)
    rows = history.ids.sales.data
    assert [row["is_return"] for row in rows] == [False, True]
    assert rows[0]["status_text"] == _("returned in part")
    shots(ui, "history-list")
    check_invariants(app.services.returns.db)


def test_void_from_history_needs_a_reason_and_is_refused_outside_its_window(make_ui) -> None:
    ui = make_ui()
    admin, _cashier = add_staff(ui)
    sale = sold(ui, admin)
    sign_in(ui, ADMIN_PIN)
    app = ui.app
    app.theme.apply("night")
    app.show("history")
    history = ui.screen("history")
    history.find_number(sale.number)
    ui.frames(3)
    ui.tap(history.ids.detail_void)
    popup = app.modal
    assert type(popup).__name__ == "VoidPopup"
    ui.tap(popup.ids.void_ok)
    assert popup.error_text == _("Write why the sale is voided.")
    for ch in "ERROR":
        ui.tap(ui.find_text(ch, popup.ids.keyboard), settle=1)
    shots(ui, "void-popup")
    ui.tap(popup.ids.void_ok)
    ui.until(lambda: app.modal is None, what="the void")
    assert app.services.returns.sale(sale.number).voided
    assert not history.can_return and not history.can_void
    assert history.detail_status.startswith(_("VOIDED: {reason}").format(reason="")[:5])
    history.close_sale()
    ui.frames(3)
    assert history.ids.sales.data[0]["status_text"] == _("voided")

    # Another sale, of a till session that is closed: refused, saying why, nothing written.
    other = sold(ui, admin)
    with sqlite3.connect(ui.state_dir / "kiosk.db") as db:
        db.execute("UPDATE sales SET till_id = 99 WHERE number = ?", (other.number,))
    history.find_number(other.number)
    ui.frames(3)
    ui.tap(history.ids.detail_void)
    popup = app.modal
    for ch in "X":
        ui.tap(ui.find_text(ch, popup.ids.keyboard), settle=1)
    ui.tap(popup.ids.void_ok)
    assert app.modal is popup and popup.error_text
    assert not app.services.returns.sale(other.number).voided


def test_return_without_receipt_found_by_name_needs_its_own_act(make_ui) -> None:
    ui = make_ui()
    add_staff(ui)
    sign_in(ui, CASHIER_PIN)
    app = ui.app
    stock = app.services.catalog.by_sku("DET-LAV").stock
    app.show("history")
    history = ui.screen("history")
    ui.frames(3)
    ui.tap(history.ids.no_receipt)
    popup = app.modal
    assert type(popup).__name__ == "NoReceiptReturnPopup"
    ui.tap(popup.ids.no_receipt_ok)
    assert popup.error_text == _("Scan or find the goods and type how much comes back.")
    ui.tap(popup.ids.find_product)
    assert popup.searching
    for ch in "DETERGENTE":
        ui.tap(ui.find_text(ch, popup.ids.keyboard), settle=0)
    ui.frames(3)
    names = [r["name"] for r in popup.ids.found.data]
    assert "Detergente líquido lavanda" in names
    shots(ui, "no-receipt-search")
    popup.add_product(app.services.catalog.by_sku("DET-LAV").id)
    assert not popup.searching and popup.unit_text == "ml"
    ui.keypad("250", popup.ids.keypad)
    popup.pick_reason("damaged")
    assert popup.total_text == "$0,80"
    shots(ui, "no-receipt-return")
    ui.tap(popup.ids.no_receipt_ok)
    auth = app.modal
    assert type(auth).__name__ == "AuthorisePopup"  # a cashier: the manager's PIN, for this act
    ui.pin_on(auth, MANAGER_PIN)
    ui.until(lambda: app.modal is None, what="the return")
    r = app.services.returns.returns()[0]
    assert (r.sale_number, r.total, r.reason, r.authorised_by) == (None, 80, "damaged", "Mario")
    assert app.services.catalog.by_sku("DET-LAV").stock == stock  # damaged: back in and straight to waste
    assert [row["status_text"] for row in history.ids.sales.data] == [_("return without receipt")]
