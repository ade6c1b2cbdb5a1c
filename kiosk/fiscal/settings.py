"""``[dian]``: the electronic engine's settings (the shop's fiscal data, customers
and numbering resolutions are another section).

    [dian]
    environment = 2                     # 1 production, 2 testing (habilitación)
    certificate = "/etc/kiosk/dian/firma.p12"          # PKCS#12 from an ONAC-accredited issuer
    certificate_password_file = "/etc/kiosk/dian/firma.pass"
    schema_dir = "/usr/share/kiosk/ubl-2.1-xsd"        # default: found (see kiosk/fiscal/schemas.py)
    url = ""                            # empty: DIAN's web service for the environment
    timeout_s = 30
    provider_code = "000"               # the 3 digits of the software provider in file names
    contingency_after_failures = 3      # unanswered sendings in a row before contingency (type 08)
    retry_first_s = 30                  # first wait after a failed sending; doubles up to retry_max_s
    retry_max_s = 900
    contingency_deadline_h = 48         # a document waiting longer is overdue (DIAN: 48 h)
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from kiosk.config_base import Section

SERVICE_URLS = {
    1: "https://vpfe.dian.gov.co/WcfDianCustomerServices.svc",
    2: "https://vpfe-hab.dian.gov.co/WcfDianCustomerServices.svc",
}


class DianSettings(Section):
    environment: Literal[1, 2] = 2
    certificate: Path | None = None
    certificate_password_file: Path | None = None
    schema_dir: Path | None = None
    url: str = Field("", description='an http:// or https:// address, or "" for DIAN\'s own')
    timeout_s: float = Field(30.0, gt=0, le=300)
    provider_code: str = Field("000", pattern=r"^\d{3}$")
    contingency_after_failures: int = Field(3, ge=1, le=100)
    retry_first_s: float = Field(30.0, gt=0, le=3600)
    retry_max_s: float = Field(900.0, gt=0, le=86400)
    contingency_deadline_h: int = Field(48, ge=1, le=720)

    @field_validator("url")
    @classmethod
    def _url_form(cls, v: str) -> str:
        if v and not v.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// address")
        return v

    @property
    def service_url(self) -> str:
        return self.url or SERVICE_URLS[self.environment]
