"""Small windows that talk to the devices: "Abrir cajón" with a manager's PIN, and
the receipt preview drawn from the ESC/POS bytes of a print job. Device calls can
block (a printer timeout), so they run in a worker thread (``app.devices.run_in_thread``)
and the window waits, showing that it does."""

from __future__ import annotations

from io import BytesIO

from kivy.core.image import Image as CoreImage
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty

from kiosk.core.errors import DomainError
from kiosk.i18n import _
from kiosk.ui.base import KioskPopup
from kiosk.ui.widgets import PinEntry


class DrawerPinPopup(PinEntry, KioskPopup):
    """The manual "Abrir cajón": a manager (or admin) types their PIN; every attempt
    is recorded by the hardware service (drawer_pin, drawer_opened, drawer_denied...)."""

    pin = StringProperty("")
    error_text = StringProperty("")
    busy = BooleanProperty(False)

    def pin_blocked(self) -> bool:
        return self.busy  # the drawer is being opened

    def submit(self) -> None:
        if not self.pin or self.busy:
            return
        pin, self.pin = self.pin, ""
        self.busy = True
        self.app.devices.run_in_thread(lambda: self.app.services.hardware.open_drawer(pin),
                                       self._opened, self._failed)

    def _opened(self, user) -> None:  # noqa: ANN001
        self.busy = False
        self.dismiss(animation=False)
        self.app.notify(_("Cash drawer opened (authorised by {name}).").format(name=user.name), "ok", 5)

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        self.show_error(str(exc) if isinstance(exc, DomainError) else _("The cash drawer did not open: {reason}")
                        .format(reason=exc))


class ReceiptPreviewPopup(KioskPopup):
    """What the printer got (or will get) for a sale, drawn from the job's bytes."""

    title = StringProperty("")
    texture = ObjectProperty(None, allownone=True)
    lines = ListProperty([])
    error_text = StringProperty("")

    @classmethod
    def open_for(cls, app, *, sale_id: int | None = None, job_id: int | None = None) -> ReceiptPreviewPopup:  # noqa: ANN001
        popup = cls(title=_("Receipt preview"))
        app.open_modal(popup)
        popup.error_text = _("Preparing the preview...")
        app.devices.run_in_thread(lambda: app.services.hardware.job_preview(job_id=job_id, sale_id=sale_id),
                                  popup.show_preview, lambda exc: setattr(popup, "error_text", str(exc)))
        return popup

    def show_preview(self, preview) -> None:  # noqa: ANN001
        if preview is None:
            self.error_text = _("Nothing has been printed for this sale.")
            return
        self.error_text = ""
        self.lines = preview.lines
        texture = CoreImage(BytesIO(preview.png), ext="png").texture
        texture.mag_filter = "nearest"
        self.texture = texture
