"""The XAdES-EPES enveloped signature DIAN requires, on lxml + cryptography.

signxml (a dependency, used to *verify* in the fake DIAN service and the tests) has
an XAdES signer, but it writes what DIAN does not take: SigningCertificateV2 (or a
SHA-1 SigningCertificate), a UTC signing time fixed to "now", a DataObjectFormat.
So the signature is written here, step by step, exactly as DIAN's policy lists it:

- ``ds:Signature`` in the last ``ext:UBLExtension/ext:ExtensionContent``;
- inclusive C14N 1.0, RSA-SHA256, SHA-256 digests;
- three references: the document (URI "" with the enveloped-signature transform),
  ``ds:KeyInfo``, and ``xades:SignedProperties`` (Type ...#SignedProperties);
- ``xades:QualifyingProperties`` (XAdES 1.3.2) with SigningTime (Bogotá time),
  SigningCertificate (SHA-256 digest, issuer, serial of each certificate),
  SignaturePolicyIdentifier (DIAN's policy v2 and its hash) and SignerRole supplier.

Digests of ``KeyInfo`` and ``SignedProperties`` are taken where they stand in the
document: inclusive C14N carries the namespaces declared on the ancestors, as a
verifier sees them.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from kiosk.core.fiscal import BOGOTA, SIGNATURE_POLICY_SHA256, SIGNATURE_POLICY_URL
from kiosk.fiscal.certificate import SigningIdentity
from kiosk.fiscal.ubl import NS_DS, NS_XADES

C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
POLICY_DESCRIPTION = "Política de firma para facturas electrónicas de la República de Colombia."
SIGNER_ROLE = "supplier"


def ds(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{NS_DS}}}{name}", attrs)
    if text is not None:
        el.text = text
    return el


def xades(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{NS_XADES}}}{name}", attrs)
    if text is not None:
        el.text = text
    return el


def c14n(element: etree._Element) -> bytes:
    """Inclusive C14N 1.0 without comments of an element where it stands."""
    return etree.tostring(element, method="c14n", exclusive=False, with_comments=False)


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def _digest_reference(signed_info: etree._Element, uri: str, *, enveloped: bool = False,
                      **attrs: str) -> etree._Element:
    ref = ds(signed_info, "Reference", **attrs, URI=uri)
    if enveloped:
        ds(ds(ref, "Transforms"), "Transform", Algorithm=ENVELOPED)
    ds(ref, "DigestMethod", Algorithm=SHA256)
    return ds(ref, "DigestValue")


def document_digest(root: etree._Element, signature: etree._Element) -> str:
    """Digest of the document as the enveloped-signature transform sees it: a copy
    without the ``ds:Signature`` (the empty ExtensionContent stays)."""
    sig_id = signature.get("Id")
    clone = copy.deepcopy(root)
    for sig in clone.iter(f"{{{NS_DS}}}Signature"):
        if sig.get("Id") == sig_id:
            sig.getparent().remove(sig)
            break
    return sha256_b64(c14n(clone))


class XadesSigner:
    """Signs documents with one identity (key + certificate chain)."""

    def __init__(self, identity: SigningIdentity, clock: Callable[[], datetime] | None = None):
        self.identity = identity
        self.clock = clock or (lambda: datetime.now(BOGOTA))
        self._certs_der = [c.public_bytes(serialization.Encoding.DER) for c in identity.certificates]

    def sign(self, root: etree._Element, slot: etree._Element, signing_time: datetime | None = None) -> etree._Element:
        """Put the signature of ``root`` into ``slot`` (an empty ExtensionContent)."""
        sig_id = f"xmldsig-{uuid.uuid4()}"
        signature = ds(slot, "Signature", Id=sig_id)
        signed_info = ds(signature, "SignedInfo")
        ds(signed_info, "CanonicalizationMethod", Algorithm=C14N)
        ds(signed_info, "SignatureMethod", Algorithm=RSA_SHA256)
        doc_digest = _digest_reference(signed_info, "", enveloped=True, Id=f"{sig_id}-ref0")
        keyinfo_digest = _digest_reference(signed_info, f"#{sig_id}-keyinfo")
        props_digest = _digest_reference(signed_info, f"#{sig_id}-signedprops", Type=SIGNED_PROPERTIES_TYPE)
        signature_value = ds(signature, "SignatureValue", Id=f"{sig_id}-sigvalue")
        key_info = ds(signature, "KeyInfo", Id=f"{sig_id}-keyinfo")
        x509_data = ds(key_info, "X509Data")
        for der in self._certs_der:
            ds(x509_data, "X509Certificate", base64.b64encode(der).decode("ascii"))
        qualifying = xades(ds(signature, "Object"), "QualifyingProperties", Target=f"#{sig_id}")
        signed_props = xades(qualifying, "SignedProperties", Id=f"{sig_id}-signedprops")
        self._signed_signature_properties(xades(signed_props, "SignedSignatureProperties"), signing_time)

        keyinfo_digest.text = sha256_b64(c14n(key_info))
        props_digest.text = sha256_b64(c14n(signed_props))
        doc_digest.text = document_digest(root, signature)
        raw = self.identity.key.sign(c14n(signed_info), padding.PKCS1v15(), hashes.SHA256())
        signature_value.text = base64.b64encode(raw).decode("ascii")
        return signature

    def _signed_signature_properties(self, ssp: etree._Element, signing_time: datetime | None) -> None:
        moment = (signing_time or self.clock()).astimezone(BOGOTA)
        xades(ssp, "SigningTime", moment.isoformat(timespec="seconds"))
        signing_certificate = xades(ssp, "SigningCertificate")
        for cert, der in zip(self.identity.certificates, self._certs_der):
            entry = xades(signing_certificate, "Cert")
            digest = xades(entry, "CertDigest")
            ds(digest, "DigestMethod", Algorithm=SHA256)
            ds(digest, "DigestValue", sha256_b64(der))
            issuer_serial = xades(entry, "IssuerSerial")
            ds(issuer_serial, "X509IssuerName", cert.issuer.rfc4514_string())
            ds(issuer_serial, "X509SerialNumber", str(cert.serial_number))
        policy_id = xades(xades(ssp, "SignaturePolicyIdentifier"), "SignaturePolicyId")
        sig_policy = xades(policy_id, "SigPolicyId")
        xades(sig_policy, "Identifier", SIGNATURE_POLICY_URL)
        xades(sig_policy, "Description", POLICY_DESCRIPTION)
        policy_hash = xades(policy_id, "SigPolicyHash")
        ds(policy_hash, "DigestMethod", Algorithm=SHA256)
        ds(policy_hash, "DigestValue", SIGNATURE_POLICY_SHA256)
        xades(xades(xades(ssp, "SignerRole"), "ClaimedRoles"), "ClaimedRole", SIGNER_ROLE)
