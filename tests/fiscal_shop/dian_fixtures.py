"""Helpers of the DIAN outbox tests: the till's documents sent through the real SOAP
transport to the fake DIAN service, with a simulated clock (no sleeping)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from db.models import utcnow
from kiosk.fiscal.fake_dian import FakeDian
from kiosk.fiscal.schemas import UblValidator
from kiosk.fiscal.transport import SoapTransport
from kiosk.services.dian_outbox import DianOutbox
from tests.fiscal_shop.shop import SOFTWARE_PIN, TECHNICAL_KEY

INVOICE_RESOLUTION = "18764000000011"  # add_resolutions' invoice resolution (kinds POS, INVOICE, CREDIT)


@dataclass
class SimClock:
    now: datetime = field(default_factory=utcnow)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def make_fake(validator: UblValidator, **keys: str) -> FakeDian:
    return FakeDian(software_pin=SOFTWARE_PIN, technical_keys={INVOICE_RESOLUTION: TECHNICAL_KEY, **keys},
                    validator=validator, hang_s=60)


def make_outbox(app, identity, fake: FakeDian, clock: SimClock | None = None, *, timeout_s: float = 30,  # noqa: ANN001
                **kw: object) -> DianOutbox:
    return DianOutbox(app.db, app.fiscal, app.settings.dian, identity_loader=lambda now: identity,
                      transport_factory=lambda ident: SoapTransport(fake.url, ident, timeout_s=timeout_s),
                      validator=UblValidator.find(), clock=clock or utcnow, **kw)


def accepted_numbers(fake: FakeDian) -> list[str]:
    """The documents the fake accepted, in the order it accepted them (cbc:ID)."""
    from lxml import etree

    out = []
    for r in fake.received:
        if r.outcome == "accepted" and r.xml:
            root = etree.fromstring(r.xml)
            out.append(root.findtext("{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}ID"))
    return out
