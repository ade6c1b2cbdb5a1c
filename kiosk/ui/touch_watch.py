"""Keeps the touchscreen readable when it appears late or is unplugged and plugged back.

Kivy reads the touchscreen (``hidinput`` or ``mtdev``, see the Kivy configuration the
installer writes) in one thread per provider. That thread opens the device once: if
the node is not there yet at start-up (a USB touchscreen that enumerates after the
kiosk, a loose cable) or the device goes away, the thread dies and no touch ever
arrives again, while the service still reports ready and pings the watchdog. So the
UI loop looks at the readers every few seconds: a reader whose thread is dead is
started again as soon as its device node exists (Kivy's ``start()`` opens it
afresh), and the state is reported — the Hardware screen's "Touchscreen" row,
``hardware.json`` and systemd's status line — instead of a screen that silently stops
answering.

What can be tested without a touchscreen (tests/ui/test_touch_watch.py): a reader
whose device is missing is noticed and reported, a replugged node is reopened, and a
node that is not a touchscreen is retried with a growing pause. That real touches flow
again after a replug is checked on a Pi with a USB touchscreen (docs/technician.md).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)

CHECK_S = 2.0  # how often the readers are looked at (UI loop)
RETRY_MAX_S = 30.0


@dataclass
class ReaderState:
    device: str
    ok: bool
    problem: str = ""  # "" | "missing" | "unreadable"
    reopened: int = 0


class TouchWatch:
    """``check()`` (on the UI loop) restarts dead touchscreen readers; ``report(state)``
    hears of every change."""

    def __init__(self, providers: Callable[[], Iterable[object]], report: Callable[[ReaderState], None], *,
                 exists: Callable[[str], bool] = os.path.exists, clock: Callable[[], float] = time.monotonic):
        self.providers = providers
        self.report = report
        self.exists = exists
        self.clock = clock
        self.states: dict[str, ReaderState] = {}
        self._next_try: dict[str, float] = {}
        self._pause: dict[str, float] = {}

    @staticmethod
    def readers(providers: Iterable[object]) -> list[object]:
        """The providers that read a device in a thread of their own (hidinput, mtdev)."""
        return [p for p in providers if getattr(p, "input_fn", None) and hasattr(p, "start")]

    def check(self) -> list[ReaderState]:
        now = self.clock()
        for provider in self.readers(self.providers()):
            device = str(provider.input_fn)
            thread = getattr(provider, "thread", None)
            alive = thread is not None and thread.is_alive()
            state = self.states.get(device)
            if alive:
                if state is None or not state.ok:
                    self._set(ReaderState(device, True, "", state.reopened if state else 0))
                    self._pause.pop(device, None)
                continue
            present = self.exists(device)
            problem = "unreadable" if present else "missing"
            if state is None or state.ok or state.problem != problem:
                log.warning("touchscreen reader for %s stopped (%s); reopening when possible", device,
                            "device missing" if problem == "missing" else "cannot be read")
                self._set(ReaderState(device, False, problem, state.reopened if state else 0))
            if present and now >= self._next_try.get(device, 0.0):
                pause = min(RETRY_MAX_S, self._pause.get(device, CHECK_S / 2) * 2)
                self._pause[device] = pause
                self._next_try[device] = now + pause
                log.info("touchscreen %s is there: starting its reader again", device)
                try:
                    provider.start()  # a new thread that opens the device afresh
                except Exception:  # noqa: BLE001 - the next check tries again
                    log.exception("touchscreen reader for %s could not be started", device)
                self.states[device].reopened += 1
        return list(self.states.values())

    def _set(self, state: ReaderState) -> None:
        self.states[state.device] = state
        try:
            self.report(state)
        except Exception:  # noqa: BLE001 - reporting must never stop the watch
            log.exception("touchscreen report failed")
