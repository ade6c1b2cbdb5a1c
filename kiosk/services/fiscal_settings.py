"""The ``[fiscal]`` section of kiosk.toml: the shop's fiscal profile (Colombia, DIAN).

Off unless ``country = "CO"``: then every completed sale is a fiscal document (an
electronic POS document, or an electronic invoice when the customer asks or the
sale reaches the invoice threshold) numbered from the till's DIAN resolutions, and
every return or void a credit note. The electronic engine's own settings
(environment, certificate, schemas, web service address) are ``[dian]``; nothing is
set in both.

Imported by kiosk.config (which builds ``Settings``); read it as ``settings.fiscal``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from kiosk.config_base import Section

_DANE = re.compile(r"^\d{5}$")


def nit_problem(nit: str, dv: str) -> str | None:
    """Why a NIT and its check digit are not right, or None."""
    if not (nit.isdigit() and 5 <= len(nit) <= 10):
        return "expected the NIT's digits, without dots and without the check digit"
    from kiosk.core.fiscal import check_nit  # lazy (python-stdnum): kiosk-admin status starts fast
    from kiosk.core.fiscal_errors import FiscalError

    try:
        check_nit(nit, dv, "NIT")
    except FiscalError as err:
        return err.message("en")
    return None


class FiscalSettings(Section):
    # "" (off) or "CO": Colombian fiscal documents for every sale.
    country: Literal["", "CO"] = ""
    # The seller, as in its RUT.
    nit: str = Field("", description="the NIT's digits without the check digit")
    dv: str = Field("", pattern=r"^\d?$", description="the NIT's check digit, one digit")
    person: Literal["legal", "natural"] = "legal"
    legal_name: str = Field("", max_length=200)
    trade_name: str = Field("", max_length=200)
    responsibilities: list[str] = Field(default_factory=lambda: ["R-99-PN"])
    # "01" responsible for IVA, "ZZ" not responsible.
    tax_scheme: Literal["01", "ZZ"] = "01"
    address: str = Field("", max_length=200)
    city_code: str = Field("", description="the DANE code of the municipality, 5 digits (Bogotá 11001)")
    city_name: str = Field("", max_length=64)
    department: str = Field("", max_length=64)
    email: str = Field("", max_length=120)
    phone: str = Field("", max_length=32)
    # This till, as printed and as DIAN's POS extension names it (PlacaCaja, UbicaciónCaja, TipoCaja).
    till_plate: str = Field("", max_length=32)
    till_location: str = Field("", max_length=120)
    till_type: str = Field("POS", max_length=32)
    # The software as registered with DIAN (used by the electronic documents).
    software_id: str = Field("", max_length=64)
    software_pin: str = Field("", max_length=32)
    software_provider_nit: str = Field("", description="the provider's NIT digits without the check digit")
    software_provider_dv: str = Field("", pattern=r"^\d?$", description="one digit")
    software_name: str = Field("Kiosk POS", max_length=64)
    software_maker: str = Field("", max_length=120)  # NombreApellido
    software_maker_company: str = Field("", max_length=200)  # RazonSocial
    # A sale of at least this many UVT is issued as an electronic invoice (0: only when
    # the customer asks). The shop's accountant decides; UVT 2026 = $52.374.
    invoice_threshold_uvt: Decimal = Field(Decimal(0), ge=0, le=100000)
    uvt_value: int = Field(52374, ge=1, description="the UVT in whole pesos")
    # Warn managers (screen, kiosk-admin status) when a resolution has fewer numbers
    # or days left than this.
    numbering_warn_remaining: int = Field(100, ge=0, le=10_000_000)
    numbering_warn_days: int = Field(30, ge=0, le=3650)
    # Tax rates (percent) that are INC (impuesto nacional al consumo); the others are IVA.
    inc_rates: list[Decimal] = Field(default_factory=lambda: [Decimal(2), Decimal(4), Decimal(8), Decimal(16)])
    # Products at 0 %: "excluded" (outside IVA) or "exempt" (IVA at 0 %).
    zero_rate: Literal["excluded", "exempt"] = "excluded"
    # DIAN payment means for the till's card and QR payments (cash is 10).
    card_means: Literal["48", "49"] = "48"
    qr_means: Literal["47", "1"] = "47"
    # Paper of the invoice PDF.
    pdf_paper: Literal["letter", "A4"] = "letter"

    @field_validator("responsibilities")
    @classmethod
    def _known_codes(cls, v: list[str]) -> list[str]:
        from kiosk.core.customers import RESPONSIBILITIES

        unknown = [c for c in v if c not in RESPONSIBILITIES]
        if unknown:
            raise ValueError(f"unknown responsibility {unknown[0]!r}; DIAN's codes are {', '.join(RESPONSIBILITIES)}")
        return v

    @field_validator("city_code")
    @classmethod
    def _dane(cls, v: str) -> str:
        if v and not _DANE.match(v):
            raise ValueError("expected the DANE code of the municipality, 5 digits (Bogotá 11001)")
        return v

    @model_validator(mode="after")
    def _complete_when_on(self) -> FiscalSettings:
        if not self.on:
            return self
        missing = [k for k in ("nit", "legal_name", "address", "city_code", "till_plate", "till_location")
                   if not getattr(self, k).strip()]
        if missing:
            raise ValueError(f'country = "CO" needs {", ".join(missing)}')
        problem = nit_problem(self.nit, self.dv)
        if problem:
            raise ValueError(f"nit/dv: {problem}")
        if self.software_provider_nit:
            problem = nit_problem(self.software_provider_nit, self.software_provider_dv)
            if problem:
                raise ValueError(f"software_provider_nit/software_provider_dv: {problem}")
        return self

    @property
    def on(self) -> bool:
        return self.country == "CO"

    @property
    def inc_rates_bp(self) -> frozenset[int]:
        return frozenset(int(r * 100) for r in self.inc_rates)

    def invoice_threshold_minor(self, decimals: int) -> int | None:
        """The sale total (minor units) from which an invoice is issued, None when off."""
        if not self.invoice_threshold_uvt:
            return None
        return int((self.invoice_threshold_uvt * self.uvt_value * 10**decimals).to_integral_value())

    def means_code(self, method: str) -> str:
        """DIAN's PaymentMeansCode for a till payment method (cash, card, qr)."""
        return {"cash": "10", "card": self.card_means, "qr": self.qr_means}.get(method, "1")
