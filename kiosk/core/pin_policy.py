"""The PIN rules (pure): what a new PIN must look like and which PINs are refused as
too easy to guess. Whether another active user already has the PIN is the user
service's part (the PIN identifies the user).

Only ASCII digits count: ``str.isdigit`` also accepts full-width and other scripts'
digits, which a keypad can never type again.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.errors import InvalidPin
from kiosk.core.staff_errors import WeakPin
from kiosk.i18n import N_, translate

ASCII_DIGITS = frozenset("0123456789")


def is_pin_text(text: str) -> bool:
    """Only the digits 0-9 (no spaces, signs, full-width or other scripts' digits)."""
    return bool(text) and all(ch in ASCII_DIGITS for ch in text)


def is_straight(pin: str) -> bool:
    """Every digit one more (or one less) than the one before: 123456, 654321,
    890123 (wrapping past 9 counts too)."""
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
    return steps in ({1}, {9})


@dataclass(frozen=True)
class PinPolicy:
    min_length: int = 6
    max_length: int = 8
    default_pin: str = "000000"

    def check(self, pin: str) -> None:
        """Raises InvalidPin (form) or WeakPin (too easy to guess)."""
        if not is_pin_text(pin) or not self.min_length <= len(pin) <= self.max_length:
            raise InvalidPin(min_length=self.min_length, max_length=self.max_length)
        if pin == self.default_pin:
            raise WeakPin(reason=translate(N_("it is the default PIN")))
        if len(set(pin)) == 1:
            raise WeakPin(reason=translate(N_("all its digits are the same")))
        if is_straight(pin):
            raise WeakPin(reason=translate(N_("its digits follow each other")))
