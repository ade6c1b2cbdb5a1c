"""The print queue: every job is stored in the database before it is sent, so a
printer that is off, out of paper or unplugged never loses a receipt. Jobs go out
in order; a job is marked printed only after the connection accepted all of it.

Job states: ``pending`` -> ``sending`` -> ``printed``; a failed attempt goes back to
``pending`` (sent again later, oldest first); ``cancelled`` by staff.

Nothing is printed twice: a job is claimed (``sending``, committed) before its bytes
go out and marked ``printed`` right after the printer confirmed it. If the kiosk dies
between the two (power cut, crash), nobody knows whether the ticket came out, so at
the next start such a job becomes ``interrupted`` and is NOT sent again by itself:
the selling screen says so and staff reprint it (``retry``) or discard it
(``cancel``). We prefer asking a person over a duplicate ticket - and a cash
receipt would also kick the drawer a second time.

A receipt that could not go out at the first attempt loses its drawer kick when it
is finally printed: the sale happened long ago and the drawer must not pop open then.

A sale's receipt is written by ``insert_job`` inside the sale's own transaction (see
TillService.complete_sale), with the drawer decision in ``drawer``: either the sale
and its ticket exist, or neither. Its bytes are laid out from the stored sale when
the job is first sent (``receipt_for``, the same receipt a reprint reads, byte for byte
what the sale would have rendered) and kept with the job: *Confirmar* waits for the
sale's rows only, and a receipt layout that fails cannot stop a sale (the job is then
``interrupted``, with the reason, for staff to send again once it is fixed).

A GPIO relay is pulsed once, right after the sale is stored (``drawer_outcome``
records it); a relay request the kiosk did not get to before it stopped becomes
``missed`` at the next start and is never performed late.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, func, select, update

from db.engine import Database
from db.models import PrintJob, utcnow
from db.raw_sql import insert_sql, stamp
from hardware.printer.receipt import ReceiptLayout, render_receipt, strip_drawer_kick
from hardware.printer.connection import NoPrinter, PrinterError
from kiosk.core.receipt import Receipt

log = logging.getLogger(__name__)

Sender = Callable[[bytes], object]

DRAWER_STATES = ("", "kick", "relay", "opened", "failed", "missed")
LAID_OUT_WHEN_SENT = b""  # a sale's receipt job stored without its bytes (see above)
_INSERT_JOB = insert_sql(PrintJob.__table__, "created_at kind sale_id payload status attempts last_error drawer",
                         returning="id")


@dataclass(frozen=True)
class JobInfo:
    id: int
    kind: str
    sale_id: int | None
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    size: int
    drawer: str = ""  # DRAWER_STATES


@dataclass(frozen=True)
class FlushResult:
    printed: int
    pending: int
    error: str = ""
    problem: str = ""  # printer_status PROBLEM_TEXT code of the failure


class JobNotFound(LookupError):
    pass


class PrintQueue:
    def __init__(self, db: Database, sender: Sender, layout: ReceiptLayout = ReceiptLayout(), *,
                 receipt_for: Callable[[int], Receipt] | None = None):
        self.db = db
        self.sender = sender
        self.layout = layout
        self.receipt_for = receipt_for  # sale id -> its receipt (ReceiptService.receipt), for LAID_OUT_WHEN_SENT jobs
        self._flush_lock = threading.Lock()
        self._listeners: list[Callable[[int], None]] = []
        self._last_logged = ""  # the same failure is logged once, not at every retry

    def add_listener(self, callback: Callable[[int], None]) -> None:
        """``callback(job_id)`` after a job was stored (the print worker wakes up)."""
        self._listeners.append(callback)

    def remove_listener(self, callback: Callable[[int], None]) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    def render(self, receipt: Receipt, *, open_drawer: bool = False) -> bytes:
        layout = self.layout
        if not open_drawer and layout.drawer_pin is not None:
            layout = replace(layout, drawer_pin=None)
        return render_receipt(receipt, layout)

    def enqueue(self, payload: bytes, kind: str = "receipt", sale_id: int | None = None) -> int:
        with self.db.write() as s:
            job = PrintJob(kind=kind, sale_id=sale_id, payload=payload, status="pending")
            s.add(job)
            s.flush()
            job_id = job.id
        self.notify(job_id)
        return job_id

    @staticmethod
    def insert_job(conn: Connection, payload: bytes, kind: str, sale_id: int | None, *, drawer: str = "") -> int:
        """Store a job inside the caller's transaction (the sale's); call ``notify``
        once it is committed."""
        if drawer not in DRAWER_STATES:
            raise ValueError(f"drawer must be one of {DRAWER_STATES}")
        return conn.exec_driver_sql(_INSERT_JOB, {
            "created_at": stamp(utcnow()), "kind": kind, "sale_id": sale_id, "payload": payload,
            "status": "pending", "attempts": 0, "last_error": "", "drawer": drawer}).scalar_one()

    def notify(self, job_id: int) -> None:
        """A job was committed: wake the listeners (the print worker). Never raises."""
        for callback in list(self._listeners):
            try:
                callback(job_id)
            except Exception:  # noqa: BLE001 - a listener must never lose the job
                log.exception("print queue listener failed")

    def drawer_outcome(self, job_id: int, opened: bool) -> None:
        """Record what the relay did for a sale's ``relay`` request."""
        with self.db.write() as s:
            s.execute(update(PrintJob).where(PrintJob.id == job_id, PrintJob.drawer == "relay")
                      .values(drawer="opened" if opened else "failed"))

    def drawer_state(self, job_id: int) -> str:
        with self.db.read() as s:
            state = s.scalar(select(PrintJob.drawer).where(PrintJob.id == job_id))
        if state is None:
            raise JobNotFound(f"no print job {job_id}")
        return state

    def enqueue_receipt(self, receipt: Receipt, sale_id: int | None = None, *, open_drawer: bool = False) -> int:
        return self.enqueue(self.render(receipt, open_drawer=open_drawer),
                            "copy" if receipt.copy else "receipt", sale_id)

    def pending_count(self) -> int:
        with self.db.read() as s:
            return s.scalar(select(func.count(PrintJob.id)).where(PrintJob.status == "pending")) or 0

    def counts(self) -> dict[str, int]:
        """Number of jobs per state (states with no job are absent)."""
        with self.db.read() as s:
            rows = s.execute(select(PrintJob.status, func.count(PrintJob.id)).group_by(PrintJob.status))
            return {status: n for status, n in rows}

    def recover_interrupted(self) -> int:
        """At start-up: jobs left ``sending`` by a crash become ``interrupted``, and a
        drawer relay the kiosk stopped before pulsing becomes ``missed`` (never late)."""
        with self.db.write() as s:
            result = s.execute(update(PrintJob).where(PrintJob.status == "sending")
                               .values(status="interrupted", attempts=PrintJob.attempts + 1,
                                       last_error="the kiosk stopped while this job was being sent"))
            n = result.rowcount or 0
            missed = s.execute(update(PrintJob).where(PrintJob.drawer == "relay").values(drawer="missed")).rowcount
        if missed:
            log.warning("%d cash sale(s) stored just before the kiosk stopped: the drawer relay was not pulsed "
                        "for them (see kiosk-admin printer queue); open the drawer by hand if needed", missed)
        if n:
            log.warning("%d print job(s) were interrupted by a restart; staff must reprint or discard them", n)
        return n

    def _set_status(self, job_id: int, new: str, allowed: tuple[str, ...]) -> None:
        with self.db.write() as s:
            job = s.get(PrintJob, job_id)
            if job is None:
                raise JobNotFound(f"no print job {job_id}")
            if job.status not in allowed:
                raise ValueError(f"print job {job_id} is {job.status}; only {', '.join(allowed)} jobs can be changed")
            job.status = new

    def retry(self, job_id: int) -> None:
        """Send an interrupted or cancelled job again (goes to the back of the line's order by id)."""
        self._set_status(job_id, "pending", ("interrupted", "cancelled"))
        self.notify(job_id)

    def cancel(self, job_id: int) -> None:
        self._set_status(job_id, "cancelled", ("pending", "interrupted"))

    def jobs(self, status: str | None = None, limit: int = 50) -> list[JobInfo]:
        stmt = select(PrintJob).order_by(PrintJob.id.desc()).limit(limit)
        if status:
            stmt = stmt.where(PrintJob.status == status)
        with self.db.read() as s:
            return [JobInfo(j.id, j.kind, j.sale_id, j.status, j.attempts, j.last_error, j.created_at,
                            len(j.payload), j.drawer) for j in s.scalars(stmt)]

    def payload(self, job_id: int) -> bytes:
        """The job's bytes (a sale's receipt not sent yet is laid out for the asking)."""
        with self.db.read() as s:
            job = s.get(PrintJob, job_id)
            if job is None:
                raise JobNotFound(f"no print job {job_id}")
            payload, kind, sale_id, drawer = job.payload, job.kind, job.sale_id, job.drawer
        if payload == LAID_OUT_WHEN_SENT and kind == "receipt" and sale_id is not None:
            return self._sale_receipt(sale_id, drawer)
        return payload

    def _sale_receipt(self, sale_id: int, drawer: str) -> bytes:
        if self.receipt_for is None:
            raise RuntimeError("this print queue was given no receipt_for: it cannot lay out a sale's receipt")
        return self.render(self.receipt_for(sale_id), open_drawer=drawer == "kick")

    def _keep(self, job_id: int, payload: bytes) -> None:
        """Keep a sale's receipt as laid out with its job (the shop's details or layout
        edited later do not change a ticket that failed to print). Never raises: not
        kept (a busy database), it is laid out again from the same sale next time."""
        try:
            with self.db.write() as s:
                s.execute(update(PrintJob).where(PrintJob.id == job_id, PrintJob.payload == LAID_OUT_WHEN_SENT)
                          .values(payload=payload))
        except Exception:  # noqa: BLE001 - the ticket is printed all the same
            log.warning("print job %s: its laid-out receipt was not kept", job_id, exc_info=True)

    def last_job_id(self, sale_id: int | None = None) -> int | None:
        stmt = select(PrintJob.id).order_by(PrintJob.id.desc()).limit(1)
        if sale_id is not None:
            stmt = stmt.where(PrintJob.sale_id == sale_id)
        with self.db.read() as s:
            return s.scalar(stmt)

    def flush(self) -> FlushResult:
        """Send pending jobs oldest first; stop at the first failure (order matters on
        paper). Safe to call from several threads or processes: a job is claimed in the
        database before it is sent, so only one sender ever sends it."""
        printed = 0
        error = problem = ""
        with self._flush_lock:
            with self.db.read() as s:
                pending = list(s.execute(select(PrintJob.id, PrintJob.attempts, PrintJob.kind)
                                         .where(PrintJob.status == "pending").order_by(PrintJob.id)))
            for job_id, attempts, kind in pending:
                with self.db.write() as s:
                    claimed = s.execute(update(PrintJob).where(PrintJob.id == job_id, PrintJob.status == "pending")
                                        .values(status="sending")).rowcount
                    row = s.execute(select(PrintJob.payload, PrintJob.sale_id, PrintJob.drawer)
                                    .where(PrintJob.id == job_id)).first() if claimed else None
                if row is None:
                    continue  # printed or cancelled meanwhile
                payload = row.payload
                if payload == LAID_OUT_WHEN_SENT and kind == "receipt" and row.sale_id is not None:
                    try:
                        payload = self._sale_receipt(row.sale_id, row.drawer)
                    except Exception as exc:  # noqa: BLE001 - the sale is stored; its ticket waits for staff
                        log.exception("print job %s: the receipt of sale id %s could not be laid out", job_id,
                                      row.sale_id)
                        with self.db.write() as s:
                            s.execute(update(PrintJob).where(PrintJob.id == job_id).values(
                                status="interrupted", attempts=PrintJob.attempts + 1,  # resent late: no kick
                                last_error=f"receipt not laid out: {exc}"[:200]))
                        continue  # the next tickets still print
                    self._keep(job_id, payload)
                if attempts and kind == "receipt":
                    payload = strip_drawer_kick(payload)
                try:
                    self.sender(payload)
                except PrinterError as exc:
                    error, problem = str(exc), exc.problem
                    if not isinstance(exc, NoPrinter) and error != self._last_logged:
                        log.warning("print job %s not printed: %s", job_id, exc)
                    self._last_logged = error
                    with self.db.write() as s:
                        s.execute(update(PrintJob).where(PrintJob.id == job_id)
                                  .values(status="pending", attempts=PrintJob.attempts + 1, last_error=error[:200]))
                    break
                except BaseException:
                    with self.db.write() as s:  # a bug, not the printer: keep the job for later
                        s.execute(update(PrintJob).where(PrintJob.id == job_id).values(status="pending"))
                    raise
                with self.db.write() as s:
                    s.execute(update(PrintJob).where(PrintJob.id == job_id)
                              .values(status="printed", printed_at=utcnow(), attempts=PrintJob.attempts + 1,
                                      last_error=""))
                printed += 1
                if self._last_logged:
                    log.info("printer back: job %s printed", job_id)
                    self._last_logged = ""
        return FlushResult(printed, self.pending_count(), error, problem)
