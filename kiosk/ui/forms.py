"""Form pieces for the staff screens: a field that opens the on-screen keyboard or
keypad when tapped, a captioned block with its error message underneath, and the
input panel (text keyboard or number keypad) docked under a form. The screens keep
the typed text; business rules (parsing, validation) stay in the services."""

from __future__ import annotations

from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from kiosk.ui.base import KioskPopup
from kiosk.ui.widgets import DeafWhenDisabled, KButton
from kiosk.ui.shell import running_shell

MAX_NUMBER_CHARS = 12


def keypad_edit(text: str, key: str, mark: str, *, max_chars: int = MAX_NUMBER_CHARS) -> str:
    """Apply one keypad key ("0".."9", "dec", "back", "clear") to a number as
    typed. ``mark`` is the locale's decimal mark. Parsing is the service's job."""
    if key.isdigit():
        return text + key if len(text) < max_chars else text
    if key == "dec":
        if mark in text:
            return text
        return (text or "0") + mark
    if key == "back":
        return text[:-1]
    if key == "clear":
        return ""
    return text


def fit_width(button, minimum: float) -> None:  # noqa: ANN001
    """Size a button (size_hint_x None) to its text, at least ``minimum`` (x app.k)."""
    from kivy.core.text import Label as CoreLabel

    k = running_shell().k
    label = CoreLabel(text=button.text, font_size=button.font_size, bold=True)
    label.refresh()
    button.width = max(label.texture.size[0] + 36 * k, minimum * k)


class FieldButton(KButton):
    """A form field: shows its value (or a hint in grey); tapping it selects it for
    the keyboard. A selected field has an accent frame, a field in error a red one."""

    value = StringProperty("")
    hint = StringProperty("")
    focused = BooleanProperty(False)
    invalid = BooleanProperty(False)


class FieldBlock(BoxLayout):
    """Caption above, the control (declared inside it in kv) in the middle, the
    field's error message below (no space taken when there is none)."""

    caption = StringProperty("")
    error = StringProperty("")
    warning = StringProperty("")  # orange, when there is no error (price below cost)
    note = StringProperty("")  # grey help under the control when there is nothing else to say

    def add_widget(self, widget, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        # kv adds the rule's caption and message labels first; controls declared
        # where the block is used go between them.
        if len(self.children) >= 2 and not args and "index" not in kwargs:
            kwargs["index"] = 1
        return super().add_widget(widget, *args, **kwargs)


class ShowBox(DeafWhenDisabled, BoxLayout):
    """A box the screens hide (zero size, see-through, disabled) and show again."""


class InputPanel(DeafWhenDisabled, BoxLayout):
    """Docked under a form: the text keyboard for text fields, a keypad for numbers,
    nothing (zero height) when no field is selected."""

    __events__ = ("on_text", "on_backspace", "on_clear", "on_close", "on_key")
    mode = OptionProperty("", options=["", "text", "number"])
    caption = StringProperty("")  # number mode: what is being typed, next to the keypad
    value = StringProperty("")
    error = StringProperty("")

    def on_text(self, text: str) -> None:
        pass

    def on_backspace(self) -> None:
        pass

    def on_clear(self) -> None:
        pass

    def on_close(self) -> None:
        pass

    def on_key(self, key: str) -> None:
        pass


class ListRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    """A row of the staff lists (delivery and count lines, low stock, categories):
    title and detail, a value on the right, an optional action button. Taps go to
    ``row_tapped(key)`` / ``row_action(key)`` of the screen named ``owner``."""

    key = NumericProperty(0)
    owner = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")
    value_text = StringProperty("")
    tone = OptionProperty("text", options=["text", "muted", "ok", "warn", "danger"])
    action_text = StringProperty("")
    action_role = StringProperty("accent")
    selected = BooleanProperty(False)
    swatch = ColorProperty([0, 0, 0, 0])
    dim = BooleanProperty(False)
    detail_lines = NumericProperty(1)  # long details (CSV problems) wrap onto more lines

    def _screen(self):  # noqa: ANN202

        app = running_shell()
        return app.modal if self.owner == "modal" else app.screen(self.owner)

    def on_release(self) -> None:
        self._screen().row_tapped(self.key)

    def act(self) -> None:
        self._screen().row_action(self.key)


class ChoicePopup(KioskPopup):
    """Pick one of ``options`` ((key, label) pairs) from a grid of buttons; the
    ``current`` one is highlighted. ``on_pick(key)`` after the window closes."""

    title_text = StringProperty("")
    error_text = StringProperty("")

    def __init__(self, options, current, on_pick, **kwargs):  # noqa: ANN001
        self._on_pick = on_pick
        super().__init__(**kwargs)
        grid = self.ids.grid
        for key, label in options:
            btn = KButton(text=label, role="accent" if key == current else "plain", font_size=self.app.k * 16)
            btn.bind(on_release=lambda _b, key=key: self.pick(key))
            grid.add_widget(btn)

    def pick(self, key) -> None:  # noqa: ANN001
        self.dismiss(animation=False)
        self._on_pick(key)
