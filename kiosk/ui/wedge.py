"""Keyboard-wedge barcode scanners type the code as a very fast burst of keystrokes
ending in Enter (or Tab). This detector tells such a burst from a person typing on a
keyboard by timing alone; it is pure Python so it can be tested without a display.

Feed it every character and terminator with the time it arrived:
- a burst of at least ``min_length`` characters, each less than ``max_gap_s`` after
  the previous one, closed by a terminator just as fast, is a scan: ``on_scan(code)``;
- anything else is a person typing: the characters go to ``on_typed`` once they are
  known not to be a scan (a pause longer than ``max_gap_s``; call ``poll`` from a
  timer), and a slow Enter goes to ``on_enter``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

MAX_GAP_S = 0.05
MIN_LENGTH = 4
TERMINATORS = ("\r", "\n", "\t")


class WedgeDetector:
    def __init__(self, on_scan: Callable[[str], None], on_typed: Callable[[str], None] | None = None,
                 on_enter: Callable[[], None] | None = None, *, max_gap_s: float = MAX_GAP_S,
                 min_length: int = MIN_LENGTH, clock: Callable[[], float] = time.monotonic):
        self.on_scan = on_scan
        self.on_typed = on_typed
        self.on_enter = on_enter
        self.max_gap_s = max_gap_s
        self.min_length = min_length
        self.clock = clock
        self._buffer: list[str] = []
        self._last = 0.0

    @property
    def pending(self) -> bool:
        """Characters held back while it is not yet known whether they are a scan."""
        return bool(self._buffer)

    def _flush_typed(self) -> None:
        if self._buffer:
            text = "".join(self._buffer)
            self._buffer.clear()
            if self.on_typed is not None:
                self.on_typed(text)

    def char(self, text: str, at: float | None = None) -> None:
        """One typed character (or a few, as some input layers deliver them)."""
        now = self.clock() if at is None else at
        if self._buffer and now - self._last > self.max_gap_s:
            self._flush_typed()
        self._buffer.append(text)
        self._last = now

    def terminator(self, at: float | None = None) -> bool:
        """Enter or Tab. Returns True when it closed a scan."""
        now = self.clock() if at is None else at
        if (self._buffer and now - self._last <= self.max_gap_s
                and len("".join(self._buffer)) >= self.min_length):
            code = "".join(self._buffer)
            self._buffer.clear()
            self.on_scan(code)
            return True
        self._flush_typed()
        if self.on_enter is not None:
            self.on_enter()
        return False

    def poll(self, at: float | None = None) -> None:
        """Release held characters once the burst is over (call every few tens of ms)."""
        now = self.clock() if at is None else at
        if self._buffer and now - self._last > self.max_gap_s:
            self._flush_typed()

    def feed(self, text: str, at: float | None = None) -> None:
        """Convenience for serial-like input: characters and terminators in one string."""
        for ch in text:
            if ch in TERMINATORS:
                self.terminator(at)
            else:
                self.char(ch, at)
