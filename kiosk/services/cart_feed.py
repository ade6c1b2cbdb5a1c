"""The counter's cart, published for a second customer screen over a local Unix socket.

The main kiosk publishes (``CartFeedPublisher``, attached to the counter like the pole
display's service); a customer-screen process reads (``CartFeedClient``). The protocol
is JSON lines, one message per line, UTF-8:

    {"type": "cart", "lines": [{"name": ..., "quantity": 2, "uom": "unit",
      "total": 120, "total_text": "$1,20"}, ...], "total": 120, "total_text": "$1,20"}
    {"type": "sale", "total": ..., "tendered": ..., "change": ..., "method": "cash",
      "total_text": ..., "tendered_text": ..., "change_text": ...}
    {"type": "paying", "method": "qr", "total": 120, "total_text": "$1,20", "qr": "https://pay/..."}
    {"type": "idle"}

Every message may also carry ``"theme": "day" | "night"`` (the main UI's day/night
choice; ``set_theme``). ``paying`` is sent by the checkout screen while the customer
pays (``qr``: the QR code's text, "" without one); leaving the checkout without a sale
sends the cart again (``payment_left``).

Money is integer minor units plus the text in the shop's format, so the screen needs
no formatting rules of its own. A client that connects is sent the latest message at
once (it may start after the main UI). A client that is slow or gone is dropped; the
publisher never blocks the counter. The client reconnects by itself, reports "idle"
while the main UI is away (restarting), and picks the cart up again when it is back.
"""

from __future__ import annotations

import json
import queue
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.core.cart import CartView
from kiosk.core.payments import PaymentMethod
from kiosk.i18n import format_money

log = logging.getLogger(__name__)

IDLE: dict[str, Any] = {"type": "idle"}
MAX_LINE = 1 << 20  # a message longer than this is not ours


def cart_message(view: CartView) -> dict[str, Any]:
    if view.is_empty:
        return dict(IDLE)
    return {"type": "cart", "total": view.total, "total_text": format_money(view.total),
            "lines": [{"name": line.product.name, "quantity": line.quantity, "uom": str(line.product.uom.value),
                       "total": line.total, "total_text": format_money(line.total)} for line in view.lines]}


def sale_message(result: Any) -> dict[str, Any]:
    """A stored sale (kiosk.services.sales.SaleResult): total, what was handed over, change."""
    cash = [p for p in result.payments if p.method is PaymentMethod.CASH]
    tendered = sum(p.tendered for p in cash) if cash else result.total
    method = result.payments[0].method.value if len(result.payments) == 1 else "split"
    return {"type": "sale", "method": method, "total": result.total, "tendered": tendered,
            "change": max(0, result.change), "total_text": format_money(result.total),
            "tendered_text": format_money(tendered), "change_text": format_money(max(0, result.change))}


def paying_message(method: str, total: int, qr: str = "") -> dict[str, Any]:
    return {"type": "paying", "method": method, "total": total, "total_text": format_money(total), "qr": qr}


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


