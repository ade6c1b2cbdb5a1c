"""Touch widgets shared by every screen: themed buttons and labels, the numeric
keypad, the on-screen text keyboard, the top bar and the message strip. Layout and
colours are in widgets.kv; sizes scale with ``app.k`` so a 48 px target at 800x480
grows on larger screens."""

from __future__ import annotations

from collections.abc import Callable

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
from kiosk.ui.shell import running_shell

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
        if key in "0123456789" and len(key) == 1:  # ASCII only: isdigit() takes full-width digits too
            if len(self.pin) < running_shell().settings.security.pin_max_length:
                self.pin += key
            self.error_text = ""
        elif key == "back":
            self.pin = self.pin[:-1]
        elif key == "ok":
            self.submit()

    # A physical keyboard (optional) on a PIN screen: digits, Enter and Backspace.
    def on_typed(self, text: str) -> None:
        for ch in text:
            self.press(ch)

    def on_enter_key(self) -> None:
        self.press("ok")

    def on_backspace_key(self) -> None:
        self.press("back")


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
    inset = NumericProperty(0)  # px between the touch area and the face drawn (the face is what people aim at)


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


# The on-screen keyboard's height at 800x480 (times app.k): four rows of keys with
# 48 px faces and more, the gaps and the padding. Every screen with one uses it.
KEYBOARD_HEIGHT = 232

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
    """Feedback drawn over the screen (over the top bar's title, or the selling screen's
    catalog foot): it never pushes anything down, so no button moves under a finger.
    Info, warning or error; hides itself
    after ``seconds`` (0: stays). A tap on it puts it away; with an action (*Deshacer*)
    it shows a button for it. While shown it takes the touches on its area, so a tap
    meant for it never reaches what lies underneath."""

    text = StringProperty("")
    level = OptionProperty("info", options=["info", "ok", "warn", "error"])
    shown = NumericProperty(0)
    action_text = StringProperty("")
    floating = BooleanProperty(False)  # drawn over the top bar (float_message_strip)
    bar_height = NumericProperty(0)  # the bar's inner height: a floating strip fills it at least

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._hide = None
        self._on_action = None

    def show(self, text: str, level: str = "info", seconds: float = 6, *,
             action: tuple[str, Callable[[], None]] | None = None) -> None:
        self.text = text
        self.level = level
        self.shown = 1
        self.action_text, self._on_action = action if action is not None else ("", None)
        if self._hide is not None:
            self._hide.cancel()
            self._hide = None
        if seconds:
            self._hide = Clock.schedule_once(lambda dt: self.hide(), seconds)

    def hide(self) -> None:
        self.shown = 0
        self.text = ""
        self.action_text, self._on_action = "", None
        if self._hide is not None:
            self._hide.cancel()
            self._hide = None

    def act(self) -> None:
        """The action button: run it once and put the message away."""
        action = self._on_action
        self.hide()
        if action is not None:
            action()

    def on_touch_down(self, touch):  # noqa: ANN001, ANN201
        if not self.shown or not self.collide_point(*touch.pos):
            return False
        if super().on_touch_down(touch):  # the action button
            return True
        self.hide()
        return True

    def on_touch_move(self, touch):  # noqa: ANN001, ANN201
        return bool(self.shown and self.collide_point(*touch.pos)) or super().on_touch_move(touch)

    def on_touch_up(self, touch):  # noqa: ANN001, ANN201
        if super().on_touch_up(touch):
            return True
        return bool(self.shown and self.collide_point(*touch.pos))


def float_message_strip(screen) -> None:  # noqa: ANN001
    """Lift a screen's MessageStrip (``ids.message``) out of the column it is written
    in, under the TopBar, and draw it over the bar's title and clock: a message coming
    or going moves nothing and covers no button (Volver, the screen's own buttons,
    Noche/Día and Bloquear stay free). A message longer than the bar holds reaches down
    over the content until it goes. A strip placed elsewhere (the selling screen keeps
    its own over the catalog's foot) is left where it is."""
    strip = screen.ids.get("message")
    column = strip.parent if strip is not None else None
    if not isinstance(column, BoxLayout) or column.orientation != "vertical":
        return
    bar = next((w for w in column.children if isinstance(w, TopBar)), None)
    if bar is None:
        return
    column.remove_widget(strip)
    strip.size_hint = (None, None)
    strip.floating = True
    screen.add_widget(strip)
    title, clock, row1 = bar.ids.title, bar.ids.clock, bar.ids.row1

    def place(*_args) -> None:
        right = clock.right if clock.width and clock.opacity else title.right
        strip.x = title.x
        strip.width = max(0, right - title.x)
        strip.top = row1.top - row1.padding[1]
        strip.bar_height = row1.height - row1.padding[1] - row1.padding[3]

    for widget, props in ((title, ("pos", "size")), (clock, ("pos", "size", "opacity")), (row1, ("pos", "size")),
                          (strip, ("height",)), (screen, ("size",))):
        widget.bind(**{prop: place for prop in props})
    place()
class TopBar(BoxLayout):
    title = StringProperty("")
    show_back = BooleanProperty(False)
    show_history = BooleanProperty(False)
    show_admin = BooleanProperty(False)  # the staff menu entry (selling screen)
    show_drawer = BooleanProperty(False)  # "Abrir cajón" (and, for managers, "Hardware")
    compact = BooleanProperty(False)  # narrow, with Volver: no clock nor theme switch (see widgets.kv)
    two_rows = BooleanProperty(False)  # narrow, with the screen's own buttons: those go to a second row
    nav_count = NumericProperty(0)  # how many of those the screen shows
    shared_width = NumericProperty(0)  # each one's width in the second row
    __events__ = ("on_back",)

    def on_kv_post(self, base_widget) -> None:  # noqa: ANN001
        super().on_kv_post(base_widget)
        self.on_two_rows(self, self.two_rows)

    def on_two_rows(self, _instance, two_rows: bool) -> None:
        """Move the screen's own buttons between the first row (wide) and the second."""
        nav, row1, row2 = self.ids.get("nav"), self.ids.get("row1"), self.ids.get("row2")
        if nav is None:
            return
        target = row2 if two_rows else row1
        if nav.parent is target:
            return
        nav.parent.remove_widget(nav)
        # In the first row they sit before Noche/Día and Bloquear (children count from the right).
        target.add_widget(nav, index=0 if two_rows else 2)

    def on_back(self) -> None:
        pass
