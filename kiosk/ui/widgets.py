"""Touch widgets shared by every screen: themed buttons and labels, the numeric
keypad, the on-screen text keyboard, the top bar and the message strip. Layout and
colours are in widgets.kv; sizes scale with ``app.k`` so a 48 px target at 800x480
grows on larger screens."""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label

from kiosk.i18n import decimal_mark

# Roboto (the default font) lacks arrows, dots and the backspace sign; Kivy also
# ships DejaVu Sans, which has them.
SYMBOLS = "data/fonts/DejaVuSans.ttf"

ROLES = ["key", "plain", "accent", "ok", "danger", "bar", "warn"]


class PinEntry:
    """The PIN keypad's rules, shared by the lock screen and the manager-PIN dialogs:
    digits up to the configured length, back, ok. The class provides ``pin`` and
    ``error_text`` properties and ``submit()``; ``pin_blocked()`` pauses the keypad
    (a throttle wait, a drawer still opening)."""

    def pin_blocked(self) -> bool:
        return False

    def press(self, key: str) -> None:
        if self.pin_blocked():
            return
        if key.isdigit():
            if len(self.pin) < App.get_running_app().settings.security.pin_max_length:
                self.pin += key
            self.error_text = ""
        elif key == "back":
            self.pin = self.pin[:-1]
        elif key == "ok":
            self.submit()


class SearchInput:
    """The on-screen search box's edits, shared by the selling screen and the staff
    product list: the class provides ``query``, ``keyboard_open`` and a
    ``_search_trigger`` that runs the search once per frame."""

    def open_keyboard(self) -> None:
        self.keyboard_open = True

    def close_keyboard(self) -> None:
        self.keyboard_open = False

    def type_text(self, text: str) -> None:
        self.query += text
        self._search_trigger()

    def backspace(self) -> None:
        self.query = self.query[:-1]
        self._search_trigger()

    def untype(self, text: str) -> None:
        """A scanner's code that reached the box as typing is taken out again."""
        if text and self.query.endswith(text):
            self.query = self.query[:-len(text)]
            self._search_trigger()

    def clear_search(self) -> None:
        if self.query:
            self.query = ""
            self._search_trigger()


class KLabel(Label):
    """Themed label; text is clipped with an ellipsis instead of spilling over."""


class KButton(ButtonBehavior, Label):
    role = OptionProperty("key", options=ROLES)
    bg_rgba = ColorProperty([0.5, 0.5, 0.5, 1])
    fg_rgba = ColorProperty([1, 1, 1, 1])


class KToggle(ToggleButtonBehavior, KButton):
    off_role = OptionProperty("key", options=ROLES)
    value = StringProperty("")  # what the toggle stands for (category id, method, ...)


class Keypad(GridLayout):
    """3x4 keypad. Keys: "0".."9", and the two bottom corners (``left_key`` and
    ``right_key``: "dec", "00", "back", "ok", "clear" or "" for none)."""

    __events__ = ("on_key",)
    left_key = StringProperty("dec")
    right_key = StringProperty("back")
    ok_enabled = BooleanProperty(True)

    def press(self, key: str) -> None:
        if key:
            self.dispatch("on_key", key)

    def on_key(self, key: str) -> None:
        pass


KEY_LABELS = {"00": "00", "back": "\u232b", "clear": "C", "ok": "OK", "": ""}


def key_label(key: str) -> str:
    """What a keypad's special key shows; the decimal key follows the locale."""
    return decimal_mark() if key == "dec" else KEY_LABELS[key]


LETTER_ROWS = ["qwertyuiop", "asdfghjklñ", "zxcvbnm"]
DIGIT_ROWS = ["1234567890", "-/.,&%()#+", "áéíóúü'\""]


