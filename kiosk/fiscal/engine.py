"""One call from a fiscal document to the signed XML DIAN receives:

    signer = XadesSigner(load_signing_identity(p12, password_file))
    xml = build_signed(document, signer, validator=UblValidator.find())

The document is checked (kiosk.core.fiscal.validate_document), built, signed and,
with a validator, checked against the UBL 2.1 schemas before it is returned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from kiosk.core.fiscal import FiscalDocument, qr_url
from kiosk.fiscal.schemas import UblValidator
from kiosk.fiscal.ubl import build_xml
from kiosk.fiscal.xades import XadesSigner


@dataclass(frozen=True)
class SignedDocument:
    xml: bytes
    key: str  # CUDE or CUFE
    qr: str  # the sts:QRCode URL


def sign_document(document: FiscalDocument, signer: XadesSigner, *, validator: UblValidator | None = None,
                  signing_time: datetime | None = None) -> SignedDocument:
    built = build_xml(document)
    signer.sign(built.root, built.signature_slot, signing_time)
    if validator is not None:
        validator.validate(built.root, document.document_number)
    xml = etree.tostring(built.root, xml_declaration=True, encoding="UTF-8", standalone=False)
    return SignedDocument(xml=xml, key=built.key, qr=qr_url(built.key, document.environment))


def build_signed(document: FiscalDocument, signer: XadesSigner, *, validator: UblValidator | None = None,
                 signing_time: datetime | None = None) -> bytes:
    return sign_document(document, signer, validator=validator, signing_time=signing_time).xml
