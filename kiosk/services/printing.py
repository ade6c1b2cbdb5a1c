"""The print queue: every job is stored in the database before it is sent, so a
printer that is off, out of paper or unplugged never loses a receipt. Jobs go out
in order; a job is marked printed only after the connection accepted all of it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select, update

from db.engine import Database
from db.models import PrintJob, utcnow
from hardware.escpos_receipt import ReceiptLayout, render_receipt
from hardware.printer_conn import NoPrinter, PrinterError
from kiosk.core.receipt import Receipt

log = logging.getLogger(__name__)

Sender = Callable[[bytes], None]


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


@dataclass(frozen=True)
class FlushResult:
    printed: int
    pending: int
    error: str = ""


class PrintQueue:
    def __init__(self, db: Database, sender: Sender, layout: ReceiptLayout = ReceiptLayout()):
        self.db = db
        self.sender = sender
        self.layout = layout
        self._flush_lock = threading.Lock()

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
            return job.id

    def enqueue_receipt(self, receipt: Receipt, sale_id: int | None = None, *, open_drawer: bool = False) -> int:
        return self.enqueue(self.render(receipt, open_drawer=open_drawer),
                            "copy" if receipt.copy else "receipt", sale_id)

    def pending_count(self) -> int:
        with self.db.read() as s:
            return s.scalar(select(func.count(PrintJob.id)).where(PrintJob.status == "pending")) or 0

    def jobs(self, status: str | None = None, limit: int = 50) -> list[JobInfo]:
        stmt = select(PrintJob).order_by(PrintJob.id.desc()).limit(limit)
        if status:
            stmt = stmt.where(PrintJob.status == status)
        with self.db.read() as s:
            return [JobInfo(j.id, j.kind, j.sale_id, j.status, j.attempts, j.last_error, j.created_at,
                            len(j.payload)) for j in s.scalars(stmt)]

    def payload(self, job_id: int) -> bytes:
        with self.db.read() as s:
            return s.get(PrintJob, job_id).payload

    def flush(self) -> FlushResult:
        """Send pending jobs oldest first; stop at the first failure (order matters on
        paper). Safe to call from several threads: one flush runs at a time."""
        printed = 0
        error = ""
        with self._flush_lock:
            with self.db.read() as s:
                pending = list(s.execute(select(PrintJob.id, PrintJob.payload)
                                         .where(PrintJob.status == "pending").order_by(PrintJob.id)))
            for job_id, payload in pending:
                try:
                    self.sender(payload)
                except PrinterError as exc:
                    error = str(exc)
                    if not isinstance(exc, NoPrinter):
                        log.warning("print job %s not printed: %s", job_id, exc)
                    with self.db.write() as s:
                        s.execute(update(PrintJob).where(PrintJob.id == job_id)
                                  .values(attempts=PrintJob.attempts + 1, last_error=error[:200]))
                    break
                with self.db.write() as s:
                    s.execute(update(PrintJob).where(PrintJob.id == job_id)
                              .values(status="printed", printed_at=utcnow(), attempts=PrintJob.attempts + 1,
                                      last_error=""))
                printed += 1
        return FlushResult(printed, self.pending_count(), error)
