"""The way of every fiscal document to DIAN: the outbox, its sending and contingency.

Each document joins the outbox (``dian_outbox``) in the transaction that writes it
(kiosk/services/fiscal_documents.py), in state ``built``. ``DianOutbox.process``
takes the waiting documents in the order they were written and moves each on:

    built --sign--> signed --SendBillSync--> sent --answer--> accepted
                                                         \\--> rejected (DIAN's rules)
                                                         \\--> contingency (no answer:
                                                               tried again later)

- Every step is committed before the next starts, and every step's data is a row of
  the append-only ``dian_exchanges`` log: the signed XML, each sending, DIAN's whole
  answer. They stay with the database and its backups (DIAN: at least 5 years).
- A document found in ``sent`` (the till stopped while DIAN was answering) is first
  asked about with ``GetStatus`` by its CUDE/CUFE; only if DIAN does not know it is it
  sent again. An accepted document is never sent again (a trigger guards it too).
- A document that could not be signed (no certificate, an expired one) stays where it
  is: all documents wait, and ``problem`` says why.
- A rejected document stops only itself: the next ones go on. Once the cause is put
  right (usually the shop's fiscal settings), ``resend`` builds and signs it again
  from the stored document, with its number, and sends it.
- No answer (time-out, HTTP 5xx/403, no connection): the document waits with a
  doubling delay (``retry_first_s`` .. ``retry_max_s``) and the documents after it wait
  behind it (the order is kept). After ``contingency_after_failures`` such failures in
  a row the till is *in contingency*: POS documents are issued as contingency
  documents (type 08) until DIAN answers again. Documents waiting longer than
  ``contingency_deadline_h`` (48 h) are overdue; the manager's banner and
  ``kiosk-admin status`` say how many wait and the oldest's age.

``DianSender`` runs ``process`` in a worker thread: woken when a document is written
and at the next retry time.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from db.engine import Database
from db.models import DianExchange, new_uuid, utcnow
from db.raw_sql import insert_sql, stamp
from kiosk.core import fiscal as f
from kiosk.core.errors import DomainError
from kiosk.core.fiscal_shop_errors import FiscalDocumentMissing
from kiosk.fiscal.errors import CertificateProblem, SchemaUnavailable
from kiosk.fiscal.settings import DianSettings
from kiosk.i18n import N_, _
from kiosk.services.fiscal_documents import KIND_NAMES, FiscalDocuments

if TYPE_CHECKING:
    from kiosk.fiscal.certificate import SigningIdentity
    from kiosk.fiscal.schemas import UblValidator
    from kiosk.fiscal.transport import Answer, Transport
    from kiosk.fiscal.xades import XadesSigner
# Signing, the UBL schemas and the SOAP transport (cryptography, lxml: ~13 MB and a
# slower start) are imported when a document is sent, not by every kiosk that builds
# the outbox (issue 18: the kiosk's memory beside a bare Kivy app).

log = logging.getLogger(__name__)

WAITING = f.OUTBOX_WAITING
STATES = (*WAITING, "accepted", "rejected")
LOCAL_RULE = "LOCAL"  # a document refused before sending (it does not add up, the XSD refuses it)

_INSERT_EXCHANGE = insert_sql(DianExchange.__table__, "uuid till_id document_id state at attempt file_name "
                                                     "http_status status_code rule_codes message document_key "
                                                     "xml_z answer_z")
_ENTRY_COLUMNS = ("o.id, o.document_id, o.state, o.attempts, o.next_attempt_at, o.document_key, o.last_error, "
                  "o.rule_codes, o.created_at, o.updated_at, o.accepted_at, d.prefix, d.number, d.type_code, "
                  "d.issued_at, d.total")
_SELECT_ENTRIES = f"SELECT {_ENTRY_COLUMNS} FROM dian_outbox o JOIN fiscal_documents d ON d.id = o.document_id"


def _when(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    document_id: int
    state: str
    attempts: int
    next_attempt_at: datetime | None
    document_key: str
    last_error: str
    rule_codes: str
    created_at: datetime
    updated_at: datetime
    accepted_at: datetime | None
    document_number: str
    kind: f.DocumentKind
    issued_at: datetime
    total: int

    @property
    def waiting(self) -> bool:
        return self.state in WAITING

    def as_dict(self) -> dict:
        return {"document": self.document_number, "document_id": self.document_id, "kind": KIND_NAMES[self.kind],
                "type_code": self.kind.value, "state": self.state, "attempts": self.attempts,
                "next_attempt_at": _iso(self.next_attempt_at), "key": self.document_key,
                "rule_codes": [c for c in self.rule_codes.split() if c], "last_error": self.last_error,
                "issued_at": _iso(self.issued_at), "accepted_at": _iso(self.accepted_at), "total_minor": self.total}


@dataclass(frozen=True)
class Exchange:
    id: int
    state: str
    at: datetime
    attempt: int
    file_name: str
    http_status: int | None
    status_code: str
    rule_codes: str
    message: str
    has_xml: bool
    has_answer: bool

    def as_dict(self) -> dict:
        return {"state": self.state, "at": _iso(self.at), "attempt": self.attempt, "file_name": self.file_name,
                "http_status": self.http_status, "status_code": self.status_code,
                "rule_codes": [c for c in self.rule_codes.split() if c], "message": self.message,
                "signed_xml": self.has_xml, "answer": self.has_answer}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"


@dataclass(frozen=True)
class OutboxSummary:
    """What the manager's banner and ``kiosk-admin status`` say."""

    waiting: int
    rejected: int
    oldest_waiting_at: datetime | None  # naive UTC
    overdue: int  # waiting longer than the deadline (48 h)
    contingency: bool
    contingency_since: datetime | None
    failures: int
    last_failure: str
    problem: str  # why nothing can be signed now (certificate), "" if nothing known
    now: datetime

    @property
    def oldest_age(self) -> timedelta | None:
        return None if self.oldest_waiting_at is None else max(self.now - self.oldest_waiting_at, timedelta(0))

    @property
    def needs_attention(self) -> bool:
        return bool(self.contingency or self.rejected or self.overdue or self.problem)

    def as_dict(self) -> dict:
        age = self.oldest_age
        return {"waiting": self.waiting, "rejected": self.rejected, "oldest_waiting_at": _iso(self.oldest_waiting_at),
                "oldest_age_hours": None if age is None else round(age.total_seconds() / 3600, 1),
                "overdue": self.overdue, "contingency": self.contingency,
                "contingency_since": _iso(self.contingency_since), "failures": self.failures,
                "last_failure": self.last_failure, "problem": self.problem}


