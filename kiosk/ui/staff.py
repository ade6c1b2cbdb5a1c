"""The staff area (catalog and stock), reached from "Inventory" on the selling
screen's top bar. A manager or admin goes straight in; a cashier's tap asks for a
manager's PIN (``UserService.authorize``) and the changes are recorded as that
manager. Leaving the area (Back, lock, idle lock) ends the manager's access.

Every screen of the area derives from ``StaffScreen``: it refuses to show without
an authorised staff user, and passes scans to the popup in front when there is one.
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.animation import Animation
from kivy.properties import NumericProperty, StringProperty

from kiosk.core.scanning import ScanEvent
from kiosk.core.errors import DomainError
from kiosk.i18n import _, ngettext
from kiosk.services.users import Role, UserInfo
from kiosk.ui.base import KioskPopup, KioskScreen
from kiosk.ui.widgets import PinEntry

class StaffScreen(KioskScreen):
    back_to = "staff"  # where the top bar's Back goes

    @property
    def staff(self) -> UserInfo:
        user = self.app.staff
        if user is None:
            raise RuntimeError("staff screens need an authorised user")
        return user

    def on_pre_enter(self, *_args) -> None:
        if self.app.staff is None:  # never reachable without a manager or admin
            self.app.later(lambda: self.app.show("sell"))
            return
        self.entering()

    def entering(self) -> None:
        pass

    def numbering_warnings(self) -> None:
        """Managers are told on the staff screens when DIAN numbering is missing or
        running out (fiscal profile)."""
        if not self.services.fiscal.on:
            return
        warnings = self.services.numbering.warnings()
        if warnings:
            worst = "error" if any(w.level == "error" for w in warnings) else "warn"
            self.message("  ".join(w.text for w in warnings), worst, 20)

    def back(self) -> None:
        self.app.show(self.back_to)

    def fail(self, exc: DomainError) -> None:
        self.message(str(exc), "error")

    def on_scan(self, event: ScanEvent) -> None:
        modal = self.app.modal
        if modal is not None:
            modal.on_scan(event)
            return
        self.scanned(event.code)

    def scanned(self, code: str) -> None:
        self.message(_("Code {code} read; scanning works in the product list, the editor, "
                       "deliveries and counts.").format(code=code), "warn")


class StaffMenuScreen(StaffScreen):
    """Big buttons to each staff screen; "Low stock" carries the count, a delivery
    or count left open says so (it resumes when opened)."""

    count_note = StringProperty("")
    delivery_note = StringProperty("")
    _customers_removed = False

    def entering(self) -> None:
        self.app.refresh_low_count()
        if not self.services.fiscal.on and not self._customers_removed:  # customers are for fiscal documents
            # once: ids hold weak references, and a removed button is soon collected
            customers = self.ids.menu_customers
            customers.parent.remove_widget(customers)
            self._customers_removed = True
        self.numbering_warnings()
        open_sheets = self.services.stock.in_progress()
        self.count_note, self.delivery_note = (
            ngettext("in progress: {count} product", "in progress: {count} products", n).format(count=n) if n else ""
            for n in (open_sheets.get("count", 0), open_sheets.get("delivery", 0)))

    def back(self) -> None:
        self.app.leave_staff()

    def new_product(self) -> None:
        self.app.screen("editor").open_new()

    def scanned(self, code: str) -> None:
        self.app.screen("products").find_code(code)


class ManagerPinPopup(PinEntry, KioskPopup):
    """A cashier tapped "Inventory": a manager or admin types their PIN here."""

    pin = StringProperty("")
    error_text = StringProperty("")
    shake_x = NumericProperty(0)

    def __init__(self, on_ok: Callable[[UserInfo], None], **kwargs):
        self._on_ok = on_ok
        super().__init__(**kwargs)


    def submit(self) -> None:
        if not self.pin:
            return
        pin, self.pin = self.pin, ""
        try:
            user = self.app.services.users.authorize(pin, Role.MANAGER)
        except DomainError as exc:  # wrong PIN, throttled, or not a manager
            self.show_error(str(exc))
            anim = Animation(shake_x=14, duration=0.05) + Animation(shake_x=-10, duration=0.05) + \
                Animation(shake_x=0, duration=0.05)
            anim.start(self)
            return
        self.dismiss(animation=False)
        self._on_ok(user)

    def on_scan(self, event: ScanEvent) -> None:
        self.show_error(_("Type a manager's PIN first."))
