"""After a sale: "Sale #N completed — Change $X" in large type, with "Reprint".
A scan here starts the next sale straight away."""

from __future__ import annotations

from kivy.properties import NumericProperty, StringProperty

from kiosk.core.scanning import ScanEvent
from kiosk.core.payments import method_label
from kiosk.i18n import _, format_money
from kiosk.ui.base import KioskScreen


class DoneScreen(KioskScreen):
    sale_id = NumericProperty(0)
    title_text = StringProperty("")
    change_text = StringProperty("")
    payments_text = StringProperty("")
    warnings_text = StringProperty("")

    def set_result(self, result) -> None:  # noqa: ANN001
        self.sale_id = result.sale_id
        self.title_text = _("Sale #{number} completed").format(number=result.number)
        self.change_text = _("Change {amount}").format(amount=format_money(result.change))
        self.payments_text = "   ".join(f"{method_label(p.method)} {format_money(p.tendered)}"
                                        + (" " + _("(ref. {reference})").format(reference=p.reference)
                                           if p.reference else "")
                                        for p in result.payments) + \
            "   \u2022   " + _("Total {amount}").format(amount=format_money(result.total))
        self.warnings_text = "\n".join(result.warnings)
        if self.services.fiscal.on:  # the sale's fiscal document: "Factura electrónica FE11"
            from kiosk.ui.customers import document_label

            doc = self.services.fiscal.sale_document(result.sale_id)
            if doc is not None:
                self.payments_text += "   \u2022   " + document_label(doc.kind, doc.document_number)

    def reprint(self) -> None:
        self.reprint_sale(self.sale_id)

    def new_sale(self) -> None:
        self.app.show("sell")

    def on_scan(self, event: ScanEvent) -> None:
        self.app.show("sell")
        self.app.screen("sell").on_scan(event)

    def on_enter_key(self) -> None:
        self.new_sale()
