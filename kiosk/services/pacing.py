"""Long writers out of the till's way: big work (a CSV import, a large stock count)
is written in short write transactions, each sized so it holds SQLite's write lock
for about ``hold_s``, with a pause of ``pause_s`` after each one.

Why both: a sale waiting for the lock polls it (SQLite's busy handler sleeps 1, 2, 5,
10, 15, 20, 25, 25, 25, 50, 50, 100 ms ...), so it gets in only when a poll lands in
a moment the lock is free. Transactions of ~80 ms with 30 ms gaps let a waiting sale
in within about 100 ms (a simulation of that poll schedule and the measured
``sale_during_import_max_ms`` agree); back-to-back transactions could starve it.

Sizing is by time, not by a fixed number of rows, so a Raspberry Pi (3-4x slower
than a desktop) simply writes fewer rows per transaction and holds the lock no
longer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

HOLD_S = 0.08
PAUSE_S = 0.03


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

    def restart(self) -> None:
        """New kind of work (the cost per row changes): start small again."""
        self.size = self.first

    def held(self, rows: int, seconds: float) -> None:
        """A transaction of ``rows`` held the lock ``seconds``: size the next one."""
        self.steps += 1
        self.longest_s = max(self.longest_s, seconds)
        if rows <= 0:
            return
        rate = rows / max(seconds, 1e-4)
        wanted = int(rate * self.hold_s)
        # Grow at most 2x a step (a fast first step is often cache luck), shrink at once.
        self.size = max(self.smallest, min(self.largest, wanted, self.size * 2))

    def pause(self) -> None:
        time.sleep(self.pause_s)
