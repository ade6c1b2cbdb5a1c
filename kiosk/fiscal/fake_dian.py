"""A fake DIAN web service on 127.0.0.1, as hardware/printer/simulator.py is a fake
printer: the tests, the demo and a technician send real SOAP to it.

It does what DIAN's reception does with a document, in this order, and answers the
way DIAN answers:

1. checks the WS-Security signature of the SOAP message (refused: HTTP 500 with a
   SOAP fault, as WCF does);
2. unpacks the base64 ZIP (one XML file, names ``z``/``ds``/``ncs``/...);
3. validates the XML against the UBL 2.1 schemas (rule ``ZE02``);
4. verifies the XAdES signature with signxml's verifier (independent of our signer)
   and DIAN's policy (rule ``ZB01``);
5. recomputes the CUDE/CUFE with the software PIN / technical keys it was given
   (``FAD06`` for an Invoice, ``CAD06`` for a CreditNote) and the
   SoftwareSecurityCode (``FAB27b``);
6. answers accepted (StatusCode 00 and an ApplicationResponse) or rejected
   (StatusCode 99 with ``Regla: CODE, Rechazo: text`` messages).

A test (or ``POST /control`` with JSON) can make it reject everything with a given
rule, answer an HTTP status (503 ...), or hang without answering (a time-out).
The rule codes it uses for its own checks are chosen to look like DIAN's; they are
not a list of DIAN's rules.

    kiosk-admin dian fake-server --port 8099 --pin 75315 --technical-key RES=KEY
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import threading
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from kiosk.core import fiscal as f
from kiosk.fiscal import soap
from kiosk.fiscal.errors import SignatureInvalid
from kiosk.fiscal.schemas import UblValidator
from kiosk.fiscal.ubl import NS_CAC, NS_CBC, NS_STS, read_hash_fields

NS_APP_RESPONSE = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
ZIP_NAME = re.compile(r"^z\d{10}\d{3}\d{2}[0-9a-f]{8}\.zip$")
XML_NAME = re.compile(r"^(ds|ncs|fv|nc|nd)\d{10}\d{3}\d{2}[0-9a-f]{8}\.xml$")
MODES = ("validate", "reject", "http", "timeout")


@dataclass
class Received:
    operation: str
    zip_name: str = ""
    xml_name: str = ""
    xml: bytes | None = None
    outcome: str = ""  # accepted | rejected | refused (WS-Security) | http | timeout
    rules: list[tuple[str, str]] = field(default_factory=list)
    key: str = ""


@dataclass
class _Result:
    valid: bool
    rules: list[tuple[str, str]]
    key: str = ""
    number: str = ""
    seller_nit: str = ""
    xml_name: str = ""
    environment: str = "2"


class FakeDian:
    def __init__(self, *, software_pin: str, technical_keys: Mapping[str, str] | None = None,
                 validator: UblValidator | None = None, trusted_certificates: Sequence[x509.Certificate] = (),
                 host: str = "127.0.0.1", port: int = 0, hang_s: float = 120.0):
        """``technical_keys``: numbering resolution number -> technical key (CUFE).
        ``trusted_certificates``: when given, only these may sign documents."""
        self.software_pin = software_pin
        self.technical_keys = dict(technical_keys or {})
        self.validator = validator or UblValidator.find()
        self.trusted = list(trusted_certificates)
        self.host, self.port, self.hang_s = host, port, hang_s
        self.received: list[Received] = []
        self._results: dict[str, _Result] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._release = threading.Event()
        self._mode = {"mode": "validate", "rule": "", "message": "", "status": 503}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control --
    def set_mode(self, mode: str, *, rule: str = "FAD06", message: str = "Rechazo forzado por la prueba",
                 status: int = 503) -> None:
        """``validate`` (normal), ``reject`` (every document with ``rule``), ``http``
        (answer ``status``), ``timeout`` (never answer until ``behave``/``stop``)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        with self._lock:
            self._mode = {"mode": mode, "rule": rule, "message": message, "status": int(status)}
            if mode != "timeout":
                self._release.set()
                self._release = threading.Event()

    def behave(self) -> None:
        self.set_mode("validate")

    def state(self) -> dict[str, object]:
        with self._lock:
            return {**self._mode, "received": len(self.received),
                    "accepted": sum(1 for r in self.received if r.outcome == "accepted")}

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        """Wait until ``count`` requests have arrived (a condition, not a sleep)."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.received) >= count, timeout)

    # -- server --
    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/WcfDianCustomerServices.svc"

    def start(self) -> FakeDian:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-dian", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FakeDian:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _record(self, item: Received) -> None:
        with self._changed:
            self.received.append(item)
            self._changed.notify_all()

    # -- the service --
    def handle(self, body: bytes) -> tuple[int, bytes] | None:
        """One SOAP request -> (HTTP status, answer); None: do not answer (time-out)."""
        with self._lock:
            mode = dict(self._mode)
            release = self._release
        try:
            env = soap.parse(body)
            operation, params = soap.operation_of(env)
        except (etree.XMLSyntaxError, ValueError) as exc:
            return 400, soap.fault(f"Mensaje no válido: {exc}")
        if mode["mode"] == "timeout":
            self._record(Received(operation, outcome="timeout"))
            release.wait(self.hang_s)
            return None
        if mode["mode"] == "http":
            self._record(Received(operation, outcome="http"))
            return int(mode["status"]), soap.fault("Servicio no disponible", code="Receiver")
        try:
            soap.verify_envelope(env)
        except SignatureInvalid as exc:
            self._record(Received(operation, outcome="refused", rules=[("WSS", str(exc))]))
            return 500, soap.fault("An error occurred when verifying security for the message. " + exc.message("en"))
        if operation in ("SendBillSync", "SendTestSetAsync"):
            result, item = self._receive(operation, params)
            if mode["mode"] == "reject":
                result.valid = False
                result.rules.append((mode["rule"], mode["message"]))
                item.outcome = "rejected"
                item.rules = list(result.rules)
            if operation == "SendTestSetAsync":
                zip_key = str(uuid.uuid4())
                with self._lock:
                    self._results[zip_key] = result
                self._record(item)
                return 200, self._upload_answer(zip_key)
            with self._lock:
                if result.key:
                    self._results[result.key] = result
            self._record(item)
            return 200, self._answer("SendBillSync", result)
        if operation in ("GetStatus", "GetStatusZip"):
            with self._lock:
                result = self._results.get(params.get("trackId", ""))
            self._record(Received(operation, outcome="status"))
            if result is None:
                result = _Result(valid=False, rules=[("66", "TrackId no encontrado")])
                return 200, self._answer(operation, result, status_code="66")
            return 200, self._answer(operation, result)
        return 500, soap.fault(f"La operación {operation} no existe")

    def _receive(self, operation: str, params: dict[str, str]) -> tuple[_Result, Received]:
        zip_name = params.get("fileName", "")
        item = Received(operation, zip_name=zip_name)
        result = self._check(zip_name, params.get("contentFile", ""), item)
        item.outcome = "accepted" if result.valid else "rejected"
        item.rules = list(result.rules)
        item.key = result.key
        return result, item

    def _check(self, zip_name: str, content: str, item: Received) -> _Result:
        if not ZIP_NAME.match(zip_name):
            return _Result(False, [("ZIP03", f"Nombre de archivo ZIP no válido: {zip_name}")])
        try:
            data = base64.b64decode(content, validate=True)
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = zf.namelist()
                if len(names) != 1 or not names[0].endswith(".xml"):
                    return _Result(False, [("ZIP02", "El ZIP debe contener exactamente un archivo XML")])
                item.xml_name = names[0]
                item.xml = xml = zf.read(names[0])
        except (binascii.Error, ValueError, zipfile.BadZipFile):
            return _Result(False, [("ZIP01", "El contenido no es un ZIP en base64")])
        rules: list[tuple[str, str]] = []
        if not XML_NAME.match(item.xml_name):
            rules.append(("ZIP03", f"Nombre de archivo XML no válido: {item.xml_name}"))
        try:
            root = soap.parse(xml)
        except etree.XMLSyntaxError as exc:
            return _Result(False, rules + [("ZE02", f"Fallo en el esquema XML del archivo: {exc}")])
        problems = self.validator.errors(root)
        if problems:
            rules.append(("ZE02", "Fallo en el esquema XML del archivo: " + problems[0]))
        rules += self._check_signature(xml)
        fields, key_rules = self._check_key(root)
        rules += key_rules
        return _Result(valid=not rules, rules=rules, key=fields.get("key", ""), number=fields.get("number", ""),
                       seller_nit=fields.get("seller", ""), xml_name=item.xml_name,
                       environment=fields.get("environment", "2"))

    def _check_signature(self, xml: bytes) -> list[tuple[str, str]]:
        from signxml.algorithms import DigestAlgorithm
        from signxml.exceptions import InvalidInput, InvalidSignature
        from signxml.xades import XAdESSignaturePolicy, XAdESVerifier

        policy = XAdESSignaturePolicy(Identifier=f.SIGNATURE_POLICY_URL, Description="",
                                      DigestMethod=DigestAlgorithm.SHA256, DigestValue=f.SIGNATURE_POLICY_SHA256)
        try:
            root = soap.parse(xml)
            embedded = root.xpath("//ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate/text()",
                                  namespaces={"ds": soap.NS_DS})
            if not embedded:
                return [("ZB01", "El documento no está firmado")]
            cert = x509.load_der_x509_certificate(base64.b64decode(embedded[0]))
            if self.trusted and cert not in self.trusted:
                return [("ZB01", "El certificado de la firma no es de confianza")]
            pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
            XAdESVerifier().verify(xml, x509_cert=pem, expect_signature_policy=policy)
        except (InvalidSignature, InvalidInput, ValueError) as exc:
            return [("ZB01", f"Firma no válida: {exc}")]
        return []

    def _check_key(self, root: etree._Element) -> tuple[dict[str, str], list[tuple[str, str]]]:
        ns = {"cbc": NS_CBC, "cac": NS_CAC, "sts": NS_STS}
        uuid_el = root.find("cbc:UUID", ns)
        given = (uuid_el.text or "").strip() if uuid_el is not None else ""
        scheme = uuid_el.get("schemeName", "") if uuid_el is not None else ""
        invoice_root = etree.QName(root).localname == "Invoice"
        rule = "FAD06" if invoice_root else "CAD06"
        if scheme == "CUFE-SHA384":
            resolution = root.findtext(".//sts:InvoiceControl/sts:InvoiceAuthorization", namespaces=ns) or ""
            secret = self.technical_keys.get(resolution.strip())
            if secret is None:
                return {"key": given}, [(rule, f"No se conoce la clave técnica del rango {resolution}")]
        else:
            secret = self.software_pin
        fields = read_hash_fields(root, secret)
        info = {"key": given, "number": fields.number, "seller": fields.seller_nit,
                "environment": fields.environment}
        rules = []
        if fields.hash() != given:
            rules.append((rule, f"Valor del {scheme[:4] or 'CUDE'} no está calculado correctamente"))
        software_id = root.findtext(".//sts:SoftwareProvider/sts:SoftwareID", namespaces=ns) or ""
        code = root.findtext(".//sts:SoftwareSecurityCode", namespaces=ns) or ""
        if f.software_security_code(software_id.strip(), self.software_pin, fields.number) != code.strip():
            rules.append(("FAB27b", "El código de seguridad del software no está calculado correctamente"))
        return info, rules

    # -- answers --
    def _answer(self, operation: str, result: _Result, status_code: str = "") -> bytes:
        env = etree.Element(f"{{{soap.NS_SOAP}}}Envelope", nsmap={"s": soap.NS_SOAP, "a": soap.NS_WSA})
        header = etree.SubElement(env, f"{{{soap.NS_SOAP}}}Header")
        etree.SubElement(header, f"{{{soap.NS_WSA}}}Action").text = soap.ACTION_BASE + operation + "Response"
        body = etree.SubElement(env, f"{{{soap.NS_SOAP}}}Body")
        response = etree.SubElement(body, f"{{{soap.NS_WCF}}}{operation}Response", nsmap={None: soap.NS_WCF})
        res = etree.SubElement(response, f"{{{soap.NS_WCF}}}{operation}Result",
                               nsmap={"b": soap.NS_DIAN_RESPONSE, "i": soap.NS_XSI})

        def b(name: str, text: str | None = None) -> etree._Element:
            el = etree.SubElement(res, f"{{{soap.NS_DIAN_RESPONSE}}}{name}")
            if text is not None:
                el.text = text
            return el

        errors = b("ErrorMessage")
        for code, text in result.rules:
            etree.SubElement(errors, f"{{{soap.NS_ARRAYS}}}string", nsmap={"c": soap.NS_ARRAYS}).text = \
                f"Regla: {code}, Rechazo: {text}"
        b("IsValid", "true" if result.valid else "false")
        b("StatusCode", status_code or ("00" if result.valid else "99"))
        b("StatusDescription", "Procesado Correctamente." if result.valid
          else "Documento con errores en campos mandatorios.")
        b("StatusMessage", f"La {result.number} ha sido autorizada." if result.valid else "")
        b("XmlBase64Bytes", base64.b64encode(application_response(result)).decode("ascii") if result.key else "")
        b("XmlBytes").set(f"{{{soap.NS_XSI}}}nil", "true")
        b("XmlDocumentKey", result.key)
        b("XmlFileName", result.xml_name.removesuffix(".xml"))
        return etree.tostring(env, xml_declaration=True, encoding="UTF-8")

    def _upload_answer(self, zip_key: str) -> bytes:
        env = etree.Element(f"{{{soap.NS_SOAP}}}Envelope", nsmap={"s": soap.NS_SOAP})
        body = etree.SubElement(env, f"{{{soap.NS_SOAP}}}Body")
        response = etree.SubElement(body, f"{{{soap.NS_WCF}}}SendTestSetAsyncResponse", nsmap={None: soap.NS_WCF})
        res = etree.SubElement(response, f"{{{soap.NS_WCF}}}SendTestSetAsyncResult",
                               nsmap={"b": soap.NS_DIAN_RESPONSE})
        etree.SubElement(res, f"{{{soap.NS_DIAN_RESPONSE}}}ErrorMessageList")
        etree.SubElement(res, f"{{{soap.NS_DIAN_RESPONSE}}}ZipKey").text = zip_key
        return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def application_response(result: _Result) -> bytes:
    """DIAN's verdict as a UBL ApplicationResponse: 02 validated, 04 rejected, one
    LineResponse per rule."""
    now = datetime.now(f.BOGOTA)
    root = etree.Element(f"{{{NS_APP_RESPONSE}}}ApplicationResponse",
                         nsmap={None: NS_APP_RESPONSE, "cac": NS_CAC, "cbc": NS_CBC})

    def cbc(parent: etree._Element, name: str, text: str, **attrs: str) -> etree._Element:
        el = etree.SubElement(parent, f"{{{NS_CBC}}}{name}", attrs)
        el.text = text
        return el

    def cac(parent: etree._Element, name: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{NS_CAC}}}{name}")

    cbc(root, "UBLVersionID", "UBL 2.1")
    cbc(root, "CustomizationID", "1")
    cbc(root, "ProfileID", "DIAN 2.1")
    cbc(root, "ProfileExecutionID", result.environment or "2")
    cbc(root, "ID", str(uuid.uuid4().int % 10**12))
    cbc(root, "UUID", f.sha384_hex(result.key + now.isoformat()), schemeName="CUDE-SHA384")
    cbc(root, "IssueDate", now.strftime("%Y-%m-%d"))
    cbc(root, "IssueTime", f.format_time(now))
    for role, name, nit in (("SenderParty", "Unidad Especial Dirección de Impuestos y Aduanas Nacionales",
                             f.DIAN_NIT), ("ReceiverParty", "", result.seller_nit)):
        pts = cac(cac(root, role), "PartyTaxScheme")
        cbc(pts, "RegistrationName", name or "Emisor")
        cbc(pts, "CompanyID", nit or "0", schemeName="31")
        scheme = cac(pts, "TaxScheme")
        cbc(scheme, "ID", "01")
        cbc(scheme, "Name", "IVA")
    dr = cac(root, "DocumentResponse")
    response = cac(dr, "Response")
    cbc(response, "ResponseCode", "02" if result.valid else "04")
    cbc(response, "Description", "Documento validado por la DIAN" if result.valid else "Documento rechazado por la DIAN")
    ref = cac(dr, "DocumentReference")
    cbc(ref, "ID", result.number or "-")
    cbc(ref, "UUID", result.key, schemeName="CUDE-SHA384")
    for n, (code, text) in enumerate(result.rules, start=1):
        line = cac(dr, "LineResponse")
        cbc(cac(line, "LineReference"), "LineID", str(n))
        lr = cac(line, "Response")
        cbc(lr, "ResponseCode", code)
        cbc(lr, "Description", text)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


class _Handler(BaseHTTPRequestHandler):
    owner: FakeDian
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet server
        pass

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/control"):
            self._reply(200, json.dumps(self.owner.state()).encode(), "application/json")
        else:
            self._reply(200, b"fake DIAN web service: POST SOAP 1.2 here, GET/POST /control\n", "text/plain")

    def do_POST(self) -> None:  # noqa: N802
        body = self._body()
        if self.path.startswith("/control"):
            try:
                wanted = json.loads(body or b"{}")
                self.owner.set_mode(str(wanted.get("mode", "validate")), rule=str(wanted.get("rule", "FAD06")),
                                    message=str(wanted.get("message", "Rechazo forzado por la prueba")),
                                    status=int(wanted.get("status", 503)))
            except (ValueError, TypeError) as exc:
                self._reply(400, json.dumps({"error": str(exc)}).encode(), "application/json")
                return
            self._reply(200, json.dumps(self.owner.state()).encode(), "application/json")
            return
        answer = self.owner.handle(body)
        if answer is None:
            self.close_connection = True
            return
        status, payload = answer
        self._reply(status, payload, "application/soap+xml; charset=utf-8")