@dataclass
class SendReport:
    accepted: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # no answer: tried again later
    problem: str = ""  # nothing could be signed (certificate) or sent

    def as_dict(self) -> dict:
        return {"accepted": self.accepted, "rejected": self.rejected, "waiting": self.waiting, "problem": self.problem}


def compress(data: bytes | None) -> bytes | None:
    return None if data is None else zlib.compress(data, 9)


def decompress(data: bytes | None) -> bytes | None:
    return None if data is None else zlib.decompress(data)


class NotResendable(DomainError):
    code = "dian_not_resendable"
    template = N_("Document {document} is {state}: only a rejected or waiting document is sent again.")


class DianOutbox:
    def __init__(self, db: Database, fiscal: FiscalDocuments, settings: DianSettings, *,
                 identity_loader: Callable[[datetime], SigningIdentity] | None = None,
                 transport_factory: Callable[[SigningIdentity], Transport] | None = None,
                 validator: UblValidator | None | bool = True, clock: Callable[[], datetime] = utcnow,
                 after_sign: Callable[[str], None] | None = None):
        """``validator``: True finds the installed schemas (``[dian] schema_dir``),
        None/False leaves the local check out. ``after_sign``: called with the
        document's number once its signed XML is committed (the SIGKILL test)."""
        self.db = db
        self.fiscal = fiscal
        self.settings = settings
        self.clock = clock
        self.identity_loader = identity_loader or self._load_identity
        self.transport_factory = transport_factory or self._soap_transport
        self._validator_wanted = validator
        self._validator: UblValidator | None = None
        self.after_sign = after_sign
        self.problem = ""
        self._lock = threading.Lock()  # one process() at a time in this process

    # --- configuration ---------------------------------------------------------------
    def _soap_transport(self, identity: SigningIdentity) -> Transport:
        from kiosk.fiscal.transport import SoapTransport

        s = self.settings
        return SoapTransport(s.service_url, identity, timeout_s=s.timeout_s)

    def _load_identity(self, now: datetime) -> SigningIdentity:
        from kiosk.fiscal.certificate import load_signing_identity

        s = self.settings
        if s.certificate is None or s.certificate_password_file is None:
            raise CertificateMissing()
        return load_signing_identity(s.certificate, s.certificate_password_file, now.replace(tzinfo=UTC)
                                     if now.tzinfo is None else now)

    def validator(self) -> UblValidator | None:
        if self._validator_wanted is True:
            if self._validator is None:
                from kiosk.fiscal.schemas import installed_validator

                self._validator = installed_validator(self.settings.schema_dir)
            return self._validator
        if self._validator_wanted not in (None, False):  # a UblValidator the caller made
            return self._validator_wanted
        return None

    # --- reading -----------------------------------------------------------------------
    @staticmethod
    def _entry(row: Sequence) -> OutboxEntry:
        return OutboxEntry(id=row[0], document_id=row[1], state=row[2], attempts=row[3],
                           next_attempt_at=_when(row[4]), document_key=row[5], last_error=row[6], rule_codes=row[7],
                           created_at=_when(row[8]), updated_at=_when(row[9]), accepted_at=_when(row[10]),
                           document_number=f"{row[11]}{row[12]}", kind=f.DocumentKind(row[13]),
                           issued_at=_when(row[14]), total=row[15])

    def entries(self, state: str | None = None, limit: int | None = None) -> list[OutboxEntry]:
        if state is not None and state not in STATES and state != "waiting":
            raise ValueError(f"state must be one of {', '.join(STATES)} or waiting")
        sql = _SELECT_ENTRIES
        params: tuple = ()
        if state == "waiting":
            sql += f" WHERE o.state IN ({', '.join('?' * len(WAITING))})"
            params = WAITING
        elif state is not None:
            sql += " WHERE o.state = ?"
            params = (state,)
        sql += " ORDER BY o.id" + (f" LIMIT {int(limit)}" if limit else "")
        with self.db.read() as s:
            return [self._entry(r) for r in s.connection().exec_driver_sql(sql, params)]

    def entry(self, document: str | int) -> OutboxEntry:
        doc_id = document if isinstance(document, int) else self.fiscal.find(document).id
        with self.db.read() as s:
            row = s.connection().exec_driver_sql(_SELECT_ENTRIES + " WHERE o.document_id = ?", (doc_id,)).first()
        if row is None:
            raise FiscalDocumentMissing(reference=str(document))
        return self._entry(row)

    def exchanges(self, document_id: int) -> list[Exchange]:
        with self.db.read() as s:
            rows = s.connection().exec_driver_sql(
                "SELECT id, state, at, attempt, file_name, http_status, status_code, rule_codes, message, "
                "xml_z IS NOT NULL, answer_z IS NOT NULL FROM dian_exchanges WHERE document_id = ? ORDER BY id",
                (document_id,)).all()
        return [Exchange(r[0], r[1], _when(r[2]), r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9]), bool(r[10]))
                for r in rows]

    def signed_xml(self, document_id: int) -> bytes | None:
        """The newest signed XML of the document (None: not signed yet)."""
        with self.db.read() as s:
            data = s.connection().exec_driver_sql(
                "SELECT xml_z FROM dian_exchanges WHERE document_id = ? AND xml_z IS NOT NULL ORDER BY id DESC LIMIT 1",
                (document_id,)).scalar()
        return decompress(data)

    def answer(self, exchange_id: int) -> bytes | None:
        with self.db.read() as s:
            return decompress(s.connection().exec_driver_sql(
                "SELECT answer_z FROM dian_exchanges WHERE id = ?", (exchange_id,)).scalar())

    def link(self) -> tuple[bool, datetime | None, int, str]:
        return read_link(self.db)

    def summary(self, now: datetime | None = None) -> OutboxSummary:
        return outbox_summary(self.db, self.settings, now or self.clock(), problem=self.problem)

    def banner(self, now: datetime | None = None) -> tuple[str, str] | None:
        return banner(self.summary(now))

    def next_due(self) -> datetime | None:
        """When the first waiting document may be tried (None: nothing waits)."""
        with self.db.read() as s:
            row = s.connection().exec_driver_sql(
                f"SELECT next_attempt_at FROM dian_outbox WHERE state IN ({', '.join('?' * len(WAITING))}) "
                "ORDER BY id LIMIT 1", WAITING).first()
        if row is None:
            return None
        return _when(row[0]) or self.clock()

    # --- writing -----------------------------------------------------------------------
    def _exchange(self, conn: Connection, document_id: int, state: str, now: datetime, *, attempt: int = 0,
                  file_name: str = "", answer: Answer | None = None, message: str = "", key: str = "",
                  xml: bytes | None = None) -> int:
        return conn.exec_driver_sql(_INSERT_EXCHANGE + " RETURNING id", {
            "uuid": new_uuid(), "till_id": self.fiscal.till_id, "document_id": document_id, "state": state,
            "at": stamp(now), "attempt": attempt, "file_name": file_name,
            "http_status": answer.http_status if answer else None, "status_code": answer.status_code if answer else "",
            "rule_codes": " ".join(answer.rule_codes) if answer else "",
            "message": message or (_answer_text(answer) if answer else ""),
            "document_key": key or (answer.document_key if answer else ""), "xml_z": compress(xml),
            "answer_z": compress(answer.raw or answer.application_response) if answer else None}).scalar_one()

    @staticmethod
    def _move(conn: Connection, entry_id: int, now: datetime, *, expect: OutboxEntry | None = None,
              **values: object) -> None:
        """Change an entry; with ``expect``, only if nobody else (the kiosk's worker, a
        technician's ``dian send``) moved it since it was read: else _Taken (the
        transaction rolls back and this round stops)."""
        values["updated_at"] = stamp(now)
        sets = ", ".join(f"{k} = :{k}" for k in values)
        where = "id = :id"
        params = {**values, "id": entry_id}
        if expect is not None:
            where += " AND state = :was_state AND attempts = :was_attempts"
            params |= {"was_state": expect.state, "was_attempts": expect.attempts}
        result = conn.exec_driver_sql(f"UPDATE dian_outbox SET {sets} WHERE {where}", params)
        if expect is not None and result.rowcount != 1:
            raise _Taken()

    def _link(self, conn: Connection, now: datetime, *, failed: str = "") -> None:
        row = conn.exec_driver_sql("SELECT contingency, failures FROM dian_link WHERE id = 1").first()
        if row is None:
            conn.exec_driver_sql("INSERT INTO dian_link (id, contingency, failures, last_failure, updated_at) "
                                 "VALUES (1, 0, 0, '', ?)", (stamp(now),))
            row = (0, 0)
        if failed:
            failures = row[1] + 1
            start = not row[0] and failures >= self.settings.contingency_after_failures
            conn.exec_driver_sql(
                "UPDATE dian_link SET failures = ?, last_failure = ?, updated_at = ?"
                + (", contingency = 1, since = ?" if start else "") + " WHERE id = 1",
                (failures, failed, stamp(now), *((stamp(now),) if start else ())))
            if start:
                log.warning("DIAN unreachable %d times in a row: contingency from now on (%s)", failures, failed)
        else:
            if row[0]:
                log.info("DIAN answers again: contingency ends")
            conn.exec_driver_sql("UPDATE dian_link SET failures = 0, contingency = 0, since = NULL, "
                                 "last_contact_at = ?, updated_at = ? WHERE id = 1", (stamp(now), stamp(now)))

    def backoff(self, attempts: int) -> timedelta:
        s = self.settings
        return timedelta(seconds=min(s.retry_first_s * 2 ** max(attempts - 1, 0), s.retry_max_s))

    # --- the work --------------------------------------------------------------------------
    def process(self, now: datetime | None = None, *, force: bool = False,
                documents: Sequence[int] | None = None) -> SendReport:
        """Move waiting documents on, in order, until one finds DIAN unreachable or
        all went. ``force``: ignore retry times (``kiosk-admin dian send``).
        ``documents``: only these document ids (rejected ones included)."""
        with self._lock:
            return self._process(now, force, documents)

    def _process(self, now: datetime | None, force: bool, documents: Sequence[int] | None) -> SendReport:
        report = SendReport()
        now = now or self.clock()
        if documents is not None:
            todo = [e for e in (self.entry(d) for d in documents) if e.state != "accepted"]
        else:
            todo = self.entries("waiting")
        if not todo:
            return report
        try:
            identity = self.identity_loader(now)
        except (CertificateProblem, CertificateMissing) as exc:
            self.problem = report.problem = str(exc)
            log.warning("DIAN documents wait: %s", exc)
            return report
        self.problem = ""
        from kiosk.fiscal.xades import XadesSigner

        signer = XadesSigner(identity, clock=lambda: now.replace(tzinfo=UTC) if now.tzinfo is None else now)
        transport = self.transport_factory(identity)
        try:
            validator = self.validator()
        except SchemaUnavailable as exc:
            self.problem = report.problem = str(exc)
            return report
        for entry in todo:
            if not force and documents is None and entry.next_attempt_at and entry.next_attempt_at > now:
                break  # the first waiting one is not due: the ones after it wait behind it
            try:
                outcome = self._one(entry, now, signer, transport, validator, report)
            except _Taken:
                outcome = "busy"
            if outcome in ("unreachable", "busy"):
                break  # in order: nothing after it goes first
        return report

    def _one(self, entry: OutboxEntry, now: datetime, signer: XadesSigner, transport: Transport,
             validator: UblValidator | None, report: SendReport) -> str:
        number = entry.document_number
        state, key = entry.state, entry.document_key
        xml = None
        if state == "sent" and key:
            if entry.updated_at > now - timedelta(seconds=2 * self.settings.timeout_s + 60):
                return "busy"  # another process is waiting for DIAN's answer right now
            # The till stopped while DIAN was answering: ask before sending again.
            answer = transport.status(key)
            if answer.accepted:
                return self._answered(entry, now, answer, report, file_name="")
        if state in ("built", "rejected"):
            from kiosk.fiscal.engine import sign_document

            try:
                doc = self.fiscal.electronic_document(entry.document_id)
                signed = sign_document(doc, signer, validator=validator)
            except DomainError as exc:  # it does not add up, a field is missing, the XSD refuses it
                with self.db.write_connection() as conn:
                    self._exchange(conn, entry.document_id, "rejected", now, message=str(exc))
                    self._move(conn, entry.id, now, state="rejected", last_error=str(exc), rule_codes=LOCAL_RULE)
                report.rejected.append(number)
                log.error("DIAN document %s cannot be built: %s", number, exc)
                return "rejected"
            xml, key = signed.xml, signed.key
            with self.db.write_connection() as conn:
                self._exchange(conn, entry.document_id, "signed", now, key=key, xml=xml)
                self._move(conn, entry.id, now, expect=entry, state="signed", document_key=key, last_error="",
                           rule_codes="")
            if self.after_sign is not None:
                self.after_sign(number)
        if xml is None:
            xml = self.signed_xml(entry.document_id)
            if xml is None:  # signed state without XML cannot happen; build again
                return self._one(_with_state(entry, "built"), now, signer, transport, validator, report)
        doc = self.fiscal.document(entry.document_id)
        attempt = entry.attempts + 1
        with self.db.write_connection() as conn:
            exchange_id = self._exchange(conn, entry.document_id, "sent", now, attempt=attempt, key=key)
            self._move(conn, entry.id, now, expect=_with_state(entry, "signed") if state in ("built", "rejected")
                       else entry, state="sent", attempts=attempt)
        names = f.file_names(doc.kind, self.fiscal.settings.nit, self.settings.provider_code,
                             _local_year(doc.issued_at), exchange_id)
        answer = transport.send(xml, names)
        return self._answered(_with_state(entry, "sent", attempts=attempt), now, answer, report,
                              file_name=names.zip)

    def _answered(self, entry: OutboxEntry, now: datetime, answer: Answer, report: SendReport, *,
                  file_name: str) -> str:
        number = entry.document_number
        with self.db.write_connection() as conn:
            if answer.accepted:
                self._exchange(conn, entry.document_id, "accepted", now, attempt=entry.attempts,
                               file_name=file_name, answer=answer)
                self._move(conn, entry.id, now, state="accepted", accepted_at=stamp(now), next_attempt_at=None,
                           last_error="", rule_codes="")
                self._link(conn, now)
                report.accepted.append(number)
                return "accepted"
            if answer.rejected:
                text = _answer_text(answer)
                self._exchange(conn, entry.document_id, "rejected", now, attempt=entry.attempts,
                               file_name=file_name, answer=answer)
                self._move(conn, entry.id, now, state="rejected", next_attempt_at=None, last_error=text,
                           rule_codes=" ".join(answer.rule_codes))
                self._link(conn, now)
                report.rejected.append(number)
                log.error("DIAN rejected %s: %s", number, text)
                return "rejected"
            detail = answer.detail or "no answer"
            self._exchange(conn, entry.document_id, "contingency", now, attempt=entry.attempts,
                           file_name=file_name, answer=answer, message=detail)
            self._move(conn, entry.id, now, state="contingency", last_error=detail,
                       next_attempt_at=stamp(now + self.backoff(entry.attempts)))
            if answer.contingency:
                self._link(conn, now, failed=detail)
        report.waiting.append(number)
        log.warning("DIAN did not answer for %s: %s", number, detail)
        return "unreachable"

    def mark_for_resend(self, document: str | int, now: datetime | None = None) -> OutboxEntry:
        """Put a rejected (or waiting) document back to ``built``: the next round builds
        and signs it again from the stored document (same number) and sends it."""
        entry = self.entry(document)
        if entry.state == "accepted":
            raise NotResendable(document=entry.document_number, state=entry.state)
        if entry.state in ("rejected", "signed", "contingency"):
            now = now or self.clock()
            with self.db.write_connection() as conn:
                self._move(conn, entry.id, now, state="built", next_attempt_at=None)
        return entry

    def resend(self, document: str | int, now: datetime | None = None) -> SendReport:
        """Build, sign and send a rejected (or waiting) document again, with its number."""
        entry = self.mark_for_resend(document, now)
        return self.process(now, force=True, documents=[entry.document_id])

    def send_test_set(self, document: str | int, test_set_id: str, now: datetime | None = None) -> Answer:
        """Send one document of DIAN's enablement test set (``SendTestSetAsync``)."""
        now = now or self.clock()
        entry = self.entry(document)
        from kiosk.fiscal.engine import sign_document
        from kiosk.fiscal.xades import XadesSigner

        identity = self.identity_loader(now)
        signer = XadesSigner(identity)
        doc = self.fiscal.document(entry.document_id)
        signed = sign_document(self.fiscal.electronic_document(doc), signer, validator=self.validator())
        names = f.file_names(doc.kind, self.fiscal.settings.nit, self.settings.provider_code,
                             _local_year(doc.issued_at), entry.id)
        answer = self.transport_factory(identity).send_test_set(signed.xml, names, test_set_id)
        with self.db.write_connection() as conn:
            self._exchange(conn, entry.document_id, "sent", now, file_name=names.zip, answer=answer, key=signed.key,
                           message=f"test set {test_set_id}: {answer.outcome.value} {answer.track_id}".strip())
        return answer


