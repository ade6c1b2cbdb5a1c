"""What the customer screen shows, decided from the feed's messages
(kiosk/core/customer_screen.py), and the feed client facing garbage on the socket:
nothing of either may crash or lose the screen's state."""

from __future__ import annotations

import socket
import threading

from kiosk.core.customer_screen import CustomerScreenModel, ScreenLine, ScreenState
from kiosk.services.cart_feed import CartFeedClient, CartFeedPublisher, encode, paying_message
from tests.customer_screen.test_cart_feed import WAIT, Inbox
from tests.hardware.scale.helpers import wait_for

CART = {"type": "cart", "total": 1250, "total_text": "$12,50",
        "lines": [{"name": "Esponja doble", "quantity": 2, "uom": "unit", "total": 250, "total_text": "$2,50"},
                  {"name": "Detergente", "quantity": 1500, "uom": "l", "total": 1000, "total_text": "$10,00"}]}
SALE = {"type": "sale", "method": "cash", "total": 1250, "tendered": 2000, "change": 750,
        "total_text": "$12,50", "tendered_text": "$20,00", "change_text": "$7,50"}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def model(clock: Clock | None = None) -> CustomerScreenModel:
    return CustomerScreenModel(hold_s=20, clock=clock or Clock())


def test_a_cart_shows_its_lines_with_quantities_and_the_total() -> None:
    m = model()
    state = m.receive(CART)
    assert state.mode == "cart" and state.total == "$12,50"
    assert state.lines[0] == ScreenLine("Esponja doble", "2", "$2,50")
    assert state.lines[1].name == "Detergente" and state.lines[1].quantity.endswith("L")
    assert m.receive({"type": "cart", "lines": [], "total": 0, "total_text": "$0"}).mode == "idle"


def test_paying_by_qr_keeps_the_lines_and_carries_the_code() -> None:
    m = model()
    m.receive(CART)
    state = m.receive(paying_message("qr", 1250, "https://pay.example/?a=1250"))
    assert (state.mode, state.method, state.qr) == ("paying", "qr", "https://pay.example/?a=1250")
    assert len(state.lines) == 2 and state.total.startswith("$")
    assert m.receive(CART).mode == "cart"  # the cashier went back to the cart


def test_the_change_stays_after_the_sale_until_the_next_customer_or_the_hold() -> None:
    clock = Clock()
    m = model(clock)
    m.receive(CART)
    m.receive(SALE)
    assert m.receive({"type": "idle"}).mode == "done"  # the counter's new empty cart comes right after
    assert (m.state.tendered, m.state.change) == ("$20,00", "$7,50")
    clock.now += 19
    assert m.tick().mode == "done"
    clock.now += 1
    assert m.tick().mode == "idle"
    m.receive(SALE)
    assert m.receive(CART).mode == "cart"  # the next customer's first line ends it sooner


def test_the_theme_follows_the_main_ui_and_is_kept_by_messages_without_one() -> None:
    m = CustomerScreenModel(theme="day", clock=Clock())
    assert m.receive({"type": "idle", "theme": "night"}).theme == "night"
    assert m.receive(CART).theme == "night"


def test_messages_that_are_not_the_protocol_change_nothing() -> None:
    seen: list[ScreenState] = []
    m = CustomerScreenModel(seen.append, clock=Clock())
    m.receive(CART)
    before = m.state
    garbage = [None, 42, "cart", [], {}, {"type": "bogus"}, {"type": "cart", "lines": "x"},
               {"type": "cart", "lines": [17]}, {"type": "cart", "lines": [{"name": 5, "total_text": "$1"}]},
               {"type": "cart", "lines": [{"name": "a", "quantity": "2", "total_text": "$1"}]},
               {"type": "cart", "lines": [{"name": "a", "quantity": True, "total_text": "$1"}]},
               {"type": "cart", "lines": [{"name": "a", "quantity": 1, "uom": "parsec", "total_text": "$1"}]},
               {"type": "sale", "change_text": 750}, {"type": "idle", "theme": "purple"},
               {"type": "paying", "qr": ["x"]}]
    for message in garbage:
        assert m.receive(message) == before
    assert m.ignored == len(garbage) and len(seen) == 1


def test_the_client_survives_garbage_lines_on_the_socket(tmp_path) -> None:  # noqa: ANN001
    """A raw server (not our publisher) writing what is not JSON, JSON that is not an
    object, invalid UTF-8 and an over-long line between good messages: the client
    delivers the good ones, reconnects after the over-long line, and the screen's
    model ends on the last good cart."""
    path = tmp_path / "raw.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(2)
    accepted: list[socket.socket] = []

    def serve() -> None:
        first, _ = server.accept()
        accepted.append(first)
        try:
            first.sendall(b"not json\n\xff\xfe\x00\n[1,2]\n" + encode({"type": "bogus"}) + encode(CART)
                          + b"{\"type\": \n" + b"x" * (2 << 20))
        except BrokenPipeError:
            pass  # the client hung up on the over-long line before all of it was sent
        second, _ = server.accept()  # the client came back after the over-long line
        accepted.append(second)
        second.sendall(encode(SALE))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    m = CustomerScreenModel(clock=Clock())
    lock = threading.Lock()
    inbox = Inbox()

    def arrived(message: dict) -> None:
        inbox(message)
        with lock:
            m.receive(message)

    client = CartFeedClient(path, arrived, retry_s=0.05).start()
    try:
        wait_for(lambda: inbox.last is not None and inbox.last.get("type") == "sale", timeout=WAIT,
                 what="the sale after the reconnect")
        assert client.connections == 2
        assert "cart" in inbox.types() and m.state.mode == "done" and m.ignored == 1  # the "bogus" one
    finally:
        client.stop()
        thread.join(WAIT)
        for conn in accepted:
            conn.close()
        server.close()


def test_the_client_backs_off_while_the_publisher_is_away(tmp_path) -> None:  # noqa: ANN001
    """Retries double up to max_retry_s; once the publisher is back it connects."""
    path = tmp_path / "later.sock"
    inbox = Inbox()
    client = CartFeedClient(path, inbox, retry_s=0.01, max_retry_s=0.2).start()
    try:
        wait_for(lambda: inbox.types() == ["idle"], timeout=WAIT, what="idle while away")
        publisher = CartFeedPublisher(path).start()
        try:
            publisher.publish(CART)
            wait_for(lambda: client.connected and inbox.last.get("type") == "cart", timeout=WAIT,
                     what="the cart once the publisher is there")
        finally:
            publisher.stop()
    finally:
        client.stop()
