"""Day and night palettes. Widgets bind to ``app.theme.<colour>`` in kv, so switching
the theme recolours every screen at once. Day is bright and high-contrast for a shop
floor in daylight; night is dark slate and blue, easy on the eyes after hours."""

from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.properties import ColorProperty, DictProperty, StringProperty
from kivy.utils import get_color_from_hex as hexc

PALETTES: dict[str, dict[str, str]] = {
    "day": {
        "bg": "#EEF2F6",
        "surface": "#FFFFFF",
        "surface_alt": "#E1E8EF",
        "bar": "#0D47A1",
        "bar_text": "#FFFFFF",
        "text": "#0B1220",
        "muted": "#46505E",
        "accent": "#1565C0",
        "accent_text": "#FFFFFF",
        "key": "#DCE3EA",
        "key_text": "#0B1220",
        "ok": "#1B7F3B",
        "ok_text": "#FFFFFF",
        "warn": "#B45309",
        "danger": "#C62828",
        "danger_text": "#FFFFFF",
        "selected": "#BBDEFB",
        "line": "#B8C2CC",
        "disabled": "#9AA5B1",
    },
    "night": {
        "bg": "#0F172A",
        "surface": "#1E293B",
        "surface_alt": "#273449",
        "bar": "#0B1326",
        "bar_text": "#E2E8F0",
        "text": "#E2E8F0",
        "muted": "#94A3B8",
        "accent": "#3B82F6",
        "accent_text": "#FFFFFF",
        "key": "#334155",
        "key_text": "#F1F5F9",
        "ok": "#16A34A",
        "ok_text": "#FFFFFF",
        "warn": "#F59E0B",
        "danger": "#EF4444",
        "danger_text": "#FFFFFF",
        "selected": "#1E3A8A",
        "line": "#475569",
        "disabled": "#475569",
    },
}


class Theme(EventDispatcher):
    name = StringProperty("day")
    bg = ColorProperty()
    surface = ColorProperty()
    surface_alt = ColorProperty()
    bar = ColorProperty()
    bar_text = ColorProperty()
    text = ColorProperty()
    muted = ColorProperty()
    accent = ColorProperty()
    accent_text = ColorProperty()
    key = ColorProperty()
    key_text = ColorProperty()
    ok = ColorProperty()
    ok_text = ColorProperty()
    warn = ColorProperty()
    danger = ColorProperty()
    danger_text = ColorProperty()
    selected = ColorProperty()
    line = ColorProperty()
    disabled = ColorProperty()
    # Button roles -> (background, text): one lookup that kv rules bind to.
    roles = DictProperty()

    def __init__(self, name: str = "day", **kwargs):
        super().__init__(**kwargs)
        self.apply(name)

    def apply(self, name: str) -> None:
        palette = PALETTES[name]
        for key, value in palette.items():
            setattr(self, key, hexc(value))
        c = {key: hexc(value) for key, value in palette.items()}
        self.roles = {
            "key": (c["key"], c["key_text"]),
            "plain": (c["surface_alt"], c["text"]),
            "accent": (c["accent"], c["accent_text"]),
            "ok": (c["ok"], c["ok_text"]),
            "danger": (c["danger"], c["danger_text"]),
            "bar": (c["bar"], c["bar_text"]),
            "warn": (c["warn"], c["ok_text"]),
        }
        self.name = name

    @property
    def is_night(self) -> bool:
        return self.name == "night"
