"""The arithmetic of the manager's *Resumen* (pure: no Kivy, no database)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class DayFigures:
    count: int
    total: int  # minor units

    @classmethod
    def of(cls, totals: Iterable[int]) -> DayFigures:
        values = list(totals)
        return cls(len(values), sum(values))

    @property
    def average(self) -> int:
        return (self.total + self.count // 2) // self.count if self.count else 0


def hour_buckets(rows: Iterable[tuple[int, int]]) -> list[int]:
    """24 totals, one per local hour, from (hour, amount) rows."""
    out = [0] * 24
    for hour, amount in rows:
        out[hour] += amount
    return out


def change_percent(now: int, before: int) -> int | None:
    """now against before, in whole percent (rounded half away from zero); None when
    there is nothing to compare with."""
    if before <= 0:
        return None
    diff = (now - before) * 100
    q, r = divmod(abs(diff), before)
    q += 1 if 2 * r >= before else 0
    return q if diff >= 0 else -q


def busy_hours(*series: list[int]) -> range:
    """The hours worth drawing: from the first to the last hour with sales in any
    series, at least 8:00-20:00."""
    used = [h for s in series for h, v in enumerate(s) if v]
    first = min([8, *used])
    last = max([20, *used])
    return range(first, last + 1)
