"""SOAP 1.2 messages of DIAN's web service (WcfDianCustomerServices), with
WS-Security: an X.509 ``BinarySecurityToken`` (the signing certificate) and an XML
signature (exclusive C14N, RSA-SHA256, SHA-256 digests) over the ``wsu:Timestamp``,
the WS-Addressing ``wsa:To`` and the ``soap:Body``.

``envelope()`` builds a signed request; ``verify_envelope()`` checks one (the fake
DIAN service uses it, and it refuses what DIAN would: a body or timestamp changed
after signing, a signature by another key, an expired timestamp).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from kiosk.fiscal.certificate import SigningIdentity
from kiosk.fiscal.errors import SignatureInvalid

NS_SOAP = "http://www.w3.org/2003/05/soap-envelope"
NS_WSA = "http://www.w3.org/2005/08/addressing"
NS_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
NS_WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
NS_WCF = "http://wcf.dian.colombia"
NS_DIAN_RESPONSE = "http://schemas.datacontract.org/2004/07/DianResponse"
NS_ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
BASE64_BINARY = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
ACTION_BASE = "http://wcf.dian.colombia/IWcfDianCustomerServices/"
TIMESTAMP_TTL = timedelta(seconds=60)
CLOCK_SKEW = timedelta(minutes=5)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
WSU_ID = f"{{{NS_WSU}}}Id"


def content_type(operation: str) -> str:
    return f'application/soap+xml; charset=utf-8; action="{ACTION_BASE}{operation}"'


def _el(parent: etree._Element, ns: str, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ns}}}{name}", attrs)
    if text is not None:
        el.text = text
    return el


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def exc_c14n(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


def _digest(element: etree._Element) -> str:
    return base64.b64encode(hashlib.sha256(exc_c14n(element)).digest()).decode("ascii")


def envelope(operation: str, params: Sequence[tuple[str, str]], to_url: str, identity: SigningIdentity,
             now: datetime | None = None) -> bytes:
    """A signed SOAP 1.2 request: ``<wcf:{operation}>`` with ``<wcf:{name}>value``."""
    now = now or datetime.now(timezone.utc)
    env = etree.Element(f"{{{NS_SOAP}}}Envelope", nsmap={"soap": NS_SOAP, "wcf": NS_WCF})
    header = _el(env, NS_SOAP, "Header")
    security = etree.SubElement(header, f"{{{NS_WSSE}}}Security", nsmap={"wsse": NS_WSSE, "wsu": NS_WSU})
    security.set(f"{{{NS_SOAP}}}mustUnderstand", "true")
    ts_id, token_id, to_id, body_id = (f"{p}-{uuid.uuid4().hex}" for p in ("TS", "X509", "id", "id"))
    timestamp = _el(security, NS_WSU, "Timestamp", **{WSU_ID: ts_id})
    _el(timestamp, NS_WSU, "Created", _utc(now))
    _el(timestamp, NS_WSU, "Expires", _utc(now + TIMESTAMP_TTL))
    der = identity.certificate.public_bytes(serialization.Encoding.DER)
    _el(security, NS_WSSE, "BinarySecurityToken", base64.b64encode(der).decode("ascii"),
        EncodingType=BASE64_BINARY, ValueType=X509V3, **{WSU_ID: token_id})
    wsa = etree.SubElement(header, f"{{{NS_WSA}}}Action", nsmap={"wsa": NS_WSA})
    wsa.text = ACTION_BASE + operation
    to = etree.SubElement(header, f"{{{NS_WSA}}}To", {WSU_ID: to_id}, nsmap={"wsa": NS_WSA, "wsu": NS_WSU})
    to.text = to_url
    body = etree.SubElement(env, f"{{{NS_SOAP}}}Body", {WSU_ID: body_id}, nsmap={"wsu": NS_WSU})
    call = _el(body, NS_WCF, operation)
    for name, value in params:
        _el(call, NS_WCF, name, value)

    signature = etree.SubElement(security, f"{{{NS_DS}}}Signature", Id=f"SIG-{uuid.uuid4().hex}",
                                 nsmap={"ds": NS_DS})
    signed_info = _el(signature, NS_DS, "SignedInfo")
    _el(signed_info, NS_DS, "CanonicalizationMethod", Algorithm=EXC_C14N)
    _el(signed_info, NS_DS, "SignatureMethod", Algorithm=RSA_SHA256)
    for target, target_id in ((timestamp, ts_id), (to, to_id), (body, body_id)):
        ref = _el(signed_info, NS_DS, "Reference", URI=f"#{target_id}")
        _el(_el(ref, NS_DS, "Transforms"), NS_DS, "Transform", Algorithm=EXC_C14N)
        _el(ref, NS_DS, "DigestMethod", Algorithm=SHA256)
        _el(ref, NS_DS, "DigestValue", _digest(target))
    value = _el(signature, NS_DS, "SignatureValue")
    key_info = _el(signature, NS_DS, "KeyInfo", Id=f"KI-{uuid.uuid4().hex}")
    str_ref = _el(key_info, NS_WSSE, "SecurityTokenReference", **{WSU_ID: f"STR-{uuid.uuid4().hex}"})
    _el(str_ref, NS_WSSE, "Reference", URI=f"#{token_id}", ValueType=X509V3)
    raw = identity.key.sign(exc_c14n(signed_info), padding.PKCS1v15(), hashes.SHA256())
    value.text = base64.b64encode(raw).decode("ascii")
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, parser=_PARSER)


def operation_of(env: etree._Element) -> tuple[str, dict[str, str]]:
    """The operation's name and its parameters from a request's body."""
    body = env.find(f"{{{NS_SOAP}}}Body")
    if body is None or len(body) == 0:
        raise ValueError("no SOAP body")
    call = body[0]
    return etree.QName(call).localname, {etree.QName(p).localname: (p.text or "") for p in call}


def _by_id(env: etree._Element, ident: str) -> etree._Element | None:
    found = env.xpath("//*[@wsu:Id=$i or @Id=$i]", namespaces={"wsu": NS_WSU}, i=ident)
    return found[0] if len(found) == 1 else None


def verify_envelope(env: etree._Element, now: datetime | None = None) -> x509.Certificate:
    """Check a request's WS-Security; return the certificate that signed it."""
    now = now or datetime.now(timezone.utc)
    ns = {"soap": NS_SOAP, "wsse": NS_WSSE, "wsu": NS_WSU, "ds": NS_DS, "wsa": NS_WSA}
    security = env.find("soap:Header/wsse:Security", ns)
    if security is None:
        raise SignatureInvalid(reason="no wsse:Security header")
    signature = security.find("ds:Signature", ns)
    timestamp = security.find("wsu:Timestamp", ns)
    if signature is None or timestamp is None:
        raise SignatureInvalid(reason="the security header needs a timestamp and a signature")
    signed_info = signature.find("ds:SignedInfo", ns)
    if signed_info is None:
        raise SignatureInvalid(reason="no SignedInfo")
    if signed_info.find("ds:CanonicalizationMethod", ns).get("Algorithm") != EXC_C14N or \
            signed_info.find("ds:SignatureMethod", ns).get("Algorithm") != RSA_SHA256:
        raise SignatureInvalid(reason="expected exclusive C14N and RSA-SHA256")
    signed: set[int] = set()
    for ref in signed_info.findall("ds:Reference", ns):
        uri = ref.get("URI", "")
        target = _by_id(env, uri[1:]) if uri.startswith("#") else None
        if target is None:
            raise SignatureInvalid(reason=f"reference {uri!r} does not point at one element")
        transforms = [t.get("Algorithm") for t in ref.findall("ds:Transforms/ds:Transform", ns)]
        if transforms not in ([], [EXC_C14N]) or ref.find("ds:DigestMethod", ns).get("Algorithm") != SHA256:
            raise SignatureInvalid(reason=f"reference {uri}: unexpected transform or digest")
        if ref.findtext("ds:DigestValue", namespaces=ns) != _digest(target):
            raise SignatureInvalid(reason=f"the digest of {etree.QName(target).localname} does not match")
        signed.add(id(target))
    body = env.find("soap:Body", ns)
    if id(body) not in signed or id(timestamp) not in signed:
        raise SignatureInvalid(reason="the body and the timestamp must be signed")
    token_ref = signature.find("ds:KeyInfo/wsse:SecurityTokenReference/wsse:Reference", ns)
    token = _by_id(env, (token_ref.get("URI", "") if token_ref is not None else "#")[1:])
    if token is None or etree.QName(token).localname != "BinarySecurityToken":
        raise SignatureInvalid(reason="the signature's key is not the message's BinarySecurityToken")
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode(token.text or ""))
    except ValueError:
        raise SignatureInvalid(reason="the BinarySecurityToken is not an X.509 certificate") from None
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise SignatureInvalid(reason="the certificate's key is not RSA")
    try:
        public_key.verify(base64.b64decode(signature.findtext("ds:SignatureValue", namespaces=ns) or ""),
                          exc_c14n(signed_info), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise SignatureInvalid(reason="the signature value does not match the certificate") from None
    expires = timestamp.findtext("wsu:Expires", namespaces=ns) or ""
    try:
        expiry = datetime.fromisoformat(expires.replace("Z", "+00:00"))
    except ValueError:
        raise SignatureInvalid(reason="the timestamp has no valid Expires") from None
    if expiry + CLOCK_SKEW < now:
        raise SignatureInvalid(reason="the message's timestamp has expired")
    if not (cert.not_valid_before_utc - CLOCK_SKEW <= now <= cert.not_valid_after_utc + CLOCK_SKEW):
        raise SignatureInvalid(reason="the certificate is not valid now")
    return cert


def fault(reason: str, code: str = "Sender") -> bytes:
    """A SOAP 1.2 fault (what WCF answers, with HTTP 500, to a message it refuses)."""
    env = etree.Element(f"{{{NS_SOAP}}}Envelope", nsmap={"s": NS_SOAP})
    f = _el(_el(env, NS_SOAP, "Body"), NS_SOAP, "Fault")
    _el(_el(f, NS_SOAP, "Code"), NS_SOAP, "Value", f"s:{code}")
    _el(_el(f, NS_SOAP, "Reason"), NS_SOAP, "Text", reason, **{"{http://www.w3.org/XML/1998/namespace}lang": "es"})
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def fault_reason(data: bytes) -> str:
    try:
        env = parse(data)
    except etree.XMLSyntaxError:
        return ""
    return " ".join(t.strip() for t in env.xpath("//s:Fault/s:Reason/s:Text/text()", namespaces={"s": NS_SOAP}))
