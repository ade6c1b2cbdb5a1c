"""The calculator's live weight panel: the scale's reading (net in large type, state,
gross and tare), the price of that weight, "Usar peso", the tare buttons (tare =
the gross now, a preset container, clear) and, in demo mode only, a small control
that moves the simulated scale.

Readings reach it through ``app.scale_reading`` (HardwareLink drains the scale's
reader thread into it on the main thread). Everything it asks of the scale goes
through the scale desk service (``services.scale``, kiosk/services/scale_desk.py):
the reading now, what may be sold (``check_weight``; the counter's ``weigh``), the
tare commands and the demo's simulated scale; the panel touches no device. The cart
rules (``check_quantity``) and the scale's messages are shown as they are: motion,
below zero, overload, unplugged, a weight too small to cost anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.core.cart import check_quantity
from kiosk.core.errors import DomainError
from kiosk.core.pricing import line_total
from kiosk.core.scale import ScaleReading, ScaleState, WeightUnit
from kiosk.core.scale_text import format_tare, format_weight, state_label
from kiosk.i18n import _, format_money
from kiosk.ui.shell import running_shell

if TYPE_CHECKING:
    from kiosk.services.scale_desk import ScaleDeskService

LEVELS = {
    ScaleState.STABLE: "ok", ScaleState.MOTION: "warn", ScaleState.UNDER_ZERO: "warn",
    ScaleState.OVER_CAPACITY: "error", ScaleState.DISCONNECTED: "error", ScaleState.ERROR: "error",
}
DEMO_MAX_G = 5000  # the demo slider: from a little below zero to 5 kg
DEMO_MIN_G = -100
DEMO_OVERLOAD_G = 31_000  # above the simulator's 30 kg capacity


class ScalePanel(BoxLayout):
    calc = ObjectProperty(None)
    state_text = StringProperty("")
    state_level = StringProperty("info")
    net_text = StringProperty("")
    detail_text = StringProperty("")
    hint_text = StringProperty("")  # the price of the weight, or why it cannot be used
    can_use = BooleanProperty(False)
    can_tare = BooleanProperty(False)
    has_tare = BooleanProperty(False)
    manual = BooleanProperty(False)  # disconnected or failing: weigh by typing
    demo = BooleanProperty(False)
    demo_grams = NumericProperty(0)
    demo_motion = BooleanProperty(False)
    demo_unplugged = BooleanProperty(False)
    presets = ListProperty([])

    def __init__(self, *, calc, desk: ScaleDeskService, **kwargs):  # noqa: ANN001
        self.desk = desk
        self._setting_slider = False
        super().__init__(calc=calc, **kwargs)
        self.presets = list(desk.presets)
        self.demo = desk.demo
        if self.demo:
            self._sync_demo()
        self._build_presets()
        self._release_weight = desk.want_weight()  # an Adam is asked only while the panel is open
        app = running_shell()
        app.bind(scale_reading=self._reading)
        # The reading now (a product may already lie on the scale).
        self.show(desk.latest())

    def detach(self) -> None:
        self._release_weight()
        running_shell().unbind(scale_reading=self._reading)

    # --- what it shows --------------------------------------------------------------------------
    def _reading(self, _app, reading: ScaleReading | None) -> None:
        if reading is not None:
            self.show(reading)

    def show(self, r: ScaleReading) -> None:
        weighs = r.weight_known and r.state not in (ScaleState.DISCONNECTED, ScaleState.ERROR,
                                                     ScaleState.OVER_CAPACITY)
        label = state_label(r.state)
        if r.state is ScaleState.ERROR:
            label = _("Scale error: {error}").format(error=r.error_message())
        self.state_text = label[:1].upper() + label[1:]
        self.state_level = LEVELS[r.state]
        self.net_text = format_weight(r.net_g, r.unit) if weighs else "\u2014"
        parts = []
        if weighs:
            parts.append(_("Gross {weight}").format(weight=format_weight(r.gross_g, r.unit)))
        if r.tare_g:
            parts.append(format_tare(r))
        self.detail_text = "   ".join(parts)
        self.has_tare = bool(r.tare_g)
        self.manual = r.state in (ScaleState.DISCONNECTED, ScaleState.ERROR)
        for button in self.ids.presets_box.children:
            button.disabled = self.manual
        if self.demo:
            self._sync_demo()
        self.can_tare = r.state is ScaleState.STABLE and r.weight_known and r.gross_g > 0
        product = self.calc.product
        try:
            w = self.desk.check_weight()
            check_quantity(product, w.net_g)
        except DomainError as exc:
            self.can_use = False
            self.hint_text = str(exc)
            return
        self.can_use = True
        self.hint_text = _("{weight} costs {amount}").format(
            weight=format_weight(w.net_g, w.unit), amount=format_money(line_total(w.net_g, product.price, product.uom)))

    # --- actions ---------------------------------------------------------------------------------
    def use(self) -> None:
        """"Usar peso": the counter makes the stable net weight the line (with its
        tare); a weighing it cannot use re-arms the scale."""
        self.calc.use_scale()

    def tare(self) -> None:
        """Tare = the gross weight now (a container on the scale)."""
        self._command(self.desk.tare)

    def preset(self, grams: int) -> None:
        try:
            self.desk.tare_preset(grams)
        except DomainError as exc:
            self.calc.show_error(str(exc))

    def clear_tare(self) -> None:
        self._command(self.desk.clear_tare)

    def _command(self, send) -> None:  # noqa: ANN001
        """Send a scale command; its answer comes back on the UI thread."""
        try:
            future = send()
        except DomainError as exc:
            self.calc.show_error(str(exc))
            return
        future.add_done_callback(lambda f: Clock.schedule_once(lambda dt: self._command_done(f)))

    def _command_done(self, future) -> None:  # noqa: ANN001
        exc = future.exception()
        if exc is not None:
            self.calc.show_error(str(exc))
        else:
            self.calc.error_text = ""
        try:
            self.show(self.desk.latest())
        except DomainError as exc:  # the scale went away meanwhile (hardware stopped)
            self.calc.show_error(str(exc))

    def type_weight(self) -> None:
        self.calc.set_mode("quantity")

    def _build_presets(self) -> None:
        from kiosk.ui.widgets import KButton

        box = self.ids.presets_box
        box.clear_widgets()
        for p in self.presets:
            weight = format_weight(p.grams, WeightUnit.KG if p.grams >= 1000 else WeightUnit.G)
            btn = KButton(text=f"{p.name} ({weight})", role="plain")
            btn.bind(on_release=lambda b, grams=p.grams: self.preset(grams))
            box.add_widget(btn)

    # --- demo control (simulated scale only) -------------------------------------------------------
    def _sync_demo(self) -> None:
        status = self.desk.demo_status()
        self._setting_slider = True
        self.demo_grams = max(DEMO_MIN_G, min(DEMO_MAX_G, int(status["gross_g"])))
        self._setting_slider = False
        self.demo_motion = bool(status["motion"])
        self.demo_unplugged = not status["plugged"]

    def _demo(self, action) -> None:  # noqa: ANN001
        try:
            action()
        except DomainError as exc:
            self.calc.show_error(str(exc))

    def demo_slide(self, value: float) -> None:
        if self._setting_slider or not self.demo:
            return
        grams = int(round(value / 5.0)) * 5
        self._demo(lambda: self.desk.demo_set_weight(grams))

    def demo_toggle_motion(self) -> None:
        self.demo_motion = not self.demo_motion
        self._demo(lambda: self.desk.demo_set_motion(self.demo_motion))

    def demo_overload(self) -> None:
        self._demo(lambda: self.desk.demo_set_weight(DEMO_OVERLOAD_G))

    def demo_toggle_plug(self) -> None:
        def toggle() -> None:
            self.demo_unplugged = not self.desk.demo_set_plugged(self.demo_unplugged)
        self._demo(toggle)
