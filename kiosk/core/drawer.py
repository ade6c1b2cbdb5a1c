"""The cash drawer decision of a sale, made in one place (``DrawerPolicy.plan``) and
stored with the sale's receipt job in the sale's transaction:

- ``"kick"``: the drawer is wired to the printer; the kick travels inside the cash
  receipt's bytes (so it opens when, and only when, the receipt prints);
- ``"relay"``: a GPIO relay opens it right after the sale is stored;
- ``""``: no drawer for this sale (no cash, no drawer, or ``open_on_cash = false``).
"""

from __future__ import annotations

from dataclasses import dataclass

KICK = "kick"
RELAY = "relay"


@dataclass(frozen=True)
class DrawerPolicy:
    mode: str = "printer"  # printer | gpio | none ([drawer] mode)
    open_on_cash: bool = True

    def plan(self, cash: bool) -> str:
        if not cash or not self.open_on_cash:
            return ""
        if self.mode == "printer":
            return KICK
        if self.mode == "gpio":
            return RELAY
        return ""
