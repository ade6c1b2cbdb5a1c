"""Long work off Kivy's main thread, with a progress bar and *Cancelar*.

``BackgroundTask`` runs ``work(progress)`` in a worker thread. The main thread polls
the shared ``Progress`` with a Clock interval (so a burst of progress reports costs
nothing) and gets the result or the error back through ``Clock.schedule_once``.
``ProgressStrip`` is the bar a screen shows meanwhile: what is being done, how far,
and a *Cancelar* button that is disabled once the work is past its point of no
return (an import writing the catalog finishes; see kiosk.core.progress).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.core.errors import DomainError
from kiosk.core.progress import Progress, ProgressState

log = logging.getLogger(__name__)


class BackgroundTask:
    def __init__(self, work: Callable[[Progress], Any], *, on_done: Callable[[Any], None],
                 on_error: Callable[[Exception], None], on_progress: Callable[[ProgressState], None] | None = None,
                 interval: float = 0.1, name: str = "ui-task"):
        self.progress = Progress()
        self._work = work
        self._on_done = on_done
        self._on_error = on_error
        self._on_progress = on_progress
        self._interval = interval
        self._name = name
        self._thread: threading.Thread | None = None
        self._poll = None
        self._ended = False
        self.abandoned = False  # the screen went away: results are dropped

    def start(self) -> BackgroundTask:
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        if self._on_progress is not None:
            self._poll = Clock.schedule_interval(lambda dt: self._report(), self._interval)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            result = self._work(self.progress)
        except Exception as exc:  # noqa: BLE001 - handed to the screen, which shows it
            if not isinstance(exc, DomainError):
                log.exception("%s failed", self._name)
            Clock.schedule_once(lambda dt, exc=exc: self._finish(self._on_error, exc))
            return
        Clock.schedule_once(lambda dt: self._finish(self._on_done, result))

    def _report(self) -> None:
        if not self._ended and not self.abandoned and self._on_progress is not None:
            self._on_progress(self.progress.snapshot())

    def _finish(self, callback: Callable[[Any], None], value: Any) -> None:
        self._ended = True
        if self._poll is not None:
            self._poll.cancel()
        if not self.abandoned:
            callback(value)

    @property
    def running(self) -> bool:
        return not self._ended

    def cancel(self) -> bool:
        """Ask the work to stop; False when it is past its point of no return."""
        return self.progress.cancel()

    def abandon(self) -> None:
        """Stop reporting to the caller (which is going away); cancel if still allowed."""
        self.abandoned = True
        self.progress.cancel()
        if self._poll is not None:
            self._poll.cancel()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)


class ProgressStrip(BoxLayout):
    """What is being done, a bar, and Cancelar. ``fraction`` 0..1."""

    __events__ = ("on_cancel",)
    text = StringProperty("")
    fraction = NumericProperty(0.0)
    can_cancel = BooleanProperty(True)
    cancelling = BooleanProperty(False)
    draws = NumericProperty(0)  # bumped on each update (tests see the bar move)

    def show(self, text: str, fraction: float, can_cancel: bool) -> None:
        self.text = text
        self.fraction = max(0.0, min(1.0, fraction))
        self.can_cancel = can_cancel and not self.cancelling
        self.draws += 1

    def reset(self) -> None:
        self.text, self.fraction, self.can_cancel, self.cancelling = "", 0.0, True, False

    def tapped_cancel(self) -> None:
        self.cancelling = True
        self.can_cancel = False
        self.dispatch("on_cancel")

    def on_cancel(self) -> None:
        pass
