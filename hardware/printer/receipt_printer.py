"""The receipt printer as the rest of the kiosk sees it: print a finished job, read
its status, kick the drawer. One connection per job; every use is serialised with a
lock, so the print thread, the status poll and a manual drawer kick never interleave.

A job goes out like this (``status_query`` on, or "auto" and the printer answers):

1. ``DLE EOT 1..4``: if the printer is out of paper, has its cover open, an error or
   is offline, nothing is sent (``PrinterNotReady``) and the job stays queued;
2. the whole job in one write;
3. ``DLE EOT 1`` again: the answer can only come after the printer has read every
   byte before it (one ordered stream), so it confirms delivery. No answer means the
   link died during the job: it is reported as not printed and sent again later.

Without status (``off``, a ``file`` connection, or a printer that never answers)
delivery is confirmed the way the link allows (TCP: the printer closes the
connection or acknowledges every byte). A printer that answers nonsense to DLE EOT
is used without status and the reason is kept in ``status_note``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from hardware.printer.connection import Link, LinkFactory, NoPrinter, PrinterError, open_link
from hardware.printer.status import QUERIES, PrinterStatus, StatusGarbled, parse_status, problem_text, query
from kiosk.printer_url import PrinterUrl, parse_printer_url

log = logging.getLogger(__name__)


class PrinterNotReady(PrinterError):
    """Reachable, but cannot print now (paper, cover, error, offline)."""

    def __init__(self, status: PrinterStatus, what: str = "job not sent"):
        self.status = status
        super().__init__(f"{what}: printer reports {status.describe()}", status.problem or "offline")


def kick_command(pin: int, on_ms: int, off_ms: int) -> bytes:
    """ESC p m t1 t2: pulse on drawer connector pin 2 (m=0) or 5 (m=1), times in 2 ms units."""
    if pin not in (2, 5):
        raise ValueError("drawer pin must be 2 or 5")
    t1 = max(1, min(255, round(on_ms / 2)))
    t2 = max(1, min(255, round(off_ms / 2)))
    return bytes([0x1B, 0x70, 0 if pin == 2 else 1, t1, t2])


def realtime_kick_command(pin: int, on_ms: int) -> bytes:
    """DLE DC4 1 m t: Epson's real-time pulse on pin 2 (m=0) or 5 (m=1), on and off
    for t x 100 ms (t 1..8). The printer runs it at once, also while it is offline
    because the paper ran out or the cover is open (ESC p then waits in its buffer)."""
    if pin not in (2, 5):
        raise ValueError("drawer pin must be 2 or 5")
    return bytes([0x10, 0x14, 1, 0 if pin == 2 else 1, max(1, min(8, round(on_ms / 100)))])


# Offline states in which the real-time pulse still opens the drawer.
REALTIME_KICK_PROBLEMS = frozenset({"paper_out", "cover_open"})
KICK_HEAD = 16  # a receipt's kick is written right after ESC @ and ESC t n


def kick_in_job(payload: bytes) -> tuple[int, int] | None:
    """(pin, on_ms) of the ESC p kick at the start of a receipt job, or None."""
    at = payload.find(b"\x1bp", 0, KICK_HEAD)
    if at >= 0 and len(payload) >= at + 5 and payload[at + 2] in (0, 1, 48, 49):
        return (2 if payload[at + 2] in (0, 48) else 5), payload[at + 3] * 2
    return None


@dataclass(frozen=True)
class PrintOutcome:
    confirmed_by: str  # "status" | "link"
    status: PrinterStatus | None


class ReceiptPrinter:
    def __init__(self, url: str | PrinterUrl, *, timeout: float = 5.0, status_query: str = "auto",
                 status_timeout: float = 1.0, link_factory: LinkFactory = open_link):
        self.url = parse_printer_url(url) if isinstance(url, str) else url
        self.timeout = timeout
        self.status_query = status_query
        self.status_timeout = min(status_timeout, timeout)
        self.link_factory = link_factory
        self._lock = threading.RLock()
        self.last_status: PrinterStatus | None = None
        self.status_note = ""  # why status is not used (garbled answer, no answer)
        self._status_works: bool | None = None  # learnt on the first query ("auto")
        self.realtime_kicks = 0  # drawer openings by DLE DC4 (paper out, cover open)

    @property
    def configured(self) -> bool:
        return self.url.scheme != "none"

    def __str__(self) -> str:
        return str(self.url)

    # --- status -------------------------------------------------------------------
    def _open(self) -> Link:
        if not self.configured:
            raise NoPrinter("no printer configured")
        return self.link_factory(self.url, self.timeout)

    def _wants_status(self, link: Link) -> bool:
        if self.status_query == "off":
            return False
        if not link.can_read:
            if self.status_query == "on":
                raise PrinterError(f"{link.name}: status_query = \"on\" needs a connection that can read "
                                   "(tcp, serial or usb)", "error")
            return False
        return self.status_query == "on" or self._status_works is not False

    def _read_status(self, link: Link) -> PrinterStatus | None:
        """Ask DLE EOT 1..4 on an open link. None when the printer gives no usable answer
        (then, in "auto", status is not asked again until the next reconnection)."""
        replies: dict[int, int] = {}
        for n in QUERIES:
            link.write(query(n))
            answer = link.read(1, self.status_timeout)
            if not answer:
                note = f"{link.name} did not answer DLE EOT {n} within {self.status_timeout:g} s"
                if self.status_query == "on":
                    raise PrinterError(note + ' (status_query = "on")', "error")
                self._no_status(note + "; printing without status")
                return None
            replies[n] = answer[0]
        try:
            status = parse_status(replies)
        except StatusGarbled as exc:
            link.discard_input()
            self._no_status(str(exc))
            return None
        self._status_works = True
        self.status_note = ""
        self.last_status = status
        return status

    def _no_status(self, note: str) -> None:
        if note != self.status_note:
            log.warning("%s", note)
        self._status_works = False
        self.status_note = note
        self.last_status = None

    def status(self) -> PrinterStatus | None:
        """Current status, or None when the printer/link has no real-time status.
        Raises PrinterError when the printer cannot be reached."""
        with self._lock:
            with self._open() as link:
                if self.status_query != "off" and link.can_read:
                    if self.status_query == "auto":
                        self._status_works = None  # ask again: the printer may have changed
                    return self._read_status(link)
                return None

    def reset_status_probe(self) -> None:
        """Forget that the printer did not answer (after a reconnection)."""
        self._status_works = None

    # --- printing -------------------------------------------------------------------
    def print_job(self, payload: bytes) -> PrintOutcome:
        """Deliver one whole job or raise PrinterError (nothing or part of it printed:
        the queue keeps it). The queue's sender."""
        with self._lock:
            with self._open() as link:
                status = self._read_status(link) if self._wants_status(link) else None
                if status is not None and status.problem:
                    kick = kick_in_job(payload)
                    if kick is not None and status.problem in REALTIME_KICK_PROBLEMS:
                        # A cash sale while the paper is out: the receipt waits in the
                        # queue (without its kick), the drawer opens now.
                        link.write(realtime_kick_command(*kick))
                        self.realtime_kicks += 1
                        log.info("drawer opened with the real-time pulse (%s); receipt queued", status.problem)
                    raise PrinterNotReady(status)
                link.write(payload)
                if status is not None:
                    link.write(query(1))
                    answer = link.read(1, self.timeout)
                    if not answer:
                        raise PrinterError(f"{link.name} did not confirm the job within {self.timeout:g} s")
                    return PrintOutcome("status", status)
                link.finish()
                return PrintOutcome("link", None)

    def __call__(self, payload: bytes) -> None:
        self.print_job(payload)

    def kick(self, pin: int = 2, on_ms: int = 100, off_ms: int = 100) -> None:
        """Open the drawer now (not queued: a drawer that opens minutes later is worse
        than one that does not open). Out of paper or with the cover open the printer is
        offline and would keep ESC p until it comes back, so Epson's real-time pulse
        (DLE DC4) opens it instead; any other offline state refuses the kick."""
        with self._lock:
            with self._open() as link:
                status = self._read_status(link) if self._wants_status(link) else None
                if status is not None and not status.online:
                    if status.problem not in REALTIME_KICK_PROBLEMS:
                        raise PrinterNotReady(status, "drawer not opened")
                    link.write(realtime_kick_command(pin, on_ms))
                    self.realtime_kicks += 1
                    return
                link.write(kick_command(pin, on_ms, off_ms))
                if status is None:
                    link.finish()

    def describe_problem(self, exc: PrinterError) -> str:
        return problem_text(exc.problem)
