"""Per-device preferences kept in the ``settings`` table (the day/night theme, ...).
They belong to this till, not to the shop's configuration file, so a cashier can
change them from the touchscreen and they survive restarts."""

from __future__ import annotations

from db.engine import Database
from db.models import Setting

THEME_KEY = "ui.theme"
THEMES = ("day", "night")


class PreferenceService:
    def __init__(self, db: Database):
        self.db = db

    def get(self, key: str, default: str | None = None) -> str | None:
        with self.db.read() as s:
            row = s.get(Setting, key)
            return row.value if row is not None else default

    def set(self, key: str, value: str) -> None:
        with self.db.write() as s:
            s.merge(Setting(key=key, value=value))

    def theme(self, default: str = "day") -> str:
        value = self.get(THEME_KEY, default)
        return value if value in THEMES else default

    def set_theme(self, theme: str) -> None:
        if theme not in THEMES:
            raise ValueError(f"unknown theme {theme!r}; expected one of {THEMES}")
        self.set(THEME_KEY, theme)