class CartFeedPublisher:
    """A Unix socket server at ``path`` sending every message to every client.

    ``publish`` never touches a socket: it queues the line for a sender thread, so a
    customer screen that stops reading can cost the cashier nothing (the sender drops
    it after ``send_timeout_s``)."""

    def __init__(self, path: str | os.PathLike, *, send_timeout_s: float = 0.5):
        self.path = Path(path)
        self.send_timeout_s = send_timeout_s
        self._lock = threading.Lock()
        self._clients: list[socket.socket] = []
        self._last_message: dict[str, Any] = dict(IDLE)
        self._last: bytes = encode(IDLE)
        self._cart: dict[str, Any] = dict(IDLE)  # the latest cart (for payment_left)
        self.theme = ""  # "day" | "night": added to every message once set
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._sender: threading.Thread | None = None
        self._outbox: queue.SimpleQueue[tuple[socket.socket | None, bytes] | None] = queue.SimpleQueue()
        self._unsubscribe: list[Callable[[], None]] = []

    # --- life cycle -------------------------------------------------------------------
    def start(self) -> CartFeedPublisher:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.path.unlink()  # a socket left by a kiosk that was killed
        except FileNotFoundError:
            pass
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(self.path))
        os.chmod(self.path, 0o660)
        server.listen(4)
        server.settimeout(0.2)
        self._server = server
        self._sender = threading.Thread(target=self._send_queued, name="cart-feed-send", daemon=True)
        self._sender.start()
        self._thread = threading.Thread(target=self._accept, name="cart-feed", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        server, self._server = self._server, None
        if server is not None:
            server.close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if self._sender is not None:
            self._outbox.put(None)
            self._sender.join(5)
            self._sender = None
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    def attach(self, counter: Any) -> CartFeedPublisher:
        """Follow the counter's cart-changed and sale events (kiosk.services.counter)."""
        self._unsubscribe.append(counter.subscribe(lambda view: self.publish(cart_message(view))))
        self._unsubscribe.append(counter.subscribe_sales(lambda result: self.publish(sale_message(result))))
        return self

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._clients)

    # --- sending ------------------------------------------------------------------------
    def publish(self, message: dict[str, Any]) -> None:
        if self.theme:
            message = {**message, "theme": self.theme}
        data = encode(message)
        with self._lock:
            self._last_message = message
            if message.get("type") in ("cart", "idle"):
                self._cart = message
            self._last = data
            if self._sender is not None:
                self._outbox.put((None, data))

    def set_theme(self, theme: str) -> None:
        """The main UI's day/night choice: sent at once with what is shown now."""
        self.theme = theme
        with self._lock:
            last = self._last_message
        self.publish(last)

    def publish_payment(self, method: str, total: int, qr: str = "") -> None:
        """The customer is paying ``total`` by ``method`` (the checkout screen)."""
        self.publish(paying_message(method, total, qr))

    def payment_left(self) -> None:
        """The checkout was left without a sale: the cart again."""
        with self._lock:
            cart = self._cart
        self.publish(cart)

    def _send_queued(self) -> None:
        while (item := self._outbox.get()) is not None:
            target, data = item
            if target is not None:
                self._send(target, data)
                continue
            with self._lock:
                clients = list(self._clients)
            for client in clients:
                self._send(client, data)

    def _send(self, client: socket.socket, data: bytes) -> None:
        try:
            client.sendall(data)
        except OSError:  # gone, or too slow to take a line in send_timeout_s
            with self._lock:
                if client in self._clients:
                    self._clients.remove(client)
            client.close()

    def _accept(self) -> None:
        while True:
            server = self._server
            if server is None:
                return
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed by stop()
            client.settimeout(self.send_timeout_s)
            with self._lock:  # queued under the lock: no later line can overtake it
                self._clients.append(client)
                self._outbox.put((client, self._last))  # the screen starts with what is there now


class CartFeedClient:
    """Reads the feed at ``path`` in a thread; ``on_message(dict)`` for each message
    (in that thread). While the publisher is away ``on_message(IDLE)`` is sent once
    and the connection is retried after ``retry_s``, the wait doubling at each failed
    try up to ``max_retry_s`` (back to ``retry_s`` once connected)."""

    def __init__(self, path: str | os.PathLike, on_message: Callable[[dict[str, Any]], None], *,
                 retry_s: float = 1.0, max_retry_s: float | None = None):
        self.path = Path(path)
        self.on_message = on_message
        self.retry_s = retry_s
        self.max_retry_s = max(retry_s, max_retry_s if max_retry_s is not None else retry_s)
        self.connected = False
        self.connections = 0  # how many times it (re)connected
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    def start(self) -> CartFeedClient:
        self._thread = threading.Thread(target=self._run, name="cart-feed-client", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _run(self) -> None:
        idle_sent = False
        wait_s = self.retry_s
        while not self._stop.is_set():
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(str(self.path))
            except OSError:
                sock.close()
                if not idle_sent:
                    self._deliver(dict(IDLE))
                    idle_sent = True
                self._stop.wait(wait_s)
                wait_s = min(self.max_retry_s, wait_s * 2)
                continue
            wait_s = self.retry_s
            self._sock = sock
            self.connected = True
            self.connections += 1
            try:
                self._read(sock)
            finally:
                self.connected = False
                self._sock = None
                sock.close()
            if not self._stop.is_set():
                self._deliver(dict(IDLE))  # the main UI went away: the idle screen meanwhile
                idle_sent = True

    def _read(self, sock: socket.socket) -> None:
        buffer = b""
        while not self._stop.is_set():
            try:
                data = sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                try:
                    message = json.loads(line)
                except ValueError:
                    log.warning("cart feed: a line that is not JSON was ignored")
                    continue
                if isinstance(message, dict) and "type" in message:
                    self._deliver(message)
            if len(buffer) > MAX_LINE:
                log.warning("cart feed: an over-long line; reconnecting")
                return

    def _deliver(self, message: dict[str, Any]) -> None:
        try:
            self.on_message(message)
        except Exception:  # noqa: BLE001 - a screen's bug must not stop the feed
            log.exception("cart feed listener")