def read_link(db: Database) -> tuple[bool, datetime | None, int, str]:
    with db.read() as s:
        row = s.connection().exec_driver_sql(
            "SELECT contingency, since, failures, last_failure FROM dian_link WHERE id = 1").first()
    if row is None:
        return False, None, 0, ""
    return bool(row[0]), _when(row[1]), row[2], row[3]


def outbox_summary(db: Database, settings: DianSettings, now: datetime | None = None, *,
                   problem: str = "") -> OutboxSummary:
    """How many documents wait for DIAN, the oldest's time, overdue ones, contingency."""
    now = now or utcnow()
    deadline = now - timedelta(hours=settings.contingency_deadline_h)
    marks = ", ".join("?" * len(WAITING))
    with db.read() as s:
        conn = s.connection()
        waiting, oldest = conn.exec_driver_sql(
            f"SELECT COUNT(*), MIN(d.issued_at) FROM dian_outbox o JOIN fiscal_documents d ON d.id = o.document_id"
            f" WHERE o.state IN ({marks})", WAITING).first()
        overdue = conn.exec_driver_sql(
            f"SELECT COUNT(*) FROM dian_outbox o JOIN fiscal_documents d ON d.id = o.document_id"
            f" WHERE o.state IN ({marks}) AND d.issued_at < ?", (*WAITING, stamp(deadline))).scalar()
        rejected = conn.exec_driver_sql("SELECT COUNT(*) FROM dian_outbox WHERE state = 'rejected'").scalar()
    contingency, since, failures, last_failure = read_link(db)
    return OutboxSummary(waiting=waiting, rejected=rejected, oldest_waiting_at=_when(oldest), overdue=overdue,
                         contingency=contingency, contingency_since=since, failures=failures,
                         last_failure=last_failure, problem=problem, now=now)


