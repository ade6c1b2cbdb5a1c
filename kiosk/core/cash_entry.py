"""What the cashier enters on the payment keypad: an amount typed digit by digit, or
notes handed over (one tap per note, and they add up), and the reference of a card or
QR payment.

The rules, as a cashier expects them:
- a note button adds its value to the notes before it ($10 then $5 is $15);
- typing after a note starts a new amount, and a note after typing starts a new sum of
  notes: the two ways of entering never mix, so what is shown is always what was meant;
- *Exacto* puts exactly what is due, replacing anything;
- ⌫ takes back the last note, or the last typed character; *C* clears everything.

Pure and immutable: every key returns a new entry, the screen only shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from kiosk.core.money import to_minor

MAX_DIGITS = 10  # digits typed for one amount (before and after the decimal point)
MAX_AMOUNT_DIGITS = 12  # a sum of notes never grows past this many digits of minor units
MAX_REFERENCE_DIGITS = 24  # a voucher or transfer number typed on the keypad


@dataclass(frozen=True)
class AmountEntry:
    decimals: int  # the currency's decimals (2 for cents, 0 for pesos without cents)
    typed: str = ""  # as typed, "." as the decimal point: "12", "12.5", "0."
    notes: tuple[int, ...] = ()  # note (or exact-amount) buttons since the last typing, minor units

    # --- reading -----------------------------------------------------------------
    @property
    def typed_amount(self) -> int:
        if not self.typed:
            return 0
        return to_minor(Decimal(self.typed.rstrip(".") or "0"), self.decimals)

    @property
    def amount(self) -> int:
        """Minor units entered: the typed amount plus every note."""
        return self.typed_amount + sum(self.notes)

    @property
    def is_empty(self) -> bool:
        return not self.typed and not self.notes

    def typed_text(self, mark: str = ".") -> str:
        """The typed characters with the locale's decimal mark ("12,5")."""
        return self.typed.replace(".", mark)

    # --- keys --------------------------------------------------------------------
    def press(self, key: str) -> AmountEntry:
        """A keypad key: "0".."9", "00", "dec", "back" or "clear"."""
        if key == "clear":
            return replace(self, typed="", notes=())
        if key == "back":
            if self.notes:
                return replace(self, notes=self.notes[:-1])
            return replace(self, typed=self.typed[:-1])
        typed = "" if self.notes else self.typed  # typing after a note starts a new amount
        if key == "dec":
            if not self.decimals or "." in typed:
                return replace(self, typed=typed, notes=())
            return replace(self, typed=(typed or "0") + ".", notes=())
        if key.isdigit():
            for digit in key:  # "00" is two zeros
                if not self._room_for_digit(typed):
                    break
                typed += digit
            return replace(self, typed=typed, notes=())
        raise ValueError(f"unknown key {key!r}")

    def _room_for_digit(self, typed: str) -> bool:
        if len(typed.replace(".", "")) >= MAX_DIGITS:
            return False
        return "." not in typed or len(typed.split(".")[1]) < self.decimals

    def add_note(self, minor: int) -> AmountEntry:
        """A note button: its value is added to the notes entered (after typing, it
        starts a new sum). A sum that would grow past MAX_AMOUNT_DIGITS is left as it was."""
        if minor <= 0:
            raise ValueError("a note is worth more than nothing")
        if len(str(sum(self.notes) + minor)) > MAX_AMOUNT_DIGITS:
            return self
        return replace(self, typed="", notes=self.notes + (minor,))

    def exact(self, minor: int) -> AmountEntry:
        """*Exacto*: exactly ``minor``, whatever was entered before."""
        return replace(self, typed="", notes=(minor,) if minor > 0 else ())

    def cleared(self) -> AmountEntry:
        return replace(self, typed="", notes=())

    def untype(self, digits: str) -> AmountEntry:
        """Digits typed a moment ago that were a scanner's code after all: taken back
        (as much of them as went in: a long code fills only MAX_DIGITS)."""
        if self.notes:
            return self
        return replace(self, typed=drop_typed(self.typed, digits))


def drop_typed(text: str, digits: str) -> str:
    """``text`` without the part of ``digits`` that was typed at its end (a keypad
    took only the first characters of a long code): "5770200123" less the code
    "7702001234567" is "5"; text that does not end with any of it stays."""
    for size in range(min(len(digits), len(text)), 0, -1):
        if text.endswith(digits[:size]):
            return text[:-size]
    return text


def press_reference(reference: str, key: str) -> str:
    """A key on the reference keypad (card voucher or transfer number): digits up to
    MAX_REFERENCE_DIGITS, "back" and "clear"; the decimal key means nothing here."""
    if key == "clear":
        return ""
    if key == "back":
        return reference[:-1]
    if key.isdigit():
        return (reference + key)[:MAX_REFERENCE_DIGITS]
    return reference
