"""The customer-facing second screen: a Kivy app that reads the counter's cart feed
(kiosk/services/cart_feed.py) and shows, in large type for a customer about a metre
away, the cart's lines and total, the payment (the QR code to scan when paying by QR),
the change after a sale, and the shop's logo and pictures when idle.

The feed is read in CartFeedClient's thread; messages are handed to the UI thread
through a queue and decided by kiosk.core.customer_screen (no Kivy there). The screen
is rebuilt from the state on each change: a cart is a few dozen rows at most.
The screen never talks back: the counter cannot wait for it (the publisher drops a
client that is slow), and it keeps the idle screen while the main UI is away.
"""

from __future__ import annotations

import logging
import queue
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, Rectangle
from kivy.properties import ObjectProperty
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.core.customer_screen import CustomerScreenModel, ScreenState
from kiosk.i18n import _, ngettext
from kiosk.services import customer_pictures
from kiosk.services.cart_feed import CartFeedClient
from kiosk.ui import label_pixels
from kiosk.ui.frame_pace import FramePace
from kiosk.ui.images import qr_texture, texture_from_pil
from kiosk.ui.theme import Theme

log = logging.getLogger(__name__)



def _paint(widget: Widget, color: Any) -> Color:
    """A solid background that follows the widget's size; its Color, to change."""
    with widget.canvas.before:
        paint = Color(rgba=color)
        rect = Rectangle(pos=widget.pos, size=widget.size)
    widget.bind(pos=lambda w, v: setattr(rect, "pos", v), size=lambda w, v: setattr(rect, "size", v))
    return paint


class BigLabel(Label):
    """Text sized for the window (``size_frac`` of its height): one line shortened with
    "…" when too long, or wrapped on up to ``lines`` lines."""

    def __init__(self, text: str, size_frac: float, color: Any, *, bold: bool = False, halign: str = "left",
                 lines: int = 1, **kwargs: Any):
        super().__init__(text=text, color=color, bold=bold, halign=halign, valign="middle", shorten=lines == 1,
                         shorten_from="right", max_lines=lines, **kwargs)
        # Sized once: the whole screen is rebuilt when the window changes size (no
        # binding to the window from widgets that live for one redraw).
        self.font_size = max(14, Window.height * size_frac)
        self.bind(size=self._fit)

    def _fit(self, *_args: Any) -> None:
        self.text_size = self.size


