"""A count of the drawer by denomination as the touchscreen edits it (big + and -,
or the count typed on the keypad for the selected note or coin). Pure and immutable:
every key gives a new DrawerCount."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

MAX_DIGITS = 4  # 9,999 of one note or coin is more than any drawer holds


@dataclass(frozen=True)
class DrawerCount:
    values: tuple[int, ...]  # denominations, minor units, largest first
    counts: tuple[int, ...] = field(default=())
    selected: int | None = None  # the value the keypad types into

    def __post_init__(self) -> None:
        if len(self.counts) != len(self.values):
            object.__setattr__(self, "counts", tuple(0 for _ in self.values))

    def count(self, value: int) -> int:
        return self.counts[self.values.index(value)]

    @property
    def total(self) -> int:
        return sum(v * n for v, n in zip(self.values, self.counts))

    @property
    def is_empty(self) -> bool:
        return not any(self.counts)

    def as_dict(self) -> dict[int, int]:
        """value -> how many, the notes and coins counted (for TillSessions)."""
        return {v: n for v, n in zip(self.values, self.counts) if n}

    def _set(self, value: int, n: int) -> DrawerCount:
        i = self.values.index(value)
        counts = list(self.counts)
        counts[i] = max(0, min(n, 10 ** MAX_DIGITS - 1))
        return replace(self, counts=tuple(counts))

    def plus(self, value: int) -> DrawerCount:
        return self._set(value, self.count(value) + 1)

    def minus(self, value: int) -> DrawerCount:
        return self._set(value, self.count(value) - 1)

    def select(self, value: int | None) -> DrawerCount:
        return replace(self, selected=value)

    def press(self, key: str) -> DrawerCount:
        """A keypad key for the selected value: a digit, "back" or "clear"."""
        if self.selected is None:
            return self
        n = self.count(self.selected)
        if key == "clear":
            return self._set(self.selected, 0)
        if key == "back":
            return self._set(self.selected, n // 10)
        if key.isdigit():
            text = (str(n) if n else "") + key
            if len(text) > MAX_DIGITS:
                return self
            return self._set(self.selected, int(text))
        return self

    def cleared(self) -> DrawerCount:
        return DrawerCount(self.values)
