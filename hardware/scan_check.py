"""What a scanned code is and whether its check digit is right (EAN-13, EAN-8,
UPC-A, UPC-E expanded to UPC-A), in words for staff and technicians. The rules
themselves live in kiosk.core.barcodes; the selling screen refuses a bad code through
CatalogService.lookup_barcode (InvalidBarcode), this module only describes it."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.barcodes import BarcodeInfo, Symbology, classify
from kiosk.i18n import _


@dataclass(frozen=True)
class ScanVerdict:
    info: BarcodeInfo

    @property
    def code(self) -> str:
        return self.info.raw

    @property
    def symbology(self) -> Symbology:
        return self.info.symbology

    @property
    def ok(self) -> bool:
        """False only for a retail code whose check digit is wrong."""
        return self.info.check_ok is not False

    @property
    def check(self) -> str:
        return {True: "ok", False: "bad", None: "none"}[self.info.check_ok]

    def message(self) -> str:
        info = self.info
        if info.check_ok is False:
            return _("Barcode {code} refused: wrong check digit ({symbology}).").format(
                code=info.raw, symbology=info.symbology.value)
        if info.check_ok is None:
            return _("{code}: no check digit to verify.").format(code=info.raw)
        if info.expanded:
            return _("{symbology} {code} (UPC-A {expanded}): check digit OK.").format(
                symbology=info.symbology.value, code=info.raw, expanded=info.expanded)
        return _("{symbology} {code}: check digit OK.").format(symbology=info.symbology.value, code=info.raw)

    def as_dict(self) -> dict[str, object]:
        return {"code": self.info.raw, "symbology": self.info.symbology.value, "check": self.check,
                "expanded": self.info.expanded, "key": self.info.key}


def verdict(code: str, hint: Symbology | None = None) -> ScanVerdict:
    return ScanVerdict(classify(code, hint))
