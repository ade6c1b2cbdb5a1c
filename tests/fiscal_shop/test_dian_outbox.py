"""The outbox to DIAN: every fiscal document joins it with the sale, goes built ->
signed -> sent -> accepted through the real SOAP transport to the fake DIAN service,
keeps its signed XML and DIAN's answers, and survives DIAN being down (contingency),
a rejection (corrected and sent again with its number) and a SIGKILL between signing
and sending. Time is simulated: nothing sleeps."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from db.raw_sql import stamp
from kiosk.core import fiscal as f
from kiosk.core.numbering import NumberingKind
from kiosk.fiscal.demo_certificate import throwaway_identity
from kiosk.fiscal.schemas import UblValidator
from kiosk.services.dian_outbox import DianOutbox, DianSender, NotResendable
from kiosk.services.fiscal_documents import FiscalRequest
from tests.fiscal_shop.dian_fixtures import SimClock, accepted_numbers, make_fake, make_outbox
from tests.fiscal_shop.shop import add_resolutions, fleet_customer, sell

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def identity():
    return throwaway_identity()


@pytest.fixture(scope="module")
def validator():
    return UblValidator.find()


@pytest.fixture
def fake(validator):
    fake = make_fake(validator)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def clock():
    return SimClock()


@pytest.fixture
def outbox(co_app, identity, fake, clock) -> DianOutbox:
    return make_outbox(co_app, identity, fake, clock)


def _numbers(app, sales) -> list[str]:  # noqa: ANN001
    return [app.fiscal.sale_document(s.sale_id).document_number for s in sales]


def test_a_sale_joins_the_outbox_in_its_transaction_and_is_accepted_once(co_app, boss, cashier, ranges, outbox,
                                                                         fake, clock):
    customer = fleet_customer(co_app, boss)
    sales = [sell(co_app, cashier, [("CERA", 1), ("DET-LAV", 1500)]),
             sell(co_app, cashier, [("LAV-MOT", 1)], request=FiscalRequest(customer.id, invoice=True))]
    waiting = outbox.entries("waiting")
    assert [e.document_number for e in waiting] == _numbers(co_app, sales)
    assert {e.state for e in waiting} == {"built"}

    report = outbox.process()
    assert report.accepted == _numbers(co_app, sales) and not report.rejected and not report.problem
    assert accepted_numbers(fake) == _numbers(co_app, sales)
    entry = outbox.entry(report.accepted[0])
    assert entry.state == "accepted" and len(entry.document_key) == 96 and entry.accepted_at == clock.now
    assert [x.state for x in outbox.exchanges(entry.document_id)] == ["signed", "sent", "accepted"]
    xml = outbox.signed_xml(entry.document_id)
    assert xml.startswith(b"<?xml") and entry.document_key.encode() in xml
    assert co_app.settings.fiscal.nit.encode() in xml

    # Nothing is sent twice: another round finds nothing to do, a resend is refused,
    # and the database itself refuses to move an accepted document back.
    assert outbox.process().accepted == []
    with pytest.raises(NotResendable):
        outbox.resend(entry.document_number)
    conn = co_app.db.raw_connection()
    try:
        with pytest.raises(sqlite3.DatabaseError, match="never sent again"):
            conn.execute("UPDATE dian_outbox SET state = 'built' WHERE id = ?", (entry.id,))
        with pytest.raises(sqlite3.DatabaseError, match="never deleted"):
            conn.execute("DELETE FROM dian_exchanges")
    finally:
        conn.close()
    assert len([r for r in fake.received if r.outcome == "accepted"]) == 2


def test_a_sale_rolled_back_leaves_nothing_in_the_outbox(co_app, boss, cashier, serviteca):
    from kiosk.core.fiscal_shop_errors import NumberingUnavailable

    add_resolutions(co_app, boss, kinds=(NumberingKind.INVOICE,))  # no POS range: the sale is refused
    with pytest.raises(NumberingUnavailable):
        sell(co_app, cashier, [("CERA", 1)])
    assert co_app.dian.entries() == []


def test_dian_down_for_an_hour_then_back_all_go_once_in_order(co_app, boss, cashier, serviteca, outbox, fake,
                                                              clock):
    add_resolutions(co_app, boss, kinds=(NumberingKind.POS, NumberingKind.INVOICE, NumberingKind.CREDIT,
                                         NumberingKind.CONTINGENCY))
    fake.set_mode("http", status=503)
    sold = [sell(co_app, cashier, [("CAFE", 1)])]
    start = clock.now
    rounds = 0
    while clock.now < start + timedelta(hours=1):
        due = outbox.next_due()
        if due is not None and due > clock.now:
            clock.now = due  # the worker wakes at the retry time
        report = outbox.process()
        rounds += 1
        assert report.accepted == []
        sold.append(sell(co_app, cashier, [("AGUA", 1)]))  # the till keeps selling
    summary = outbox.summary()
    assert summary.contingency and summary.waiting == len(sold) and summary.oldest_waiting_at is not None
    assert summary.oldest_age >= timedelta(minutes=59)
    kinds = [co_app.fiscal.sale_document(s.sale_id).kind for s in sold]
    assert kinds[0] is f.DocumentKind.POS and f.DocumentKind.POS_CONTINGENCY in kinds
    # backoff: far fewer attempts than an attempt a second, each waiting longer, up to the cap
    first = outbox.entries()[0]
    assert 3 <= first.attempts <= 12 and rounds == first.attempts
    assert all(r.outcome == "http" for r in fake.received)
    # the manager's banner text and kiosk-admin status share the summary
    assert summary.as_dict()["waiting"] == len(sold) and summary.as_dict()["contingency"] is True

    fake.behave()
    clock.advance(minutes=15)
    report = outbox.process()
    numbers = _numbers(co_app, sold)
    assert report.accepted == numbers and not report.waiting
    assert accepted_numbers(fake) == numbers  # each once, in the order written
    assert not outbox.summary().contingency and outbox.summary().waiting == 0
    assert co_app.fiscal.plan(1000).kind is f.DocumentKind.POS  # contingency is over


def test_a_rejected_document_is_corrected_and_sent_again_with_its_number(co_app, boss, cashier, ranges, outbox,
                                                                         fake, validator):
    first = sell(co_app, cashier, [("CERA", 1)])
    second = sell(co_app, cashier, [("AGUA", 1)])
    fake.set_mode("reject", rule="FAD06", message="Valor del CUDE no está calculado correctamente")
    report = outbox.process()
    assert report.rejected == _numbers(co_app, [first, second])  # a rejection does not stop the next one
    entry = outbox.entry(report.rejected[0])
    assert entry.state == "rejected" and entry.rule_codes == "FAD06" and "CUDE" in entry.last_error
    assert outbox.process().rejected == []  # a rejected document waits for its correction
    rejected = [x for x in outbox.exchanges(entry.document_id) if x.state == "rejected"]
    assert rejected and rejected[0].rule_codes == "FAD06" and rejected[0].has_answer

    fake.behave()
    report = outbox.resend(entry.document_number)
    assert report.accepted == [entry.document_number]
    again = outbox.entry(entry.document_id)
    assert again.state == "accepted" and again.document_number == entry.document_number
    assert [x.state for x in outbox.exchanges(entry.document_id)] == [
        "signed", "sent", "rejected", "signed", "sent", "accepted"]
    assert outbox.entry(_numbers(co_app, [second])[0]).state == "rejected"


def test_a_wrong_software_pin_is_rejected_until_the_setting_is_put_right(co_app, cashier, ranges, identity,
                                                                         validator, clock):
    fake = make_fake(validator)
    fake.software_pin = "99999"  # DIAN knows another PIN than the till's configuration
    with fake:
        outbox = make_outbox(co_app, identity, fake, clock)
        doc = _numbers(co_app, [sell(co_app, cashier, [("CERA", 1)])])[0]
        report = outbox.process()
        assert report.rejected == [doc]
        assert "CAD06" in outbox.entry(doc).rule_codes or "FAB27b" in outbox.entry(doc).rule_codes
        fake.software_pin = co_app.settings.fiscal.software_pin  # the technician corrects the PIN
        assert outbox.resend(doc).accepted == [doc]


def test_a_document_that_does_not_add_up_is_rejected_locally_and_the_queue_goes_on(co_app, cashier, ranges, outbox,
                                                                                    fake):
    bad = sell(co_app, cashier, [("CERA", 1)])
    good = sell(co_app, cashier, [("AGUA", 1)])
    doc_id = co_app.fiscal.sale_document(bad.sale_id).id
    real = co_app.fiscal.electronic_document

    def broken(doc):  # noqa: ANN001, ANN202 - the stored totals disagree with the lines
        from dataclasses import replace

        fd = real(doc)
        wanted = doc if isinstance(doc, int) else doc.id
        return replace(fd, payable=fd.payable + 100) if wanted == doc_id else fd

    co_app.fiscal.electronic_document = broken
    report = outbox.process()
    assert report.rejected == _numbers(co_app, [bad]) and report.accepted == _numbers(co_app, [good])
    entry = outbox.entry(doc_id)
    assert entry.rule_codes == "LOCAL" and "suman" in entry.last_error
    assert len(fake.received) == 1  # the bad one never went out


def test_an_expired_certificate_makes_documents_wait_and_says_why(co_app, cashier, ranges, fake, clock):
    from datetime import UTC, datetime, timedelta

    old = throwaway_identity(valid_from=datetime.now(UTC) - timedelta(days=400), valid_days=30)

    def loader(now):  # noqa: ANN001, ANN202
        from kiosk.fiscal.certificate import check_validity

        check_validity(old)
        return old

    outbox = make_outbox(co_app, old, fake, clock)
    outbox.identity_loader = loader
    doc = _numbers(co_app, [sell(co_app, cashier, [("CERA", 1)])])[0]
    report = outbox.process()
    assert "venció" in report.problem and report.accepted == []
    assert outbox.entry(doc).state == "built" and fake.received == []
    assert "venció" in outbox.summary().problem


def test_a_time_out_counts_as_unreachable(co_app, cashier, ranges, identity, fake, clock):
    outbox = make_outbox(co_app, identity, fake, clock, timeout_s=0.5)
    fake.set_mode("timeout")
    doc = _numbers(co_app, [sell(co_app, cashier, [("CERA", 1)])])[0]
    report = outbox.process()
    assert report.waiting == [doc]
    entry = outbox.entry(doc)
    assert entry.state == "contingency" and "no answer" in entry.last_error and entry.next_attempt_at > clock.now
    fake.behave()
    assert outbox.process().accepted == []  # not due yet
    clock.now = entry.next_attempt_at
    assert outbox.process().accepted == [doc]


def test_a_document_left_sent_is_asked_about_before_sending_again(co_app, cashier, ranges, outbox, fake, clock):
    doc = _numbers(co_app, [sell(co_app, cashier, [("CERA", 1)])])[0]
    assert outbox.process().accepted == [doc]
    # as if the till stopped while DIAN answered: the answer was never written
    conn = co_app.db.raw_connection()
    try:
        conn.execute("DROP TRIGGER dian_outbox_accepted_final")
        conn.execute("UPDATE dian_outbox SET state = 'sent', accepted_at = NULL, updated_at = ?",
                     (stamp(clock.now),))
        conn.commit()
    finally:
        conn.close()
    assert outbox.process().accepted == []  # it may still be on its way: not touched yet
    clock.advance(minutes=5)  # long past the time-out: the till stopped while DIAN answered
    assert outbox.process().accepted == [doc]
    assert [r.operation for r in fake.received] == ["SendBillSync", "GetStatus"]  # asked, not sent twice


def test_sigkill_between_signing_and_sending_sends_once_after_restart(co_app, cashier, ranges, identity, fake,
                                                                      tmp_path):
    from kiosk.fiscal.demo_certificate import write_pkcs12

    docs = _numbers(co_app, [sell(co_app, cashier, [("CERA", 1)]), sell(co_app, cashier, [("AGUA", 1)])])
    p12, password = tmp_path / "firma.p12", tmp_path / "firma.pass"
    write_pkcs12(identity, p12, password, "clave-de-prueba")
    child = subprocess.Popen([sys.executable, "-m", "tests.fiscal_shop.dian_worker", str(co_app.settings.state_dir),
                              fake.url, str(p12), str(password)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline().strip()  # the child signed the first document and stops there
        assert line == f"signed {docs[0]}", line
    finally:
        child.kill()
        child.wait(30)
    assert child.returncode == -9
    outbox = make_outbox(co_app, identity, fake)
    assert outbox.entry(docs[0]).state == "signed" and fake.received == []
    report = outbox.process()
    assert report.accepted == docs
    assert accepted_numbers(fake) == docs
    signed = [x for x in outbox.exchanges(co_app.fiscal.find(docs[0]).id) if x.state == "signed"]
    assert len(signed) == 1  # the XML signed before the kill is the one sent


def test_the_worker_thread_sends_what_the_till_writes(co_app, cashier, ranges, outbox, fake):
    doc = _numbers(co_app, [sell(co_app, cashier, [("CERA", 1)])])[0]
    sender = DianSender(outbox, idle_s=0.2).start()
    try:
        assert fake.wait_for(1, timeout=60)
    finally:
        sender.stop()
    assert outbox.entry(doc).state == "accepted"


def test_a_committed_document_wakes_the_worker_at_once(co_app, manager, cashier, ranges, outbox, fake):
    """The worker sends a sale's document, and a void's credit note, when their
    transactions commit, not at its next round (30 s apart in the kiosk; an hour here)."""
    sender = DianSender(outbox, idle_s=3600).start()
    co_app.fiscal.on_issued(sender.wake)  # as Services.start_dian_sender wires it
    try:
        deadline = time.monotonic() + 60
        while sender.runs < 1 and time.monotonic() < deadline:  # its first round: nothing to send
            time.sleep(0.01)
        assert sender.runs == 1
        sale = sell(co_app, cashier, [("CERA", 1)])
        assert fake.wait_for(1, timeout=60)
        co_app.returns.void(manager, sale.number, "cobrado dos veces")
        assert fake.wait_for(2, timeout=60)
    finally:
        sender.stop()
    assert outbox.entry(_numbers(co_app, [sale])[0]).state == "accepted"
    assert [e.state for e in outbox.entries()] == ["accepted", "accepted"]


def test_credit_notes_and_a_200_line_invoice_go_through(co_app, boss, cashier, ranges, outbox, fake):
    customer = fleet_customer(co_app, boss)
    items = [("DET-LAV" if i % 2 else "JAB-KG", 250 + i) for i in range(200)]  # bulk lines stay apart
    big = sell(co_app, cashier, items, request=FiscalRequest(customer.id, invoice=True))
    co_app.fiscal.check_credit(big.sale_id)
    with co_app.db.write_connection() as conn:
        note = co_app.fiscal.issue_credit_note(conn, sale_id=big.sale_id, lines=None, origin="void",
                                               user_id=cashier.id)
    report = outbox.process()
    assert report.accepted == [*_numbers(co_app, [big]), note.document_number]
    xml = outbox.signed_xml(co_app.fiscal.sale_document(big.sale_id).id)
    assert xml.count(b"<cac:InvoiceLine>") == 200


def test_documents_written_before_the_outbox_join_it_when_the_database_is_migrated(co_app, cashier, ranges):
    from alembic import command

    from db.migrate import alembic_config, current_revision, in_migration_transaction, migrate

    docs = _numbers(co_app, [sell(co_app, cashier, [("CERA", 1)]), sell(co_app, cashier, [("AGUA", 1)])])
    cfg = alembic_config()

    def down(conn):  # noqa: ANN001, ANN202
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009_fiscal_documents")

    in_migration_transaction(co_app.db, down)
    assert current_revision(co_app.db) == "0009_fiscal_documents"
    migrate(co_app.db)
    entries = co_app.dian.entries()
    assert [(e.document_number, e.state) for e in entries] == [(d, "built") for d in docs]
    assert len({e.id for e in entries}) == 2
    with co_app.db.read() as s:
        uuids = [r[0] for r in s.connection().exec_driver_sql("SELECT uuid FROM dian_outbox")]
    assert len(set(uuids)) == 2 and all(len(u) == 36 and u[14] == "4" for u in uuids)


def test_two_senders_never_send_the_same_document_twice(co_app, cashier, ranges, identity, fake, clock):
    """The kiosk's worker and a technician's `dian send` at the same moment: the one
    that finds the document already moved on stops."""
    doc = _numbers(co_app, [sell(co_app, cashier, [("CERA", 1)])])[0]
    other = make_outbox(co_app, identity, fake, clock)

    def meanwhile(number):  # noqa: ANN001, ANN202 - the other sender runs between our signing and sending
        assert other.process().accepted == [number]

    first = make_outbox(co_app, identity, fake, clock, after_sign=meanwhile)
    report = first.process()
    assert report.accepted == [] and report.rejected == []
    assert accepted_numbers(fake) == [doc]


def test_the_signed_xml_and_dians_answer_are_in_every_backup(co_app, cashier, ranges, outbox, fake, tmp_path):
    from db.backup import backup
    from kiosk.services.dian_outbox import decompress

    doc = _numbers(co_app, [sell(co_app, cashier, [("CERA", 1)])])[0]
    assert outbox.process().accepted == [doc]
    entry = outbox.entry(doc)
    copy = backup(co_app.db.path, tmp_path / "kiosk-backup.sqlite")
    conn = sqlite3.connect(copy)
    try:
        rows = dict(conn.execute("SELECT state, COALESCE(xml_z, answer_z) FROM dian_exchanges WHERE document_id = ? "
                                 "AND state IN ('signed', 'accepted')", (entry.document_id,)).fetchall())
    finally:
        conn.close()
    assert decompress(rows["signed"]) == outbox.signed_xml(entry.document_id)
    answer = decompress(rows["accepted"])
    assert b"IsValid>true<" in answer and entry.document_key.encode() in answer
