"""Per-device preferences kept in the ``settings`` table (the day/night theme, ...).
They belong to this till, not to the shop's configuration file, so a cashier can
change them from the touchscreen and they survive restarts."""

from __future__ import annotations

import logging
import time

from db.engine import Database, is_busy
from db.models import Setting

log = logging.getLogger(__name__)

THEME_KEY = "ui.theme"
THEMES = ("day", "night")


class PreferenceService:
    def __init__(self, db: Database, *, busy_timeout_s: float = 60.0, retry_s: float = 0.25):
        self.db = db
        self.busy_timeout_s = busy_timeout_s
        self.retry_s = retry_s

    def get(self, key: str, default: str | None = None) -> str | None:
        with self.db.read() as s:
            row = s.get(Setting, key)
            return row.value if row is not None else default

    def set(self, key: str, value: str) -> None:
        """Store a preference. Another writer holding the database (an import, a backup)
        is waited for, up to ``busy_timeout_s``: call this off the UI thread."""
        deadline = time.monotonic() + self.busy_timeout_s
        while True:
            try:
                with self.db.write() as s:
                    s.merge(Setting(key=key, value=value))
                return
            except Exception as exc:
                if not is_busy(exc) or time.monotonic() >= deadline:
                    raise
                log.info("preference %s: database busy, trying again", key)
                time.sleep(self.retry_s)

    def theme(self, default: str = "day") -> str:
        value = self.get(THEME_KEY, default)
        return value if value in THEMES else default

    def set_theme(self, theme: str) -> None:
        if theme not in THEMES:
            raise ValueError(f"unknown theme {theme!r}; expected one of {THEMES}")
        self.set(THEME_KEY, theme)
