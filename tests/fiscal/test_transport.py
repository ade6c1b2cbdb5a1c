"""The real SOAP transport against the fake DIAN service on 127.0.0.1: accepted,
rejected with rule codes, HTTP 503 and a time-out as "unreachable"; the fake refuses a
message whose WS-Security signature does not hold and a document with a wrong CUDE."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.core import fiscal as f
from kiosk.fiscal import soap
from kiosk.fiscal.demo_certificate import throwaway_identity
from kiosk.fiscal.engine import build_signed
from kiosk.fiscal.samples import SOFTWARE, SOFTWARE_PIN, sample_document
from kiosk.fiscal.transport import Outcome, SoapTransport, parse_rule

from .conftest import xmlsec_verify

ROOT = Path(__file__).resolve().parents[2]
WSU_IDS = ("Timestamp", "To", "Body")


def names_for(doc: f.FiscalDocument, counter: int = 1) -> f.FileNames:
    return f.file_names(doc.kind, doc.seller.nit, "000", doc.local_issued_at.year, counter)


@pytest.fixture
def transport(fake_dian, identity) -> SoapTransport:
    return SoapTransport(fake_dian.url, identity, timeout_s=60)


@pytest.mark.parametrize("kind", list(f.DocumentKind))
def test_every_document_type_is_accepted(kind, fake_dian, transport, signer, validator):
    doc = sample_document(kind)
    xml = build_signed(doc, signer)
    answer = transport.send(xml, names_for(doc))
    assert answer.outcome is Outcome.ACCEPTED, answer.messages
    assert answer.accepted and answer.status_code == "00" and answer.messages == ()
    assert answer.document_key == f.document_key(doc)
    assert answer.application_response is not None
    assert validator.errors(answer.application_response) == []
    assert b"<cbc:ResponseCode>02</cbc:ResponseCode>" in answer.application_response
    received = fake_dian.received[-1]
    assert (received.operation, received.outcome) == ("SendBillSync", "accepted")
    assert received.xml == xml and received.xml_name == names_for(doc).xml


def test_a_forced_rejection_is_parsed_into_rule_codes_and_messages(fake_dian, transport, signer):
    doc = sample_document()
    fake_dian.set_mode("reject", rule="FAJ44b", message="El valor del NIT no es válido, revise el DV")
    answer = transport.send(build_signed(doc, signer), names_for(doc))
    assert answer.outcome is Outcome.REJECTED and answer.rejected
    assert answer.status_code == "99"
    assert answer.rule_codes == ("FAJ44b",)
    assert answer.messages[0].text == "El valor del NIT no es válido, revise el DV" and answer.messages[0].rejects
    assert b"<cbc:ResponseCode>04</cbc:ResponseCode>" in answer.application_response


def test_the_fake_rejects_a_wrong_cude(fake_dian, transport, signer):
    doc = sample_document()
    wrong_pin = replace(doc, software=replace(SOFTWARE, pin="99999"))  # hashed with a PIN DIAN does not have
    answer = transport.send(build_signed(wrong_pin, signer), names_for(doc))
    assert answer.rejected
    assert "FAD06" in answer.rule_codes
    fad06 = next(m for m in answer.messages if m.code == "FAD06")
    assert "CUDE" in fad06.text and "no está calculado correctamente" in fad06.text
    assert fake_dian.received[-1].outcome == "rejected"


def test_the_fake_rejects_a_document_changed_after_signing(fake_dian, transport, signer):
    doc = sample_document()
    xml = build_signed(doc, signer).replace(b"Ana P\xc3\xa9rez", b"Ana Perez")
    answer = transport.send(xml, names_for(doc))
    assert answer.rejected and "ZB01" in answer.rule_codes


def test_http_503_is_unreachable_and_means_contingency(fake_dian, transport, signer):
    doc = sample_document()
    fake_dian.set_mode("http", status=503)
    answer = transport.send(build_signed(doc, signer), names_for(doc))
    assert answer.outcome is Outcome.UNREACHABLE and answer.unreachable
    assert answer.http_status == 503 and answer.contingency
    assert "HTTP 503" in answer.detail
    fake_dian.set_mode("http", status=404)
    answer = transport.send(build_signed(doc, signer), names_for(doc))
    assert answer.unreachable and not answer.contingency  # a wrong address, not DIAN being down


def test_a_time_out_is_unreachable(fake_dian, identity, signer):
    doc = sample_document()
    fake_dian.set_mode("timeout")
    quick = SoapTransport(fake_dian.url, identity, timeout_s=1.0)
    answer = quick.send(build_signed(doc, signer), names_for(doc))
    assert answer.outcome is Outcome.UNREACHABLE and answer.contingency
    assert answer.http_status is None and "no answer within 1 s" in answer.detail
    assert fake_dian.wait_for(1, timeout=30)
    assert fake_dian.received[-1].outcome == "timeout"
    fake_dian.behave()
    assert SoapTransport(fake_dian.url, identity, timeout_s=60).send(build_signed(doc, signer), names_for(doc)).accepted


def test_nobody_listening_is_unreachable(identity, signer):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    doc = sample_document()
    answer = SoapTransport(f"http://127.0.0.1:{port}/svc", identity, timeout_s=10).send(
        build_signed(doc, signer), names_for(doc))
    assert answer.unreachable and answer.contingency and "connection failed" in answer.detail


def test_the_fake_refuses_a_bad_ws_security_signature(fake_dian, transport, identity):
    good = soap.envelope("GetStatus", [("trackId", "abc")], fake_dian.url, identity)
    tampered = good.replace(b">abc<", b">abd<")
    answer = transport.post(tampered, "GetStatus")
    assert answer.unreachable and answer.http_status == 500
    assert "verifying security" in answer.detail and "digest of Body" in answer.detail
    assert fake_dian.received[-1].outcome == "refused"
    # signed by another key than the certificate the message carries
    other = throwaway_identity()
    forged = soap.envelope("GetStatus", [("trackId", "abc")], fake_dian.url, replace(identity, key=other.key))
    answer = transport.post(forged, "GetStatus")
    assert answer.http_status == 500 and "signature value does not match" in answer.detail
    # and a document sent that way never counts as received
    assert [r.outcome for r in fake_dian.received] == ["refused", "refused"]


def test_ws_security_verifies_with_xmlsec1(identity, tmp_path):
    env = soap.envelope("SendBillSync", [("fileName", "z0900373076000260000002a.zip"), ("contentFile", "UEs=")],
                        "https://vpfe-hab.dian.gov.co/WcfDianCustomerServices.svc", identity)
    result = xmlsec_verify(env, identity, tmp_path, id_attrs=WSU_IDS, name="envelope.xml")
    assert result.returncode == 0, result.stderr
    assert "SignedInfo References (ok/all): 3/3" in result.stdout + result.stderr
    bad = env.replace(b"z0900373076000260000002a", b"z0900373076000260000002b")
    assert xmlsec_verify(bad, identity, tmp_path, id_attrs=WSU_IDS, name="bad.xml").returncode != 0


def test_status_and_test_set(fake_dian, transport, signer):
    doc = sample_document(f.DocumentKind.INVOICE)
    xml = build_signed(doc, signer)
    pending = transport.send_test_set(xml, names_for(doc), "test-set-0001")
    assert pending.outcome is Outcome.PENDING and pending.track_id
    status = transport.status(pending.track_id)
    assert status.accepted and status.document_key == f.document_key(doc)
    by_key = transport.status(f.document_key(doc))
    assert by_key.outcome is Outcome.REJECTED and by_key.status_code == "66"  # only the test set knows it


def test_rule_messages_parse():
    assert parse_rule("Regla: FAD06, Rechazo: Valor del CUFE no está calculado correctamente.") == \
        parse_rule("Regla:FAD06,Rechazo:Valor del CUFE no está calculado correctamente.")
    note = parse_rule("Regla: FAJ43b, Notificación: Nombre informado no corresponde")
    assert (note.code, note.rejects) == ("FAJ43b", False)
    plain = parse_rule("Documento procesado anteriormente.")
    assert (plain.code, plain.text, plain.rejects) == ("", "Documento procesado anteriormente.", True)


def test_control_api_over_http(fake_dian):
    base = fake_dian.url.rsplit("/", 1)[0]
    req = urllib.request.Request(base + "/control", data=json.dumps({"mode": "http", "status": 507}).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert json.load(resp)["mode"] == "http"
    with urllib.request.urlopen(base + "/control", timeout=30) as resp:
        state = json.load(resp)
    assert (state["mode"], state["status"], state["received"]) == ("http", 507, 0)


def test_fake_server_command_runs_for_a_technician(tmp_path, identity, signer):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path), "KIOSK_CONFIG": ""}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli.main", "dian", "fake-server", "--port", "0",
                             "--pin", SOFTWARE_PIN], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        url = proc.stdout.readline().strip()  # the command prints its address first, once listening
        assert url.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.poll() is not None else url
        doc = sample_document()
        answer = SoapTransport(url, identity, timeout_s=60).send(build_signed(doc, signer), names_for(doc))
        assert answer.accepted, answer.messages
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == 0
