"""Sending signed documents to DIAN, and what DIAN answers.

``Transport`` is the port the sending worker needs (``send``, ``status``,
``send_test_set``); ``SoapTransport`` is the real client of DIAN's SOAP 1.2 web
service; tests and the demo point it at the fake service (kiosk/fiscal/fake_dian.py).

Every call ends in an ``Answer``:
- ``accepted``: DIAN validated the document (``IsValid`` true); its ApplicationResponse
  is kept with it;
- ``rejected``: DIAN answered with rule codes and messages (``Regla: FAD06, Rechazo:
  ...``); the document is corrected and sent again with the same number;
- ``pending``: an asynchronous upload was taken; ask ``status(track_id)`` later;
- ``unreachable``: no answer from DIAN — HTTP 500/503/507/508/403, another HTTP
  error, a time-out, a refused connection. A POS document then goes to contingency.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import io
import re
import socket
import ssl
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from lxml import etree

from kiosk.core.fiscal import BOGOTA, FileNames
from kiosk.fiscal import soap
from kiosk.fiscal.certificate import SigningIdentity

CONTINGENCY_HTTP = frozenset({500, 503, 507, 508, 403})
_RULE = re.compile(r"^\s*Regla:\s*(?P<code>[^,\s]+)\s*,\s*(?P<kind>[^:]+):\s*(?P<text>.*)$", re.S)


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PENDING = "pending"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class RuleMessage:
    code: str  # DIAN's rule, e.g. "FAD06"; empty for a message without one
    text: str
    rejects: bool  # "Rechazo" (the document is refused) or "Notificación" (a warning)


def parse_rule(message: str) -> RuleMessage:
    m = _RULE.match(message)
    if not m:
        return RuleMessage(code="", text=message.strip(), rejects=True)
    kind = m.group("kind").strip().lower()
    return RuleMessage(code=m.group("code"), text=m.group("text").strip(), rejects=kind.startswith("rechazo"))


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    status_code: str = ""
    description: str = ""
    messages: tuple[RuleMessage, ...] = ()
    document_key: str = ""  # the CUDE/CUFE DIAN read
    application_response: bytes | None = None  # DIAN's ApplicationResponse XML
    track_id: str = ""  # ZipKey of an asynchronous upload
    http_status: int | None = None
    detail: str = ""  # why unreachable: time-out, HTTP status, SOAP fault, connection error
    raw: bytes = b""  # the whole answer, kept with the document

    @property
    def accepted(self) -> bool:
        return self.outcome is Outcome.ACCEPTED

    @property
    def rejected(self) -> bool:
        return self.outcome is Outcome.REJECTED

    @property
    def unreachable(self) -> bool:
        return self.outcome is Outcome.UNREACHABLE

    @property
    def contingency(self) -> bool:
        """Unreachable the way the contingency rules name it: HTTP 500, 503, 507, 508,
        403, a time-out or no connection (not a misconfigured address's 404)."""
        return self.unreachable and (self.http_status is None or self.http_status in CONTINGENCY_HTTP)

    @property
    def rule_codes(self) -> tuple[str, ...]:
        return tuple(m.code for m in self.messages if m.code)


class Transport(Protocol):
    def send(self, signed_xml: bytes, names: FileNames) -> Answer: ...

    def status(self, track_id: str) -> Answer: ...

    def send_test_set(self, signed_xml: bytes, names: FileNames, test_set_id: str) -> Answer: ...


def make_zip(signed_xml: bytes, names: FileNames, when: datetime | None = None) -> bytes:
    """The ZIP DIAN takes: exactly one XML file, named as the document's file name."""
    moment = (when or datetime.now(BOGOTA)).astimezone(BOGOTA)
    info = zipfile.ZipInfo(names.xml, date_time=moment.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(info, signed_xml)
    return buf.getvalue()


# --- answers ---------------------------------------------------------------------

def _text(el: etree._Element | None, path: str) -> str:
    if el is None:
        return ""
    return (el.findtext(path, namespaces={"b": soap.NS_DIAN_RESPONSE, "c": soap.NS_ARRAYS}) or "").strip()


def _messages(result: etree._Element) -> tuple[RuleMessage, ...]:
    ns = {"b": soap.NS_DIAN_RESPONSE, "c": soap.NS_ARRAYS}
    texts = result.xpath("b:ErrorMessage/c:string/text() | b:ErrorMessageList//b:ProcessedMessage/text()"
                         " | b:ErrorMessageList//c:string/text()", namespaces=ns)
    return tuple(parse_rule(t) for t in texts if t.strip())


def _dian_response(result: etree._Element, raw: bytes, http_status: int) -> Answer:
    valid = _text(result, "b:IsValid").lower() == "true"
    app_response = None
    encoded = _text(result, "b:XmlBase64Bytes")
    if encoded:
        try:
            app_response = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            app_response = None
    return Answer(outcome=Outcome.ACCEPTED if valid else Outcome.REJECTED, status_code=_text(result, "b:StatusCode"),
                  description=_text(result, "b:StatusDescription") or _text(result, "b:StatusMessage"),
                  messages=_messages(result), document_key=_text(result, "b:XmlDocumentKey"),
                  application_response=app_response, http_status=http_status, raw=raw)


def parse_answer(raw: bytes, http_status: int = 200) -> Answer:
    """DIAN's SOAP answer to SendBillSync, GetStatus, GetStatusZip or SendTestSetAsync."""
    try:
        env = soap.parse(raw)
    except etree.XMLSyntaxError as exc:
        return Answer(outcome=Outcome.UNREACHABLE, http_status=http_status, raw=raw,
                      detail=f"the answer is not XML: {exc}")
    body = env.find(f"{{{soap.NS_SOAP}}}Body")
    if body is None or len(body) == 0:
        return Answer(outcome=Outcome.UNREACHABLE, http_status=http_status, raw=raw, detail="the answer has no body")
    if etree.QName(body[0]).localname == "Fault":
        return Answer(outcome=Outcome.UNREACHABLE, http_status=http_status, raw=raw,
                      detail="SOAP fault: " + soap.fault_reason(raw))
    response = body[0]
    result = response[0] if len(response) else None
    if result is None:
        return Answer(outcome=Outcome.UNREACHABLE, http_status=http_status, raw=raw, detail="empty answer")
    name = etree.QName(result).localname
    if name == "SendTestSetAsyncResult":  # UploadDocumentResponse: a ZipKey, or why the upload was refused
        messages = _messages(result)
        zip_key = _text(result, "b:ZipKey")
        if zip_key and not messages:
            return Answer(outcome=Outcome.PENDING, track_id=zip_key, http_status=http_status, raw=raw)
        return Answer(outcome=Outcome.REJECTED, messages=messages, track_id=zip_key, http_status=http_status, raw=raw)
    if name == "GetStatusResult" and len(result) and etree.QName(result[0]).localname == "DianResponse":
        result = result[0]
    return _dian_response(result, raw, http_status)


# --- the SOAP client -----------------------------------------------------------------

class SoapTransport:
    """DIAN's web service over HTTPS (or plain HTTP for the fake service on 127.0.0.1)."""

    def __init__(self, url: str, identity: SigningIdentity, timeout_s: float = 30.0,
                 ssl_context: ssl.SSLContext | None = None):
        self.url = url
        self.identity = identity
        self.timeout_s = timeout_s
        self.ssl_context = ssl_context

    def send(self, signed_xml: bytes, names: FileNames) -> Answer:
        content = base64.b64encode(make_zip(signed_xml, names)).decode("ascii")
        return self.call("SendBillSync", [("fileName", names.zip), ("contentFile", content)])

    def send_test_set(self, signed_xml: bytes, names: FileNames, test_set_id: str) -> Answer:
        content = base64.b64encode(make_zip(signed_xml, names)).decode("ascii")
        return self.call("SendTestSetAsync", [("fileName", names.zip), ("contentFile", content),
                                              ("testSetId", test_set_id)])

    def status(self, track_id: str) -> Answer:
        return self.call("GetStatus", [("trackId", track_id)])

    def call(self, operation: str, params: list[tuple[str, str]]) -> Answer:
        return self.post(soap.envelope(operation, params, self.url, self.identity), operation)

    def post(self, envelope: bytes, operation: str) -> Answer:
        """Send a ready envelope (``call`` signs it) and read the answer."""
        request = urllib.request.Request(self.url, data=envelope, method="POST",
                                         headers={"Content-Type": soap.content_type(operation)})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s, context=self.ssl_context) as resp:
                raw = resp.read()
                status = resp.status
        except urllib.error.HTTPError as exc:
            raw = exc.read() if exc.fp is not None else b""
            reason = soap.fault_reason(raw)
            detail = f"HTTP {exc.code}" + (f": {reason}" if reason else "")
            return Answer(outcome=Outcome.UNREACHABLE, http_status=exc.code, detail=detail, raw=raw)
        except (TimeoutError, socket.timeout):
            return Answer(outcome=Outcome.UNREACHABLE, detail=f"no answer within {self.timeout_s:g} s")
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                return Answer(outcome=Outcome.UNREACHABLE, detail=f"no answer within {self.timeout_s:g} s")
            return Answer(outcome=Outcome.UNREACHABLE, detail=f"connection failed: {exc.reason}")
        except (http.client.HTTPException, ConnectionError, OSError) as exc:
            return Answer(outcome=Outcome.UNREACHABLE, detail=f"connection failed: {exc}")
        return parse_answer(raw, status)
