"""Fixtures of the fiscal tests: the UBL 2.1 schemas (a test fails, never skips, when
they cannot be found), a throw-away certificate made at run time, the fake DIAN
service on 127.0.0.1, and xmlsec1 as the independent signature verifier."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk import i18n
from kiosk.fiscal.demo_certificate import certificate_pem, throwaway_identity
from kiosk.fiscal.fake_dian import FakeDian
from kiosk.fiscal.samples import INVOICE_RESOLUTION, SOFTWARE_PIN, TECHNICAL_KEY
from kiosk.fiscal.schemas import UblValidator
from kiosk.fiscal.xades import XadesSigner

DS_KEYINFO = "http://www.w3.org/2000/09/xmldsig#:KeyInfo"
XADES_PROPS = "http://uri.etsi.org/01903/v1.3.2#:SignedProperties"


@pytest.fixture(autouse=True)
def _english_then_back():
    """Messages asserted in English unless a test switches; the default language after."""
    i18n.configure(language="en")
    yield
    i18n.configure(language=i18n.DEFAULT_LANGUAGE)


@pytest.fixture(scope="session")
def validator() -> UblValidator:
    return UblValidator.find()  # raises SchemaUnavailable: the test fails, it does not skip


@pytest.fixture(scope="session")
def identity():
    return throwaway_identity()


@pytest.fixture(scope="session")
def signer(identity) -> XadesSigner:
    return XadesSigner(identity)


@pytest.fixture
def fake_dian(validator):
    fake = FakeDian(software_pin=SOFTWARE_PIN, technical_keys={INVOICE_RESOLUTION.number: TECHNICAL_KEY},
                    validator=validator, hang_s=60)
    fake.start()
    yield fake
    fake.stop()


def xmlsec1() -> str:
    path = shutil.which("xmlsec1")
    assert path, "xmlsec1 is needed (Debian package xmlsec1; make setup installs it as root)"
    return path


def xmlsec_verify(xml: bytes, identity, tmp_path: Path, id_attrs: tuple[str, ...] = (DS_KEYINFO, XADES_PROPS),
                  name: str = "doc.xml") -> subprocess.CompletedProcess:
    """Verify a signature with xmlsec1 (libxmlsec1/OpenSSL), trusting the certificate."""
    doc, pem = tmp_path / name, tmp_path / "trusted.pem"
    doc.write_bytes(xml)
    pem.write_bytes(certificate_pem(identity))
    cmd = [xmlsec1(), "--verify", "--pubkey-cert-pem", str(pem)]
    for attr in id_attrs:
        cmd += ["--id-attr:Id", attr]
    return subprocess.run([*cmd, str(doc)], capture_output=True, text=True, timeout=120)
