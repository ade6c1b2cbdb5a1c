"""What the customer-facing second screen shows, decided from the cart feed's messages
(kiosk/services/cart_feed.py). Pure: no Kivy, no socket, so it is tested on its own.

Modes:

- ``idle``: the shop's logo and promotional pictures (also while the main UI is away);
- ``cart``: the cart's lines (name, quantity, line total) and the total;
- ``paying``: the total and, paying by QR with a code, the code to scan;
- ``done``: a sale stored: the total, what was handed over and the change. It stays
  until the next customer's first line or ``hold_s`` seconds, whichever comes first
  (the counter announces the new, empty cart right after the sale).

A message that is not what the protocol says (an unknown type, a field of the wrong
kind) changes nothing: the screen keeps what it shows and says so in the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from kiosk.core.quantities import format_quantity
from kiosk.core.units import Uom

log = logging.getLogger(__name__)

MODES = ("idle", "cart", "paying", "done")
THEMES = ("day", "night")
MAX_LINES_KEPT = 500  # a cart longer than this is not a real one; the screen shows the last ones


@dataclass(frozen=True)
class ScreenLine:
    name: str
    quantity: str  # "2", "1,5 kg"
    total: str  # "$1.200"


@dataclass(frozen=True)
class ScreenState:
    mode: str = "idle"
    lines: tuple[ScreenLine, ...] = ()
    total: str = ""
    tendered: str = ""
    change: str = ""
    method: str = ""  # cash | card | qr | split (paying, done)
    qr: str = ""  # the QR code's text (paying by QR with a template); "" shows none
    theme: str = ""  # "day" | "night" as the main UI has it; "" until it says
    held_until: float | None = field(default=None, compare=False)


class BadMessage(ValueError):
    """A feed line that is JSON but not one of the protocol's messages."""


def _text(message: dict[str, Any], key: str) -> str:
    value = message.get(key, "")
    if not isinstance(value, str):
        raise BadMessage(f"{key!r} is not text")
    return value


def _line(raw: Any) -> ScreenLine:
    if not isinstance(raw, dict):
        raise BadMessage("a cart line is not an object")
    name = _text(raw, "name")
    quantity = raw.get("quantity", 1)
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise BadMessage("a line's quantity is not an integer")
    try:
        shown = format_quantity(quantity, Uom(raw.get("uom", "unit")))
    except ValueError:
        raise BadMessage(f"unknown unit {raw.get('uom')!r}") from None
    return ScreenLine(name=name, quantity=shown, total=_text(raw, "total_text"))


def _lines(message: dict[str, Any]) -> tuple[ScreenLine, ...]:
    raw = message.get("lines", [])
    if not isinstance(raw, list):
        raise BadMessage("'lines' is not a list")
    return tuple(_line(item) for item in raw[-MAX_LINES_KEPT:])


def apply(state: ScreenState, message: Any, now: float, hold_s: float) -> ScreenState:
    """The state after ``message`` (a decoded JSON line) arrived at ``now``.
    Raises BadMessage for one that is not the protocol's (the caller keeps ``state``)."""
    if not isinstance(message, dict):
        raise BadMessage("not an object")
    kind = message.get("type")
    theme = message.get("theme", state.theme)
    if theme not in THEMES and theme != "":
        raise BadMessage(f"unknown theme {theme!r}")
    if kind == "idle":
        if state.mode == "done" and state.held_until is not None and now < state.held_until:
            return replace(state, theme=theme)  # the change stays a while after the sale
        return ScreenState(theme=theme)
    if kind == "cart":
        lines = _lines(message)
        if not lines:
            return apply(state, {"type": "idle", "theme": theme}, now, hold_s)
        return ScreenState(mode="cart", lines=lines, total=_text(message, "total_text"), theme=theme)
    if kind == "paying":
        return ScreenState(mode="paying", lines=_lines(message) or state.lines, total=_text(message, "total_text"),
                           method=_text(message, "method"), qr=_text(message, "qr"), theme=theme)
    if kind == "sale":
        return ScreenState(mode="done", lines=(), total=_text(message, "total_text"),
                           tendered=_text(message, "tendered_text"), change=_text(message, "change_text"),
                           method=_text(message, "method"), theme=theme, held_until=now + hold_s)
    raise BadMessage(f"unknown message type {kind!r}")


def expire(state: ScreenState, now: float) -> ScreenState:
    """The sale's change after ``hold_s``: back to the idle screen."""
    if state.mode == "done" and state.held_until is not None and now >= state.held_until:
        return ScreenState(theme=state.theme)
    return state


class CustomerScreenModel:
    """The screen's state, fed message by message (``receive``) and by the clock
    (``tick``); ``on_change(state)`` after every change. Not thread-safe: call it from
    one thread (the UI's)."""

    def __init__(self, on_change: Callable[[ScreenState], None] | None = None, *, hold_s: float = 20.0,
                 theme: str = "day", clock: Callable[[], float] = time.monotonic):
        self.hold_s = hold_s
        self.clock = clock
        self.on_change = on_change
        self.state = ScreenState(theme=theme)
        self.ignored = 0  # messages that were not the protocol's

    def receive(self, message: Any) -> ScreenState:
        try:
            new = apply(self.state, message, self.clock(), self.hold_s)
        except BadMessage as exc:
            self.ignored += 1
            log.warning("customer screen: a feed message was ignored (%s)", exc)
            return self.state
        return self._set(new)

    def tick(self) -> ScreenState:
        return self._set(expire(self.state, self.clock()))

    def _set(self, new: ScreenState) -> ScreenState:
        if new != self.state or new.held_until != self.state.held_until:
            self.state = new
            if self.on_change is not None:
                self.on_change(new)
        return self.state
