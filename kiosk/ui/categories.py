"""Categories (staff): goods and services, each with a colour (tiles without a photo
use it). Categories are hidden, never deleted: products and history refer to them.
A category of services holds only services (the service checks it)."""

from __future__ import annotations

from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ToggleButtonBehavior
from kivy.uix.label import Label
from kivy.utils import get_color_from_hex

from kiosk.core.errors import DomainError
from kiosk.core.permissions import Act
from kiosk.i18n import _
from kiosk.services.access import UserInfo
from kiosk.ui.base import KioskPopup
from kiosk.ui.staff import StaffScreen

COLORS = ("#1E88E5", "#3949AB", "#8E24AA", "#D81B60", "#F4511E", "#FB8C00", "#43A047", "#00897B",
          "#6D4C41", "#546E7A")


class CategoriesScreen(StaffScreen):
    def entering(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._rows = {r.id: r for r in self.services.inventory.categories()}
        self.ids.rows.data = [{
            "key": r.id, "owner": "categories", "title": r.name,
            "detail": (_("Services") if r.kind == "services" else _("Goods")) + "  \u2022  " +
            _("Products: {count}").format(count=r.products),
            "value_text": "" if r.active else _("hidden"), "tone": "muted", "dim": not r.active,
            "swatch": get_color_from_hex(r.color),
        } for r in self._rows.values()]

    def row_tapped(self, category_id: int) -> None:
        row = self._rows[category_id]
        self.act(Act.EDIT_CATALOG, lambda by: self.app.open_modal(CategoryPopup(row=row, on_done=self._saved,
                                                                                acting=by)))

    def row_action(self, category_id: int) -> None:
        self.row_tapped(category_id)

    def new_category(self) -> None:
        self.act(Act.EDIT_CATALOG, lambda by: self.app.open_modal(CategoryPopup(row=None, on_done=self._saved,
                                                                                acting=by)))

    def _saved(self, text: str) -> None:
        self.app.catalog_changed()
        self.reload()
        self.message(text, "ok", 4)


class ColorSwatch(ToggleButtonBehavior, Label):
    """One colour to choose; a tick marks the chosen one."""

    value = StringProperty("#607D8B")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.allow_no_selection = False


class CategoryPopup(KioskPopup):
    name = StringProperty("")
    kind = StringProperty("goods")
    color = StringProperty(COLORS[0])
    active = BooleanProperty(True)
    category_id = NumericProperty(0)
    error_text = StringProperty("")
    colors = ListProperty(COLORS)

    def __init__(self, row, on_done, acting: UserInfo, **kwargs):  # noqa: ANN001
        self._on_done = on_done
        self.acting = acting  # the signed-in user, with an authorisation when their role lacks edit_catalog
        super().__init__(**kwargs)
        if row is not None:
            self.category_id, self.name, self.kind, self.color, self.active = \
                row.id, row.name, row.kind, row.color, row.active
        self._build_colors()
        self.ids.keyboard.shift = "once" if not self.name else "off"

    def _build_colors(self) -> None:
        box = self.ids.colors
        group = f"colors-{id(self)}"
        for color in self.colors:
            swatch = ColorSwatch(value=color, group=group, state="down" if color == self.color else "normal")
            swatch.bind(on_release=lambda t: setattr(self, "color", t.value))
            box.add_widget(swatch)

    def type_text(self, text: str) -> None:
        self.error_text = ""
        self.name = (self.name + text)[:64]

    def save(self) -> None:
        app = self.app
        inv = app.context.inventory
        try:
            if self.category_id:
                inv.update_category(self.category_id, self.acting, name=self.name, kind=self.kind, color=self.color)
            else:
                inv.create_category(self.name, self.kind, self.color, position=len(inv.categories()), by=self.acting)
        except DomainError as exc:
            self.show_error(str(exc))
            return
        self.dismiss(animation=False)
        self._on_done(_("Category saved: {name}").format(name=self.name.strip()))

    def toggle_active(self) -> None:
        app = self.app
        try:
            app.context.inventory.set_category_active(self.category_id, not self.active, self.acting)
        except DomainError as exc:
            self.show_error(str(exc))
            return
        self.dismiss(animation=False)
        text = _("Category shown again: {name}") if not self.active else _("Category hidden: {name}")
        self._on_done(text.format(name=self.name))
