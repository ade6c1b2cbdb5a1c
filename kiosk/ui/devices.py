"""The receipt preview drawn from the ESC/POS bytes of a print job. Device calls can
block (a printer timeout), so they run in a worker thread (``app.devices.run_in_thread``)
and the window waits, showing that it does. ("Abrir cajón" asks for an authorising PIN
through kiosk/ui/pins.py when the signed-in user may not open the drawer.)"""

from __future__ import annotations

from io import BytesIO

from kivy.core.image import Image as CoreImage
from kivy.properties import ListProperty, ObjectProperty, StringProperty

from kiosk.i18n import _
from kiosk.ui.base import KioskPopup


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
        app.devices.run_in_thread(lambda: app.context.hardware.job_preview(job_id=job_id, sale_id=sale_id),
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
