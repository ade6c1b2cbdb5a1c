"""The cart feed for a second customer screen (kiosk/services/cart_feed.py): the main
kiosk's counter publishes JSON lines on a Unix socket; a client (the customer
screen's process) reads them, starts with what is there now, shows the idle screen
while the main UI is away and picks the cart up again when it is back."""

from __future__ import annotations

import json
import socket
import threading

from kiosk.core.payments import Payment, PaymentMethod
from kiosk.services.cart_feed import IDLE, CartFeedClient, CartFeedPublisher, cart_message, sale_message
from tests.hardware.scale.helpers import wait_for

WAIT = 15.0


class Inbox:
    def __init__(self) -> None:
        self.messages: list[dict] = []
        self._lock = threading.Lock()

    def __call__(self, message: dict) -> None:
        with self._lock:
            self.messages.append(message)

    @property
    def last(self) -> dict | None:
        with self._lock:
            return self.messages[-1] if self.messages else None

    def types(self) -> list[str]:
        with self._lock:
            return [m["type"] for m in self.messages]


def test_the_counter_s_cart_and_sale_reach_a_client_as_json_lines(demo_app, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "run" / "cart.sock"
    publisher = CartFeedPublisher(path).start().attach(demo_app.counter)
    inbox = Inbox()
    client = CartFeedClient(path, inbox, retry_s=0.1).start()
    try:
        wait_for(lambda: client.connected and inbox.last == IDLE, timeout=WAIT, what="connected, idle")
        counter = demo_app.counter
        product = demo_app.catalog.by_sku("ESP-DOB")
        counter.add(1, product)
        counter.add(1, product)
        wait_for(lambda: inbox.last["type"] == "cart" and inbox.last["lines"][0]["quantity"] == 2, timeout=WAIT,
                 what="two sponges on the customer screen")
        cart = inbox.last
        assert cart["lines"][0]["name"] == product.name and cart["total"] == counter.cart(1).total
        assert cart["total_text"].startswith("$") and cart["lines"][0]["total_text"] == cart["total_text"]

        # A stored sale: what was handed over and the change (the fields of SaleResult).
        class Sale:
            total, change = 120, 380
            payments = (Payment(PaymentMethod.CASH, 120, 500, 380),)

        publisher.publish(sale_message(Sale))
        wait_for(lambda: inbox.last["type"] == "sale", timeout=WAIT, what="the sale")
        assert (inbox.last["tendered"], inbox.last["change"], inbox.last["method"]) == (500, 380, "cash")
        counter.clear(1)  # the next customer: an empty cart is the idle screen
        wait_for(lambda: inbox.last == IDLE, timeout=WAIT, what="idle again")
    finally:
        client.stop()
        publisher.stop()
    assert not path.exists()


def test_a_client_that_connects_later_starts_with_the_cart_now(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "cart.sock"
    publisher = CartFeedPublisher(path).start()
    try:
        publisher.publish({"type": "cart", "lines": [], "total": 990, "total_text": "$9,90"})
        inbox = Inbox()
        client = CartFeedClient(path, inbox, retry_s=0.1).start()
        try:
            wait_for(lambda: inbox.last and inbox.last.get("total") == 990, timeout=WAIT, what="the current cart")
        finally:
            client.stop()
    finally:
        publisher.stop()


def test_the_screen_survives_the_main_ui_restarting(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "cart.sock"
    inbox = Inbox()
    client = CartFeedClient(path, inbox, retry_s=0.05).start()
    try:
        # No main UI yet: the idle screen, and the client keeps trying.
        wait_for(lambda: inbox.types() == ["idle"], timeout=WAIT, what="idle before the kiosk starts")
        first = CartFeedPublisher(path).start()
        wait_for(lambda: client.connected, timeout=WAIT, what="connected")
        first.publish({"type": "cart", "lines": [], "total": 100, "total_text": "$1,00"})
        wait_for(lambda: inbox.last.get("total") == 100, timeout=WAIT, what="the first cart")
        first.stop()  # the main UI restarts (or is killed)
        wait_for(lambda: inbox.last == IDLE and not client.connected, timeout=WAIT, what="idle meanwhile")
        second = CartFeedPublisher(path).start()  # a stale socket file would be replaced too
        try:
            wait_for(lambda: client.connections == 2, timeout=WAIT, what="reconnected")
            second.publish({"type": "cart", "lines": [], "total": 250, "total_text": "$2,50"})
            wait_for(lambda: inbox.last.get("total") == 250, timeout=WAIT, what="the cart after the restart")
        finally:
            second.stop()
    finally:
        client.stop()


def test_a_dead_or_garbled_client_never_blocks_the_counter(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "cart.sock"
    publisher = CartFeedPublisher(path, send_timeout_s=0.2).start()
    try:
        silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        silent.connect(str(path))  # connects and never reads
        wait_for(lambda: publisher.clients == 1, timeout=WAIT, what="the silent client")
        big = {"type": "cart", "lines": [{"name": "x" * 1000, "quantity": 1, "uom": "unit", "total": 1,
                                          "total_text": "$0,01"}] * 50, "total": 50, "total_text": "$0,50"}
        for _ in range(200):  # far more than a socket buffer holds: publish only queues, never sends
            publisher.publish(big)
        wait_for(lambda: publisher.clients == 0, timeout=WAIT, what="the silent client dropped by the sender")
        silent.close()
        # A line that is not JSON is skipped by the client; the next one is read.
        inbox = Inbox()
        client = CartFeedClient(path, inbox, retry_s=0.05).start()
        try:
            wait_for(lambda: publisher.clients == 1, timeout=WAIT, what="the client")
            with publisher._lock:
                target = publisher._clients[0]
            target.sendall(b"not json\n" + json.dumps({"type": "idle"}).encode() + b"\n")
            publisher.publish({"type": "cart", "lines": [], "total": 7, "total_text": "$0,07"})
            wait_for(lambda: inbox.last.get("total") == 7, timeout=WAIT, what="read past the bad line")
        finally:
            client.stop()
    finally:
        publisher.stop()


def test_an_empty_cart_is_the_idle_screen(demo_app) -> None:  # noqa: ANN001
    assert cart_message(demo_app.counter.view(1)) == IDLE


def test_the_kiosk_publishes_the_cart_where_configured(state_dir, base_state, tmp_path) -> None:  # noqa: ANN001
    """[customer_display] screen_socket: the hardware service starts the publisher on
    the counter with the devices and removes the socket when it stops."""
    from kiosk.app_factory import build
    from kiosk.demo import load_demo
    from tests.conftest import make_settings, seed_state

    path = tmp_path / "run" / "customer-screen.sock"
    settings = make_settings(state_dir, customer_display={"screen_socket": str(path)}, printer={"url": "none"})
    seed_state(base_state, settings.state_dir)
    app = build(settings)
    try:
        load_demo(app.db, app.state_dir, app.settings.currency.decimals)
        app.hardware.start()
        inbox = Inbox()
        client = CartFeedClient(path, inbox, retry_s=0.05).start()
        try:
            wait_for(lambda: client.connected, timeout=WAIT, what="the kiosk's socket")
            app.counter.add(1, app.catalog.by_sku("ESP-DOB"))
            wait_for(lambda: inbox.last and inbox.last["type"] == "cart", timeout=WAIT, what="the cart")
            app.hardware.stop()
            wait_for(lambda: inbox.last == IDLE, timeout=WAIT, what="idle once the kiosk stops")
            assert not path.exists()
        finally:
            client.stop()
    finally:
        app.close()


def test_a_relative_socket_path_is_refused_clearly(state_dir) -> None:  # noqa: ANN001
    import pytest

    from kiosk.config import ConfigError
    from tests.conftest import make_settings

    with pytest.raises(ConfigError, match="absolute path"):
        make_settings(state_dir, customer_display={"screen_socket": "run/screen.sock"})