class CustomerScreen(BoxLayout):
    """The window's content: a header with the shop's name, a body per mode."""

    def __init__(self, app: CustomerScreenApp, **kwargs: Any):
        super().__init__(orientation="vertical", **kwargs)
        self.app = app
        self.header = BoxLayout(size_hint_y=0.12)
        self.body = BoxLayout()
        self.add_widget(self.header)
        self.add_widget(self.body)
        self._bg = _paint(self, app.theme.bg)
        self._bar = _paint(self.header, app.theme.bar)

    def show(self, state: ScreenState) -> None:
        theme = self.app.theme
        self._bg.rgba = theme.bg
        self._bar.rgba = theme.bar
        self.header.padding = (Window.width * 0.02, 0)
        self.body.padding = Window.height * 0.03
        self.body.spacing = Window.height * 0.03
        self.header.clear_widgets()
        self.header.add_widget(BigLabel(self.app.shop_name, 0.06, theme.bar_text, bold=True))
        self.body.clear_widgets()
        getattr(self, f"_{state.mode}")(state)

    # --- the modes ------------------------------------------------------------------------
    def _idle(self, state: ScreenState) -> None:
        theme = self.app.theme
        column = BoxLayout(orientation="vertical", spacing=Window.height * 0.02)
        slide = self.app.current_slide()
        if slide is not None:
            column.add_widget(Image(texture=slide, fit_mode="contain"))
        column.add_widget(BigLabel(_("Welcome!"), 0.09, theme.text, bold=True, halign="center",
                                   size_hint_y=None, height=Window.height * 0.14))
        self.body.add_widget(column)

    def _cart(self, state: ScreenState) -> None:
        """The newest lines that fit, each on two lines (the whole name; quantity and
        line total under it); "… and N more" above when some do not fit."""
        theme = self.app.theme
        rows = BoxLayout(orientation="vertical", size_hint_x=0.62, padding=(Window.width * 0.015, 0))
        _paint(rows, theme.surface)
        row_h = Window.height * 0.15
        room = max(1, int(Window.height * 0.8 / row_h))
        shown = state.lines[-room:]
        hidden = len(state.lines) - len(shown)
        if hidden:
            shown = shown[1:]
            hidden += 1
            rows.add_widget(BigLabel(ngettext("… and {n} more line", "… and {n} more lines", hidden).format(n=hidden),
                                     0.045, theme.muted, size_hint_y=None, height=row_h * 0.6))
        for line in shown:
            row = BoxLayout(orientation="vertical", size_hint_y=None, height=row_h)
            row.add_widget(BigLabel(line.name, 0.055, theme.text))
            under = BoxLayout()
            under.add_widget(BigLabel(f"× {line.quantity}", 0.05, theme.muted))
            under.add_widget(BigLabel(line.total, 0.06, theme.text, bold=True, halign="right"))
            row.add_widget(under)
            rows.add_widget(row)
        rows.add_widget(Widget())
        self.body.add_widget(rows)
        count = len(state.lines)
        self.body.add_widget(self._total_column(state.total, ngettext("{n} item", "{n} items", count).format(n=count)))

    def _paying(self, state: ScreenState) -> None:
        qr = self.app.qr_texture(state.qr) if state.qr else None
        if qr is not None:
            box = AnchorLayout(size_hint_x=0.5)
            _paint(box, (1, 1, 1, 1))  # a code is read best dark on white, day or night
            box.add_widget(Image(texture=qr, fit_mode="contain"))
            self.body.add_widget(box)
            hint = _("Scan the code to pay")
        else:
            hint = {"cash": _("Paying in cash"), "card": _("Paying by card"),
                    "qr": _("Paying by QR")}.get(state.method, _("Paying"))
        self.body.add_widget(self._total_column(state.total, hint))

    def _done(self, state: ScreenState) -> None:
        theme = self.app.theme
        column = BoxLayout(orientation="vertical", spacing=Window.height * 0.02)
        column.add_widget(BigLabel(_("Thank you for your purchase!"), 0.08, theme.ok, bold=True, halign="center"))
        rows = [(_("Total"), state.total, theme.text)]
        if state.method == "cash":
            rows += [(_("Received"), state.tendered, theme.text), (_("Change"), state.change, theme.ok)]
        for label, amount, color in rows:
            row = BoxLayout(padding=(Window.width * 0.08, 0))
            row.add_widget(BigLabel(label, 0.07, theme.muted))
            row.add_widget(BigLabel(amount, 0.1, color, bold=True, halign="right"))
            column.add_widget(row)
        self.body.add_widget(column)

    def _total_column(self, total: str, note: str) -> BoxLayout:
        theme = self.app.theme
        column = BoxLayout(orientation="vertical", size_hint_x=0.38, padding=Window.width * 0.015)
        _paint(column, theme.surface_alt)
        column.add_widget(Widget(size_hint_y=0.3))
        column.add_widget(BigLabel(_("Total"), 0.07, theme.muted, halign="center", size_hint_y=0.2))
        column.add_widget(BigLabel(total, 0.13, theme.accent, bold=True, halign="center", size_hint_y=0.3))
        column.add_widget(BigLabel(note, 0.05, theme.text, halign="center", lines=2, size_hint_y=0.25))
        column.add_widget(Widget(size_hint_y=0.3))
        return column