def age_text(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60:02d} min"
    return f"{hours // 24} d {hours % 24} h"


def banner(summary: OutboxSummary) -> tuple[str, str] | None:
    """The manager's banner: (level, text), None when nothing waits or is wrong.
    Level "error" when documents are overdue (over 48 h), rejected or cannot be
    signed; "warn" while documents wait or the till is in contingency."""
    parts = []
    if summary.contingency:
        parts.append(_("DIAN contingency: DIAN cannot be reached, sales go on as contingency documents."))
    if summary.waiting:
        parts.append(_("Documents waiting for DIAN: {count}; the oldest for {age}.").format(
            count=summary.waiting, age=age_text(summary.oldest_age or timedelta(0))))
    if summary.overdue:
        parts.append(_("{count} waiting longer than {hours} h: send them now (kiosk-admin dian send).").format(
            count=summary.overdue, hours=48))
    if summary.rejected:
        parts.append(_("Rejected by DIAN: {count} (kiosk-admin dian documents list --state rejected).").format(
            count=summary.rejected))
    if summary.problem:
        parts.append(summary.problem)
    if not parts:
        return None
    level = "error" if (summary.overdue or summary.rejected or summary.problem) else "warn"
    return level, " ".join(parts)


class _Taken(Exception):
    """Another process moved the document on meanwhile."""


