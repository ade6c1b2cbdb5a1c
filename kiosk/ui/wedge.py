"""Keyboard-wedge barcode scanners type the code as a very fast burst of keystrokes
ending in Enter (or Tab). This detector tells such a burst from a person typing on a
keyboard; it is pure Python so it can be tested without a display.

Feed it every character and terminator with the time it arrived. Input is a scan
when any of these holds (``on_scan(raw)``; the caller cleans it with
``kiosk.core.scanning.read_code``):

- **timing**: at least ``min_length`` characters, each less than ``max_gap_s`` after
  the previous one, closed by a terminator just as fast;
- **content**: the characters typed since the last terminator, whatever their timing,
  form a code the shop knows or a valid retail code (``recognizes(text)``, asked when
  the terminator comes). A busy machine can deliver a burst in two frames half a
  second apart; what was already handed on as typing is then taken back
  (``on_retract(text)``) so it never stays in a search box;
- **framing**: the scanner is set to send a ``prefix`` (and maybe a ``suffix``)
  around every code: input starting with the prefix is held back, never typed, and
  ends at the suffix or the terminator.

Anything else is a person typing: the characters go to ``on_typed`` once they are
known not to be a scan (a pause longer than ``max_gap_s``; call ``poll`` from a
timer), and an Enter that is not a scan goes to ``on_enter``. Holding every typed
letter back for ``max_gap_s`` would make each keystroke of a search wait for it, so
with ``could_be_code(text)`` the text since the last terminator is handed on at once
when no code can begin with it (a word no barcode starts with); should a burst that
fast still end in a terminator, the timing rule takes it back (``on_retract``) and
reads it as a scan.
"""

from __future__ import annotations

import time
from collections.abc import Callable

MAX_GAP_S = 0.05
MIN_LENGTH = 4
TERMINATORS = ("\r", "\n", "\t")
PREFIX_HOLD_S = 1.0  # a prefix not followed by a code for this long was typed by a person


class WedgeDetector:
    def __init__(self, on_scan: Callable[[str], None], on_typed: Callable[[str], None] | None = None,
                 on_enter: Callable[[], None] | None = None, *, max_gap_s: float = MAX_GAP_S,
                 min_length: int = MIN_LENGTH, clock: Callable[[], float] = time.monotonic,
                 recognizes: Callable[[str], bool] | None = None,
                 on_retract: Callable[[str], None] | None = None, prefix: str = "", suffix: str = "",
                 could_be_code: Callable[[str], bool] | None = None):
        self.on_scan = on_scan
        self.on_typed = on_typed
        self.on_enter = on_enter
        self.on_retract = on_retract
        self.recognizes = recognizes
        self.could_be_code = could_be_code
        self.max_gap_s = max_gap_s
        self.min_length = min_length
        self.clock = clock
        self.prefix = prefix
        self.suffix = suffix
        self._buffer: list[str] = []  # held back: maybe a scan
        self._typed = ""  # handed on as typing since the last terminator
        self._last = 0.0
        self._fast = True  # every character since the last terminator came within max_gap_s

    @property
    def pending(self) -> bool:
        """Characters held back while it is not yet known whether they are a scan."""
        return bool(self._buffer)

    def _held(self) -> str:
        return "".join(self._buffer)

    def _framed(self, text: str) -> bool:
        """Held text the scanner's prefix has opened (or may be opening)."""
        if not self.prefix:
            return False
        return text.startswith(self.prefix) or (self.prefix.startswith(text) and not self._typed)

    def _flush_typed(self) -> None:
        if self._buffer:
            text = self._held()
            self._buffer.clear()
            self._typed += text
            if self.on_typed is not None:
                self.on_typed(text)

    def _scan(self, text: str) -> None:
        self._buffer.clear()
        self._typed = ""
        self._fast = True
        self.on_scan(text)

    def char(self, text: str, at: float | None = None) -> None:
        """One typed character (or a few, as some input layers deliver them)."""
        now = self.clock() if at is None else at
        held = self._held()
        if (held or self._typed) and now - self._last > self.max_gap_s:
            self._fast = False
        if held and now - self._last > self.max_gap_s and not self._framed(held):
            self._flush_typed()
        self._buffer.append(text)
        self._last = now
        held = self._held()
        if self.suffix and self._framed(held) and len(held) > len(self.prefix) and held.endswith(self.suffix):
            self._scan(held)  # prefix ... suffix: a whole scan without a terminator
        elif (self.could_be_code is not None and not self._framed(held)
              and not self.could_be_code(self._typed + held)):
            self._flush_typed()  # no code starts like this: typing, shown without waiting

    def terminator(self, at: float | None = None) -> bool:
        """Enter or Tab. Returns True when it closed a scan."""
        now = self.clock() if at is None else at
        held = self._held()
        whole = self._typed + held
        if held and self._framed(held) and len(held) > len(self.prefix):
            self._scan(held)
            return True
        if self.recognizes is not None and len(whole) >= self.min_length and self.recognizes(whole):
            if self._typed and self.on_retract is not None:
                self.on_retract(self._typed)
            self._scan(whole)
            return True
        if held and now - self._last <= self.max_gap_s and len(held) >= self.min_length:
            self._scan(held)
            return True
        if (self._typed and self._fast and now - self._last <= self.max_gap_s
                and len(whole) >= self.min_length):
            # A burst as fast as a scanner's that was handed on because no known code
            # starts like it (an unknown code): taken back and read as a scan after all.
            if self.on_retract is not None:
                self.on_retract(self._typed)
            self._scan(whole)
            return True
        self._flush_typed()
        self._typed = ""
        self._fast = True
        if self.on_enter is not None:
            self.on_enter()
        return False

    def poll(self, at: float | None = None) -> None:
        """Release held characters once the burst is over (call every few tens of ms)."""
        now = self.clock() if at is None else at
        held = self._held()
        if not held:
            return
        wait = PREFIX_HOLD_S if self._framed(held) else self.max_gap_s
        if now - self._last > wait:
            self._flush_typed()

    def backspace(self) -> None:
        """A person's Backspace: whatever was held back is typing after all."""
        self.poll(float("inf"))
        self._typed = self._typed[:-1]
        self._fast = False

    def feed(self, text: str, at: float | None = None) -> None:
        """Convenience for serial-like input: characters and terminators in one string."""
        for ch in text:
            if ch in TERMINATORS:
                self.terminator(at)
            else:
                self.char(ch, at)