class DeafWhenDisabled:
    """For containers hidden by shrinking them to nothing and disabling them: Kivy
    lets a disabled widget swallow touches on its own area, and buttons keep their
    minimum size in a collapsed box, so a hidden keyboard could eat taps meant for
    what is drawn over it. A disabled container of this kind ignores touches."""

    def on_touch_down(self, touch):  # noqa: ANN001, ANN201
        return False if self.disabled else super().on_touch_down(touch)

    def on_touch_move(self, touch):  # noqa: ANN001, ANN201
        return False if self.disabled else super().on_touch_move(touch)

    def on_touch_up(self, touch):  # noqa: ANN001, ANN201
        return False if self.disabled else super().on_touch_up(touch)


class TextKeyboard(DeafWhenDisabled, BoxLayout):
    """On-screen keyboard for text fields (search, product names). Emits ``on_text``
    for a character, ``on_backspace``, ``on_clear`` and ``on_close``. With
    ``show_shift`` a shift key appears: "once" capitalises the next letter, "lock"
    every letter (the search box has no shift and types lower case)."""

    __events__ = ("on_text", "on_backspace", "on_clear", "on_close")
    digits = BooleanProperty(False)
    rows = ListProperty(LETTER_ROWS)
    show_shift = BooleanProperty(False)
    shift = OptionProperty("off", options=["off", "once", "lock"])

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        Clock.schedule_once(lambda dt: self._build_rows(), 0)
        self.bind(digits=lambda *a: self._build_rows())

    def _build_rows(self) -> None:
        grid = self.ids.get("letters")
        if grid is None:
            return
        grid.clear_widgets()
        for row in DIGIT_ROWS if self.digits else LETTER_ROWS:
            line = BoxLayout(spacing=grid.spacing)
            for ch in row:
                btn = KButton(text=ch.upper() if ch.isalpha() else ch, role="key")
                btn.bind(on_release=lambda b, c=ch: self.type(c))
                line.add_widget(btn)
            if len(row) < 10:
                back = KButton(text="\u232b", role="plain", size_hint_x=10 - len(row) + 0.0,
                               font_name=SYMBOLS)
                back.bind(on_release=lambda b: self.dispatch("on_backspace"))
                line.add_widget(back)
            grid.add_widget(line)

    def type(self, ch: str) -> None:
        if self.shift != "off" and ch.isalpha():
            ch = ch.upper()
            if self.shift == "once":
                self.shift = "off"
        self.dispatch("on_text", ch)

    def next_shift(self) -> None:
        """The shift key: off -> once -> lock -> off."""
        self.shift = {"off": "once", "once": "lock", "lock": "off"}[self.shift]

    def on_text(self, text: str) -> None:
        pass

    def on_backspace(self) -> None:
        pass

    def on_clear(self) -> None:
        pass

    def on_close(self) -> None:
        pass


class BadgeButton(KButton):
    """A button with a count in a red circle on its corner (empty: no badge)."""

    badge = StringProperty("")


class MessageStrip(BoxLayout):
    """One line of feedback under the top bar: info, warning or error; hides itself
    after ``seconds`` (0: stays)."""

    text = StringProperty("")
    level = OptionProperty("info", options=["info", "ok", "warn", "error"])
    shown = NumericProperty(0)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._hide = None

    def show(self, text: str, level: str = "info", seconds: float = 6) -> None:
        self.text = text
        self.level = level
        self.shown = 1
        if self._hide is not None:
            self._hide.cancel()
            self._hide = None
        if seconds:
            self._hide = Clock.schedule_once(lambda dt: self.hide(), seconds)

    def hide(self) -> None:
        self.shown = 0
        self.text = ""
        if self._hide is not None:
            self._hide.cancel()
            self._hide = None


class TopBar(BoxLayout):
    title = StringProperty("")
    show_back = BooleanProperty(False)
    show_history = BooleanProperty(False)
    show_admin = BooleanProperty(False)  # the staff menu entry (selling screen)
    show_drawer = BooleanProperty(False)  # "Abrir cajón" (and, for managers, "Hardware")
    compact = BooleanProperty(False)  # narrow screen: fewer, shorter buttons (see widgets.kv)
    __events__ = ("on_back",)

    def on_back(self) -> None:
        pass