class CertificateMissing(DomainError):
    code = "dian_certificate_missing"
    template = N_("No signing certificate: set [dian] certificate and certificate_password_file.")


def _local_year(issued_at: datetime) -> int:
    return issued_at.replace(tzinfo=UTC).astimezone(f.BOGOTA).year


def _with_state(entry: OutboxEntry, state: str, **changes: object) -> OutboxEntry:
    return replace(entry, state=state, **changes)


def _answer_text(answer: Answer) -> str:
    parts = [f"{m.code}: {m.text}" if m.code else m.text for m in answer.messages]
    return "; ".join(parts) or answer.description or answer.detail


class DianSender:
    """The worker thread: ``process`` now, then again when woken (a new document) or
    at the next retry time. ``stop`` ends it."""

    def __init__(self, outbox: DianOutbox, idle_s: float = 30.0):
        self.outbox = outbox
        self.idle_s = idle_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0

    def start(self) -> DianSender:
        self._thread = threading.Thread(target=self._run, name="dian-sender", daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.outbox.process()
            except Exception:  # noqa: BLE001 - the worker must outlive one bad round; the log says why
                log.exception("DIAN sending failed")
            self.runs += 1
            due = self.outbox.next_due()
            wait = self.idle_s
            if due is not None:
                wait = min(wait, max((due - self.outbox.clock()).total_seconds(), 1.0))
            self._wake.wait(wait)
