"""The print thread: sends queued jobs as soon as they are stored, retries with a
growing wait while the printer is failing, polls the printer's status when idle and
keeps the "printer" entry of the hardware registry up to date (the selling screen's
banner and the status LED come from it).

It owns no job: the queue (kiosk.services.printing.PrintQueue, in the database)
does, so a job survives any failure here, a restart included.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Protocol

from hardware.printer.receipt_printer import PrinterNotReady, ReceiptPrinter
from hardware.printer.connection import PrinterError
from hardware.printer.status import PrinterStatus, problem_text
from hardware.registry import DeviceState, Registry
from kiosk.i18n import ngettext

log = logging.getLogger(__name__)


class JobQueue(Protocol):
    def flush(self) -> Any: ...  # -> FlushResult(printed, pending, error, problem)
    def counts(self) -> dict[str, int]: ...
    def recover_interrupted(self) -> int: ...
    def add_listener(self, callback: Any) -> None: ...
    def remove_listener(self, callback: Any) -> None: ...


class PrintWorker:
    name = "printer"

    def __init__(self, queue: JobQueue, printer: ReceiptPrinter, registry: Registry, *,
                 retry_min_s: float = 2.0, retry_max_s: float = 60.0, poll_s: float = 30.0):
        self.queue = queue
        self.printer = printer
        self.registry = registry
        self.retry_min_s = retry_min_s
        self.retry_max_s = max(retry_min_s, retry_max_s)
        self.poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._backoff = 0.0
        registry.add(self.name, "printer", available=printer.configured,
                     last_error="" if printer.configured else "no printer configured",
                     info={"url": str(printer.url), "pending": 0, "interrupted": 0, "problem": ""})

    # --- life cycle ---------------------------------------------------------------------
    def start(self) -> None:
        interrupted = self.queue.recover_interrupted()
        self._update_counts()
        if interrupted:
            log.warning("%d print job(s) interrupted by the last stop", interrupted)
        if not self.printer.configured or self._thread is not None:
            return
        self.queue.add_listener(self._on_job)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="print-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self.queue.remove_listener(self._on_job)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def _on_job(self, _job_id: int) -> None:
        self._wake.set()

    # --- the loop ---------------------------------------------------------------------------
    def _run(self) -> None:
        next_poll = 0.0
        while not self._stop.is_set():
            try:
                counts = self._update_counts()
                if counts.get("pending"):
                    self._flush()
                    next_poll = time.monotonic() + self.poll_s
                elif (self.poll_s and time.monotonic() >= next_poll) or self._backoff:
                    self.check()
                    next_poll = time.monotonic() + self.poll_s
            except Exception as exc:  # noqa: BLE001 - the thread must survive anything (a DB lock, a bug)
                log.exception("print worker")
                self._fail(f"print worker: {exc}", "error")
            if self._backoff:
                wait = self._backoff
            elif self.poll_s:
                wait = max(0.05, next_poll - time.monotonic())
            else:
                wait = None
            self._wake.wait(wait)
            self._wake.clear()

    def _flush(self) -> None:
        result = self.queue.flush()
        counts = self._update_counts()
        if result.error:
            self._fail(result.error, result.problem or "unreachable")
        else:
            self._ok(self.printer.last_status, event=ngettext("printed {n} ticket", "printed {n} tickets", result.printed).format(n=result.printed)
                     if result.printed else "")
            if counts.get("pending"):
                self._wake.set()  # jobs arrived while flushing

    def check(self) -> DeviceState:
        """Ask the printer's status now (the status poll, the Hardware screen, selftest)."""
        try:
            status = self.printer.status()
        except PrinterError as exc:
            return self._fail(str(exc), exc.problem)
        if status is not None and status.problem:
            return self._fail(str(PrinterNotReady(status, "cannot print")), status.problem, status)
        return self._ok(status)

    # --- registry -------------------------------------------------------------------------
    def _update_counts(self) -> dict[str, int]:
        counts = self.queue.counts()
        self.registry.update(self.name, info={"pending": counts.get("pending", 0) + counts.get("sending", 0),
                                              "interrupted": counts.get("interrupted", 0)})
        return counts

    def _status_info(self, status: PrinterStatus | None) -> dict[str, Any]:
        if status is None:
            return {"status": "", "paper": "", "drawer_pin3": None, "status_note": self.printer.status_note}
        return {"status": status.describe(), "paper": status.paper, "drawer_pin3": status.drawer_pin3,
                "status_note": self.printer.status_note}

    def _ok(self, status: PrinterStatus | None, event: str = "") -> DeviceState:
        was_failing = self._backoff > 0
        self._backoff = 0.0
        warning = status.warning if status is not None else None
        changes: dict[str, Any] = {"connected": True, "last_error": "",
                                   "info": {"problem": "", "warning": warning or "", **self._status_info(status)}}
        if event:
            changes["last_event"] = event
        elif was_failing:
            changes["last_event"] = "printer back"
        if was_failing:
            log.info("printer %s is back", self.printer)
        return self.registry.update(self.name, **changes)

    def _fail(self, error: str, problem: str, status: PrinterStatus | None = None) -> DeviceState:
        self._backoff = min(self.retry_max_s, self._backoff * 2) if self._backoff else self.retry_min_s
        if problem == "unreachable":
            self.printer.reset_status_probe()
        status = status or (self.printer.last_status if problem != "unreachable" else None)
        return self.registry.update(self.name, connected=problem not in ("unreachable", "no_printer"),
                                    last_error=error,
                                    info={"problem": problem, "problem_text": problem_text(problem, "en"),
                                          **self._status_info(status)})
