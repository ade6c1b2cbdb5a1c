"""The customer's second screen (kiosk/customer_screen) under Xvfb, fed by the real
cart feed (CartFeedPublisher attached to a real counter on a copy of the demo shop):
lines added, paying by QR, the sale's change, the main UI going away and coming back,
the day/night theme, and what the feed may send that is not the protocol.
Screenshots at 800x480 and 1280x800, day and night (tests/_artifacts/screenshots)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.core.payment_qr import render_qr
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.services.cart_feed import CartFeedPublisher
from tests.conftest import ADMIN_PIN, make_settings
from tests.ui.conftest import Driver

QR_TEMPLATE = "https://pagos.example/cobro?valor={amount_major}&ref={reference}"


class Shop:
    """The main kiosk's side: services (counter, sales) and the feed they publish on."""

    def __init__(self, state: Path, socket_path: Path):
        from kiosk.app_factory import build

        self.services = build(make_settings(state, payments={"qr": {"template": QR_TEMPLATE}}))
        self.socket_path = socket_path
        self.user = self.services.users.authenticate(ADMIN_PIN)
        self.feed: CartFeedPublisher | None = None
        self.start_feed()

    def start_feed(self) -> None:
        self.feed = CartFeedPublisher(self.socket_path).start().attach(self.services.counter)

    def stop_feed(self) -> None:
        """What a restart of the main UI looks like from the screen: the socket goes away."""
        if self.feed is not None:
            self.feed.stop()
            self.feed = None

    def add(self, sku: str, quantity: int | None = None) -> None:
        self.services.counter.add(self.user.id, self.services.catalog.by_sku(sku), quantity)

    @property
    def total(self) -> int:
        return self.services.counter.cart(self.user.id).total

    def close(self) -> None:
        self.stop_feed()
        self.services.close()


@pytest.fixture
def screen(request, kivy_window, demo_template: Path, tmp_path: Path):  # noqa: ANN001, ANN201
    """(Driver around the customer screen app, Shop); parametrized indirectly with True:
    the app as in its own process (kiosk-customer-screen)."""
    from kivy.app import App
    from kivy.clock import Clock

    from kiosk.customer_screen.app import CustomerScreenApp

    baseline = set(Clock.get_events())
    state = tmp_path / "state"
    shutil.copytree(demo_template, state)
    shop = Shop(state, tmp_path / "run" / "cart.sock")
    app = CustomerScreenApp(shop.socket_path, shop_name=shop.services.settings.shop.name, theme="day",
                            retry_s=0.05, max_retry_s=0.5, hold_s=600,
                            own_process=getattr(request, "param", False))
    kivy_window.size = (800, 480)
    app._run_prepare()
    driver = Driver(app, kivy_window, state)
    driver.frames(4)
    try:
        yield driver, shop
    finally:
        app.dispatch("on_stop")
        for child in list(kivy_window.children):
            kivy_window.remove_widget(child)
        shop.close()
        App._running_app = None
        for event in Clock.get_events():
            if event not in baseline:
                event.cancel()


def texts(ui: Driver) -> list[str]:
    return ui.visible_texts(ui.app.screen)


def shows(ui: Driver, *wanted: str) -> bool:
    shown = texts(ui)
    return all(w in shown for w in wanted)


def images(ui: Driver) -> list:
    from kivy.uix.image import Image

    return [w for w in ui.app.screen.walk() if isinstance(w, Image) and w.texture is not None]


def test_the_customer_follows_the_cart_pays_by_qr_and_sees_the_change(screen) -> None:  # noqa: ANN001
    from kiosk.i18n import format_money

    ui, shop = screen
    ui.until(lambda: ui.app.client.connected and shows(ui, "¡Bienvenido!"), what="the idle screen, connected")
    assert images(ui), "an idle picture (generated: no logo or pictures configured)"
    ui.screenshot("customer-screen-idle")

    shop.add("ESP-DOB")
    shop.add("ESP-DOB")
    shop.add("PAN-MIC")
    sponge = shop.services.catalog.by_sku("ESP-DOB")
    ui.until(lambda: shows(ui, sponge.name, "× 2", format_money(shop.total), "2 artículos"),
             what="the cart's lines (two) and total")
    ui.screenshot("customer-screen-cart")

    # The checkout screen's call when the cashier chooses QR: the same code as on the counter.
    code = render_qr(QR_TEMPLATE, amount=shop.total, decimals=2, currency="COP", sale_number=1)
    shop.feed.publish_payment("qr", shop.total, code)
    ui.until(lambda: shows(ui, "Escanee el código para pagar") and ui.app.model.state.qr == code,
             what="the QR code to pay")
    assert images(ui) and images(ui)[0].texture is ui.app.qr_texture(code)
    ui.screenshot("customer-screen-qr")

    total = shop.total
    shop.services.counter.checkout(shop.user, [Tender(PaymentMethod.CASH, total + 5000)])
    ui.until(lambda: shows(ui, "¡Gracias por su compra!", format_money(5000), format_money(total + 5000)),
             what="the change after the sale")
    assert ui.app.model.state.mode == "done"  # the counter's new empty cart did not end it
    ui.screenshot("customer-screen-change")


