"""The XAdES-EPES signature: verified by two verifiers that are not our code
(xmlsec1 from Debian, signxml's XAdES verifier); one changed byte breaks it; the
signed properties are DIAN's. Certificate problems give clear messages."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from lxml import etree
from signxml.algorithms import DigestAlgorithm
from signxml.exceptions import InvalidSignature
from signxml.xades import XAdESSignaturePolicy, XAdESVerifier

from kiosk.core import fiscal as f
from kiosk.fiscal import errors
from kiosk.fiscal.certificate import certificate_report, load_signing_identity
from kiosk.fiscal.demo_certificate import certificate_pem, throwaway_identity, write_pkcs12
from kiosk.fiscal.engine import build_signed
from kiosk.fiscal.samples import sample_document
from kiosk.fiscal.xades import XadesSigner

from .conftest import xmlsec_verify

ROOT = Path(__file__).resolve().parents[2]
DS = {"ds": "http://www.w3.org/2000/09/xmldsig#", "xades": "http://uri.etsi.org/01903/v1.3.2#"}
POLICY = XAdESSignaturePolicy(Identifier=f.SIGNATURE_POLICY_URL, Description="", DigestMethod=DigestAlgorithm.SHA256,
                              DigestValue=f.SIGNATURE_POLICY_SHA256)


def signxml_verify(xml: bytes, identity) -> None:
    XAdESVerifier().verify(xml, x509_cert=certificate_pem(identity).decode(), expect_signature_policy=POLICY)


@pytest.mark.parametrize("kind", [f.DocumentKind.POS, f.DocumentKind.INVOICE, f.DocumentKind.INVOICE_CREDIT_NOTE])
def test_signature_verifies_with_independent_verifiers(kind, signer, identity, tmp_path):
    xml = build_signed(sample_document(kind), signer)
    result = xmlsec_verify(xml, identity, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "SignedInfo References (ok/all): 3/3" in result.stdout + result.stderr
    signxml_verify(xml, identity)


def test_changing_one_byte_breaks_the_signature(signer, identity, tmp_path):
    xml = build_signed(sample_document(), signer)
    target = b"<cbc:PayableAmount currencyID=\"COP\">"
    at = xml.index(target) + len(target)
    tampered = xml[:at] + (b"9" if xml[at:at + 1] != b"9" else b"8") + xml[at + 1:]
    assert len(tampered) == len(xml) and tampered != xml
    result = xmlsec_verify(tampered, identity, tmp_path)
    assert result.returncode != 0
    with pytest.raises(InvalidSignature):
        signxml_verify(tampered, identity)
    # the signed properties are covered too
    time_at = xml.index(b"<xades:SigningTime>") + len(b"<xades:SigningTime>") + 3
    moved = xml[:time_at] + (b"0" if xml[time_at:time_at + 1] != b"0" else b"1") + xml[time_at + 1:]
    assert xmlsec_verify(moved, identity, tmp_path, name="moved.xml").returncode != 0


def test_signed_properties_are_dians(signer, identity):
    moment = datetime(2026, 3, 14, 15, 31, 7, tzinfo=timezone.utc)
    xml = build_signed(sample_document(), signer, signing_time=moment)
    sig = etree.fromstring(xml).find(".//ds:Signature", DS)
    info = sig.find("ds:SignedInfo", DS)
    assert info.find("ds:CanonicalizationMethod", DS).get("Algorithm") == \
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    assert info.find("ds:SignatureMethod", DS).get("Algorithm") == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    refs = info.findall("ds:Reference", DS)
    assert len(refs) == 3
    assert refs[0].get("URI") == ""
    assert [t.get("Algorithm") for t in refs[0].findall("ds:Transforms/ds:Transform", DS)] == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature"]
    assert refs[1].get("URI") == "#" + sig.find("ds:KeyInfo", DS).get("Id")
    assert refs[2].get("Type") == "http://uri.etsi.org/01903#SignedProperties"
    assert refs[2].get("URI") == "#" + sig.find(".//xades:SignedProperties", DS).get("Id")
    assert {r.find("ds:DigestMethod", DS).get("Algorithm") for r in refs} == {"http://www.w3.org/2001/04/xmlenc#sha256"}
    props = sig.find(".//xades:SignedSignatureProperties", DS)
    assert props.findtext("xades:SigningTime", namespaces=DS) == "2026-03-14T10:31:07-05:00"
    der = identity.certificate.public_bytes(serialization.Encoding.DER)
    cert = props.find("xades:SigningCertificate/xades:Cert", DS)
    assert cert.findtext("xades:CertDigest/ds:DigestValue", namespaces=DS) == \
        base64.b64encode(hashlib.sha256(der).digest()).decode()
    assert cert.find("xades:CertDigest/ds:DigestMethod", DS).get("Algorithm") == \
        "http://www.w3.org/2001/04/xmlenc#sha256"
    assert cert.findtext("xades:IssuerSerial/ds:X509SerialNumber", namespaces=DS) == \
        str(identity.certificate.serial_number)
    policy = props.find("xades:SignaturePolicyIdentifier/xades:SignaturePolicyId", DS)
    assert policy.findtext("xades:SigPolicyId/xades:Identifier", namespaces=DS) == \
        "https://facturaelectronica.dian.gov.co/politicadefirma/v2/politicadefirmav2.pdf"
    assert policy.findtext("xades:SigPolicyHash/ds:DigestValue", namespaces=DS) == \
        "dMoMvtcG5aIzgYo0tIsSQeVJBDnUnfSOfBpxXrmor0Y="
    assert props.findtext("xades:SignerRole/xades:ClaimedRoles/xades:ClaimedRole", namespaces=DS) == "supplier"


# --- certificates ----------------------------------------------------------------------

def _p12(tmp_path: Path, identity, password: str = "clave-de-prueba") -> tuple[Path, Path]:
    p12, pw = tmp_path / "firma.p12", tmp_path / "firma.pass"
    write_pkcs12(identity, p12, pw, password)
    return p12, pw


def test_a_good_certificate_loads_and_signs(tmp_path, validator):
    identity = throwaway_identity()
    p12, pw = _p12(tmp_path, identity)
    loaded = load_signing_identity(p12, pw)
    assert loaded.certificate == identity.certificate
    report = certificate_report(p12, pw)
    assert report.ok and report.problem == "" and 360 <= report.days_left <= 365 and not report.expires_soon
    xml = build_signed(sample_document(), XadesSigner(loaded), validator=validator)
    signxml_verify(xml, identity)


def test_an_expired_certificate_is_refused_with_its_date(tmp_path):
    start = datetime.now(timezone.utc) - timedelta(days=400)
    p12, pw = _p12(tmp_path, throwaway_identity(valid_from=start, valid_days=365))
    with pytest.raises(errors.CertificateExpired) as err:
        load_signing_identity(p12, pw)
    end = (start + timedelta(days=365)).astimezone(f.BOGOTA).strftime("%Y-%m-%d")
    assert "expired on " + end in str(err.value) and "renewed certificate" in str(err.value)
    report = certificate_report(p12, pw)
    assert not report.ok and report.problem == str(err.value) and report.days_left < 0


def test_a_certificate_not_yet_valid_points_at_the_clock(tmp_path):
    p12, pw = _p12(tmp_path, throwaway_identity(valid_from=datetime.now(timezone.utc) + timedelta(days=3)))
    with pytest.raises(errors.CertificateNotYetValid, match="check the till's clock"):
        load_signing_identity(p12, pw)


def test_unreadable_certificates_say_why(tmp_path):
    p12, pw = _p12(tmp_path, throwaway_identity())
    with pytest.raises(errors.CertificateUnreadable, match="the file does not exist"):
        load_signing_identity(tmp_path / "missing.p12", pw)
    text = tmp_path / "cert.pem"
    text.write_bytes(certificate_pem(throwaway_identity()))
    with pytest.raises(errors.CertificateUnreadable, match=r"not a PKCS#12 \(.p12/.pfx\) file"):
        load_signing_identity(text, pw)
    damaged = tmp_path / "damaged.p12"
    damaged.write_bytes(p12.read_bytes()[:200])
    with pytest.raises(errors.CertificateUnreadable, match="damaged"):
        load_signing_identity(damaged, pw)
    with pytest.raises(errors.CertificatePasswordUnreadable, match="password file"):
        load_signing_identity(p12, tmp_path / "no-such.pass")
    wrong = tmp_path / "wrong.pass"
    wrong.write_text("otra-clave\n")
    with pytest.raises(errors.CertificateWrongPassword) as err:
        load_signing_identity(p12, wrong)
    assert str(err.value) == f"The password in {wrong} does not open the signing certificate {p12}."


def test_a_non_rsa_key_is_refused(tmp_path):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ec")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=9))
            .sign(key, hashes.SHA256()))
    p12 = tmp_path / "ec.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"ec", key, cert, None,
                                                          serialization.BestAvailableEncryption(b"pw")))
    (tmp_path / "ec.pass").write_text("pw")
    with pytest.raises(errors.CertificateKeyUnsupported, match="RSA"):
        load_signing_identity(p12, tmp_path / "ec.pass")


def test_cli_certificate_check(tmp_path):
    p12, pw = _p12(tmp_path, throwaway_identity(valid_from=datetime.now(timezone.utc) - timedelta(days=30),
                                                 valid_days=10))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path), "KIOSK_CONFIG": ""}
    r = subprocess.run([sys.executable, "-m", "kiosk.cli.main", "dian", "certificate", "--p12", str(p12),
                        "--password-file", str(pw)], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1
    assert "PROBLEM: El certificado de firma de Serviteca Demo S.A.S. venció el" in r.stdout
