"""The staff area (catalog, stock, users, audit log, hardware), reached from
"Inventory" on the selling screen's top bar by anyone signed in. Each change is an
act the services check (edit the catalog, adjust stock, import or export, manage
users, see the audit log ...): when the signed-in user's role lacks it, the screen
asks for the PIN of someone who holds it (``app.with_act``), good for that change
once. Changes are recorded as the signed-in user, with who authorised them.

Every screen of the area derives from ``StaffScreen``: it refuses to show without a
signed-in user, and passes scans to the popup in front when there is one.
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.properties import StringProperty

from kiosk.core.scanning import ScanEvent
from kiosk.core.errors import DomainError
from kiosk.core.permissions import Act
from kiosk.i18n import _, ngettext
from kiosk.services.access import UserInfo
from kiosk.ui.base import KioskScreen


class StaffScreen(KioskScreen):
    back_to = "staff"  # where the top bar's Back goes

    @property
    def staff(self) -> UserInfo:
        """The signed-in user (an act they lack goes through ``act``)."""
        user = self.app.staff
        if user is None:
            raise RuntimeError("staff screens need a signed-in user")
        return user

    def act(self, act: Act, run: Callable[[UserInfo], None]) -> None:
        """``run(actor)`` as the signed-in user, after an authorising PIN when their
        role lacks ``act`` (see KioskApp.with_act)."""
        self.app.with_act(act, run)

    def on_pre_enter(self, *_args) -> None:
        if self.app.staff is None:  # never reachable without a signed-in user
            self.app.later(lambda: self.app.show("sell"))
            return
        self.entering()

    def entering(self) -> None:
        pass

    _banner = ""  # the numbering/DIAN banner this screen shows, if any

    def numbering_warnings(self) -> None:
        """Managers are told on the staff screens when DIAN numbering is missing or
        running out, and how many documents wait for DIAN (fiscal profile).

        The banner stays until the manager taps it away: a timed message could go
        unseen (Kivy counts its seconds from the start of the frame that builds and
        shows the screen, which takes seconds on a loaded Pi). It is read afresh on
        each visit: one from an earlier visit that is no longer true is taken down."""
        if not self.services.fiscal.on:
            return
        warnings = self.services.numbering.warnings()
        texts = [w.text for w in warnings]
        worst = "error" if any(w.level == "error" for w in warnings) else "warn"
        dian = self.services.dian.banner() if self.services.dian is not None else None
        if dian is not None:  # documents waiting for DIAN, contingency, rejections
            texts.append(dian[1])
            worst = "error" if dian[0] == "error" else worst
        strip = self.ids.get("message")
        if texts:
            self._banner = "  ".join(texts)
            self.message(self._banner, worst, 0)
        elif strip is not None and self._banner and strip.text == self._banner:
            strip.hide()
            self._banner = ""

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

    def open_audit(self) -> None:
        """Seeing the audit log is an act (view_audit): opening it is recorded."""
        self.act(Act.VIEW_AUDIT, self.app.screen("audit").open_for)

    def scanned(self, code: str) -> None:
        self.app.screen("products").find_code(code)
