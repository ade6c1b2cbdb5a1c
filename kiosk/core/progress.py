"""Progress of long work (a CSV check or import, a picture import) shared between the
worker thread doing it and whoever watches it (a progress bar, a CLI line).

The worker calls ``stage()`` and ``advance()``; the watcher reads ``snapshot()`` and
may ``cancel()``. A cancelled worker stops at its next ``advance()`` (or ``check()``)
with ``Cancelled``. Work that has reached its point of no return (an import writing
the catalog) calls ``lock_in()``: from then on ``cancel()`` is refused, so the work
finishes and nothing is left half done.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from kiosk.core.errors import DomainError
from kiosk.i18n import N_


class Cancelled(DomainError):
    code = "cancelled"
    template = N_("Cancelled: nothing was changed.")


@dataclass(frozen=True)
class ProgressState:
    stage: str  # what the work is doing now (the worker's own stage names)
    done: int
    total: int  # 0: unknown
    cancellable: bool
    cancelled: bool

    @property
    def fraction(self) -> float:
        """0..1 of the current stage, 0 while the total is unknown."""
        return min(1.0, self.done / self.total) if self.total > 0 else 0.0


class Progress:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stage = ""
        self._done = 0
        self._total = 0
        self._cancelled = False
        self._locked_in = False

    # --- the worker's side -------------------------------------------------------------
    def stage(self, name: str, total: int = 0) -> None:
        self.check()
        with self._lock:
            self._stage, self._done, self._total = name, 0, total

    def advance(self, done: int, total: int | None = None) -> None:
        """``done`` units of the stage so far (absolute, not an increment)."""
        with self._lock:
            self._done = done
            if total is not None:
                self._total = total
        self.check()

    def check(self) -> None:
        if self._cancelled and not self._locked_in:
            raise Cancelled()

    def lock_in(self) -> None:
        """The point of no return: later cancels are refused. Raises Cancelled when a
        cancel came first."""
        with self._lock:
            if self._cancelled:
                raise Cancelled()
            self._locked_in = True

    # --- the watcher's side -------------------------------------------------------------
    def cancel(self) -> bool:
        """Ask the work to stop; False when it is past its point of no return."""
        with self._lock:
            if self._locked_in:
                return False
            self._cancelled = True
            return True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def snapshot(self) -> ProgressState:
        with self._lock:
            return ProgressState(self._stage, self._done, self._total, not self._locked_in, self._cancelled)


def no_progress() -> Progress:
    """A Progress nobody watches (callers that pass none)."""
    return Progress()