@pytest.mark.parametrize("screen", [True], indirect=True)
def test_its_loop_rests_while_nothing_changes_and_a_new_line_still_shows(screen) -> None:  # noqa: ANN001
    """In its own process the screen's main loop slows down at rest (kiosk.ui.frame_pace:
    it has no touch input; what wakes it is a frame drawn for a change)."""
    from kivy.clock import Clock

    ui, shop = screen
    full = Clock._max_fps
    pace = ui.app.pace
    assert pace is not None
    pace.rest_after_s = 0.3
    ui.until(lambda: ui.app.client.connected and pace.resting, what="the idle screen, at rest")
    assert Clock._max_fps == pace.rest_fps < full
    shop.add("ESP-DOB")
    sponge = shop.services.catalog.by_sku("ESP-DOB")
    ui.until(lambda: shows(ui, sponge.name), what="the new line")
    ui.until(lambda: not pace.resting, what="the drawn change to wake the loop")
    ui.app.dispatch("on_stop")
    assert Clock._max_fps == full and ui.app.pace is None


def test_the_screen_survives_the_main_ui_restarting_and_bad_messages(screen) -> None:  # noqa: ANN001
    ui, shop = screen
    ui.until(lambda: ui.app.client.connected, what="connected")
    shop.add("ESP-DOB")
    ui.until(lambda: ui.app.model.state.mode == "cart", what="the cart")

    shop.feed.publish({"type": "cart", "lines": "not a list"})  # not the protocol: ignored
    shop.feed.publish({"type": "launch-missiles"})
    ui.until(lambda: ui.app.model.ignored == 2, what="two bad messages ignored")
    assert ui.app.model.state.mode == "cart"

    shop.stop_feed()  # the main UI restarts
    ui.until(lambda: not ui.app.client.connected and shows(ui, "¡Bienvenido!"), what="idle while it is away")
    shop.add("PAN-MIC")  # rung up meanwhile: nobody publishes it
    shop.start_feed()
    shop.feed.publish({"type": "cart", "lines": [], "total": 0, "total_text": ""})  # the restarted UI's first cart
    shop.services.counter.add(shop.user.id, shop.services.catalog.by_sku("ESP-DOB"))
    ui.until(lambda: ui.app.client.connections >= 2 and ui.app.model.state.mode == "cart",
             what="the cart again after the reconnect")
    assert len(ui.app.model.state.lines) == 2


@pytest.mark.parametrize("size", [(800, 480), (1280, 800)])
def test_screenshots_day_and_night(screen, size) -> None:  # noqa: ANN001
    ui, shop = screen
    ui.resize(*size)
    ui.until(lambda: ui.app.client.connected, what="connected")
    for sku in ("ESP-DOB", "PAN-MIC", "ESP-DOB", "GUA-LAT"):
        shop.add(sku)
    shop.add("DET-LAV", 1500)  # 1,5 L of a liquid sold by volume
    for theme in ("day", "night"):
        shop.feed.set_theme(theme)  # the main UI's day/night button
        ui.until(lambda: ui.app.theme.name == theme and ui.app.model.state.mode == "cart",
                 what=f"the {theme} theme")
        ui.screenshot("customer-screen-cart")
        code = render_qr(QR_TEMPLATE, amount=shop.total, decimals=2, currency="COP", sale_number=1)
        shop.feed.publish_payment("qr", shop.total, code)
        ui.until(lambda: ui.app.model.state.mode == "paying", what="paying")
        ui.screenshot("customer-screen-qr")
        shop.feed.payment_left()
        ui.until(lambda: ui.app.model.state.mode == "cart", what="back to the cart")
    shop.services.counter.clear(shop.user.id)
    ui.until(lambda: ui.app.model.state.mode == "idle", what="idle")
    ui.screenshot("customer-screen-idle")


def test_the_checkout_screen_tells_the_customer_screen_what_to_pay(make_ui, tmp_path: Path) -> None:  # noqa: ANN001
    """The main kiosk's own side, with its real checkout screen: choosing QR sends the
    same code the cashier's screen shows; the day/night button sends the theme; going
    back to the cart sends the cart again; the sale sends the change."""
    from kiosk.services.cart_feed import CartFeedClient
    from tests.customer_screen.test_cart_feed import Inbox
    from tests.ui.conftest import sign_in
    from tests.ui.test_cashier_rough_edges import scan

    path = tmp_path / "feed.sock"
    ui = sign_in(make_ui(payments={"qr": {"template": QR_TEMPLATE}},
                         customer_display={"screen_socket": str(path)}))
    inbox = Inbox()
    client = CartFeedClient(path, inbox, retry_s=0.05).start()
    try:
        ui.until(lambda: client.connected, what="the kiosk's feed")
        scan(ui, "PAN-MIC", 1)
        ui.until(lambda: inbox.last["type"] == "cart", what="the cart")
        ui.tap(ui.screen("sell").ids.charge)
        co = ui.screen("checkout")
        ui.until(lambda: inbox.last["type"] == "paying" and inbox.last["method"] == "cash", what="paying")
        ui.tap(co.ids.method_qr)
        ui.until(lambda: inbox.last["type"] == "paying" and inbox.last["qr"], what="the QR code")
        assert inbox.last["qr"] == co.qr_text and inbox.last["total"] == co.total
        ui.app.toggle_theme()
        ui.until(lambda: inbox.last.get("theme") == ui.app.theme.name, what="the theme")
        assert inbox.last["type"] == "paying"  # sent again with what is shown
        co.back()
        ui.until(lambda: inbox.last["type"] == "cart", what="the cart again")
        ui.tap(ui.screen("sell").ids.charge)
        ui.tap(ui.find_text("Exacto", co.ids.notes))
        ui.confirm_sale()
        ui.until(lambda: "sale" in inbox.types(), what="the sale")
        assert inbox.last["type"] == "idle"  # the new, empty cart (the screen holds the change)
    finally:
        client.stop()
