"""Long writers out of the till's way: big work (a CSV import, a large stock count)
is written in short write transactions, each sized so it holds SQLite's write lock
for about ``hold_s``, with a pause of ``pause_s`` after each one.

Why both: a sale waiting for the lock polls it (SQLite's busy handler sleeps 1, 2, 5,
10, 15, 20, 25, 25, 25, 50, 50, 100 ms ...), so it gets in only when a poll lands in
a moment the lock is free. Transactions of ~100 ms with 25 ms gaps let a waiting
sale in within about 130 ms (a simulation of that poll schedule and the measured
``sale_during_import_max_ms`` agree); back-to-back transactions could starve it.
A waiter polls at most 25 ms apart during its first 128 ms, so gaps of 25 ms after
transactions of at most ~100 ms always let it in on one of those polls.

Sizing is by time, not by a fixed number of rows, so a Raspberry Pi (3-4x slower
than a desktop) simply writes fewer rows per transaction and holds the lock no
longer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

HOLD_S = 0.1
PAUSE_S = 0.025


@dataclass
class Pacer:
    hold_s: float = HOLD_S
    pause_s: float = PAUSE_S
    size: int = 200  # rows in the next transaction
    smallest: int = 10
    largest: int = 20_000
    steps: int = 0
    longest_s: float = 0.0

    first: int = 200
    _rates: list[float] = field(default_factory=list)  # rows per second of the last steps

    def restart(self) -> None:
        """New kind of work (the cost per row changes): start small again."""
        self.size = self.first
        self._rates = []

    def held(self, rows: int, seconds: float) -> None:
        """A transaction of ``rows`` held the lock ``seconds``: size the next one from
        the median rate of the last three (one step slowed by the scheduler, or
        sped up by a warm cache, does not swing the size), growing at most 2x a step."""
        self.steps += 1
        self.longest_s = max(self.longest_s, seconds)
        if rows <= 0:
            return
        self._rates = (self._rates + [rows / max(seconds, 1e-4)])[-3:]
        rate = sorted(self._rates)[len(self._rates) // 2]
        self.size = max(self.smallest, min(self.largest, int(rate * self.hold_s), self.size * 2))

    def pause(self, already: float = 0.0) -> None:
        """Leave the lock free for ``pause_s`` (``already`` spent on lock-free work,
        such as folding the WAL back, counts)."""
        if already < self.pause_s:
            time.sleep(self.pause_s - already)