class CustomerScreenApp(App):
    theme = ObjectProperty(None)

    def __init__(self, socket_path: str | Path, *, shop_name: str, theme: str = "day", logo: str = "",
                 pictures: str = "", rotate_s: float = 8.0, hold_s: float = 20.0, retry_s: float = 0.5,
                 max_retry_s: float = 5.0, language: str | None = None, own_process: bool = False,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.own_process = own_process  # its own process (not a test's): the loop rests (kiosk.ui.frame_pace)
        self.pace: FramePace | None = None
        self.title = "Kiosk - cliente"
        self.shop_name = shop_name
        self.theme = Theme(theme)
        self.model = CustomerScreenModel(self._changed, hold_s=hold_s, theme=theme)
        self.rotate_s = rotate_s
        self.language = language
        self._slide_files = customer_pictures.slide_files(logo, pictures)
        self._demo_slides: list[Any] | None = None
        self._slide_index = 0
        self._qr_cache: tuple[str, Any] = ("", None)
        self._inbox: queue.SimpleQueue[dict] = queue.SimpleQueue()
        self._drain = Clock.create_trigger(self._take_messages, 0)
        self.client = CartFeedClient(socket_path, self._arrived, retry_s=retry_s, max_retry_s=max_retry_s)
        self.screen: CustomerScreen | None = None

    def build(self) -> CustomerScreen:
        label_pixels.install()  # a label's rendered pixels are not kept twice (kiosk/ui/label_pixels.py)
        self.screen = CustomerScreen(self)
        self.screen.show(self.model.state)
        Clock.schedule_interval(self._tick, 1.0)
        Clock.schedule_interval(self._next_slide, self.rotate_s)
        Window.bind(size=self._resized)
        self.client.start()
        if self.own_process:
            self.pace = FramePace(Clock, Window).start()
        return self.screen

    def on_stop(self) -> None:
        Window.unbind(size=self._resized)
        if self.pace is not None:
            self.pace.stop()
            self.pace = None
        self.client.stop()

    def _resized(self, *_args: Any) -> None:
        self._redraw()

    # --- the feed (CartFeedClient's thread) -> the UI thread --------------------------------
    def _arrived(self, message: dict) -> None:
        self._inbox.put(message)
        self._drain()

    def _take_messages(self, *_args: Any) -> None:
        while True:
            try:
                message = self._inbox.get_nowait()
            except queue.Empty:
                return
            self.model.receive(message)

    def _tick(self, *_args: Any) -> None:
        self.model.tick()

    def _changed(self, state: ScreenState) -> None:
        if state.theme and state.theme != self.theme.name:
            self.theme.apply(state.theme)
        self._redraw()

    def _redraw(self) -> None:
        if self.screen is not None:
            self.screen.show(self.model.state)

    # --- pictures ----------------------------------------------------------------------------
    def current_slide(self) -> Any:
        """The idle picture now (a texture); None when there is none to show."""
        for _try in range(len(self._slide_files)):
            path = self._slide_files[self._slide_index % len(self._slide_files)]
            img = customer_pictures.load_slide(path, (int(Window.width), int(Window.height)))
            if img is not None:
                return texture_from_pil(img)
            self._slide_files.remove(path)  # unreadable: not tried again
            if not self._slide_files:
                break
        if self._demo_slides is None:
            import kivy

            font = str(Path(kivy.kivy_data_dir) / "fonts" / "Roboto-Regular.ttf")  # Kivy's own, with "¡"
            self._demo_slides = [texture_from_pil(img) for img in
                                 customer_pictures.demo_slides(self.shop_name, self.language, font)]
        return self._demo_slides[self._slide_index % len(self._demo_slides)]

    def _next_slide(self, *_args: Any) -> None:
        self._slide_index += 1
        if self.model.state.mode == "idle":
            self._redraw()

    def qr_texture(self, text: str) -> Any:
        """The payment's QR code, made as the checkout screen makes it (cached per text)."""
        if self._qr_cache[0] != text:
            self._qr_cache = (text, qr_texture(text))
        return self._qr_cache[1]
