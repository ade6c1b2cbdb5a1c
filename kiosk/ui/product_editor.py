"""Product editor (staff): every field by touch, checked as it is typed.

Text fields open the on-screen keyboard, numbers a keypad, choices are buttons. The
inventory service does all the work: ``form_texts`` fills the fields,
``read_form`` parses and validates them on every change (messages next to the
fields, the margin and "price below cost" warnings live), ``save_form`` stores them.
A scan while the editor is open adds the code to the barcodes instead of selling.
For a new product, similar existing ones are suggested as the name is typed
(``suggest_similar``); choosing one copies its fields except SKU, barcodes and
stock (``clone_draft``), keeping the name typed so far.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, DictProperty, NumericProperty, ObjectProperty, StringProperty

from kiosk.core.errors import DomainError
from kiosk.core.product_fields import FIELD_LABELS, rate_text
from kiosk.core.units import UOMS_FOR_MODE, SaleMode, Uom
from kiosk.formatting import format_quantity
from kiosk.i18n import _, decimal_mark, translate
from kiosk.services.inventory import describe_margin, problem_key
from kiosk.ui.base import KioskPopup
from kiosk.ui.forms import keypad_edit
from kiosk.ui.staff import StaffScreen

TEXT_FIELDS = ("name", "sku", "barcode", "brand")
NUMBER_FIELDS = ("cost", "price", "low_stock", "stock")
MAX_TEXT = {"name": 120, "sku": 32, "barcode": 200, "brand": 64}
SUGGESTIONS = 4


class ProductEditorScreen(StaffScreen):
    product_id = NumericProperty(0)  # 0: a new product
    texts = DictProperty({})
    errors = DictProperty({})  # field -> message, for fields shown in error
    captions = DictProperty({})
    focus = StringProperty("")  # the field the keyboard types into
    category_id = NumericProperty(0)
    category_text = StringProperty("")
    image_path = StringProperty("")
    image_texture = ObjectProperty(None, allownone=True)
    active = BooleanProperty(True)
    tracks = BooleanProperty(True)  # goods keep stock, services do not
    margin_text = StringProperty("")
    warnings_text = StringProperty("")
    title_text = StringProperty("")
    suggestions_open = BooleanProperty(False)
    dirty = BooleanProperty(False)
    stock_text = StringProperty("")  # an existing product's stock (the ledger changes it)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.choices = None
        self._touched: set[str] = set()
        self._tried = False
        self._problems: dict[str, str] = {}
        self._return_to = "products"
        self._pictures: set[str] = set()
        self._loading = False
        self._fresh = False
        self._check_trigger = Clock.create_trigger(lambda dt: self.check(), 0.12)

    # --- opening ------------------------------------------------------------------------
    def open_new(self, barcode: str = "") -> None:
        inv = self.services.inventory
        self._load(inv.new_draft(), 0)
        for key in ("price", "cost"):  # an empty field, not "0,00", waits for the first key
            self.texts[key] = ""
        if barcode:
            self.texts["barcode"] = barcode
            self._touched.add("barcode")
        self.title_text = _("New product")
        self._go()
        if barcode:
            self.message(_("New code {code}: fill in the product.").format(code=barcode), "info")
        self.set_focus("name")

    def open_product(self, product_id: int) -> None:
        try:
            draft = self.services.inventory.product_draft(product_id)
        except DomainError as exc:
            self.app.sm.current_screen.message(str(exc), "error")
            return
        self._load(draft, product_id)
        self.title_text = _("Edit: {name}").format(name=draft.name)
        self._go()

    def _go(self) -> None:
        current = self.app.sm.current
        if current != "editor":
            self._return_to = current if current in ("products", "staff", "ledger", "lowstock") else "products"
        self.app.show("editor")
        self.check()

    def _load(self, draft, product_id: int) -> None:  # noqa: ANN001
        inv = self.services.inventory
        self.choices = inv.editor_choices()
        self.captions = {key: translate(label) for key, label in FIELD_LABELS.items()}
        self.captions["stock"] = _("Initial stock")
        self._loading = True
        self.product_id = product_id
        self.texts = inv.form_texts(draft)
        self.category_id = draft.category_id or 0
        self.image_path = draft.image_path or ""
        self._pictures = {self.image_path} - {""}  # the saved one and any imported while editing
        self.active = draft.active
        self._loading = False
        self.focus = ""
        self.errors = {}
        self._problems = {}
        self._touched = set()
        self._tried = False
        self.dirty = False
        self.suggestions_open = False
        ref = self.services.catalog.product(product_id) if product_id else None
        self.stock_text = format_quantity(ref.stock, ref.uom) if ref is not None else ""
        self.ids.form_scroll.scroll_y = 1
        self._build_choices()
        self._refresh_picture()

    def entering(self) -> None:
        if self.choices is None:
            self.open_new()
        elif self.product_id:  # back from the ledger: the stock may have changed
            ref = self.services.catalog.product(self.product_id)
            self.stock_text = format_quantity(ref.stock, ref.uom) if ref is not None else ""

    # --- pickers -------------------------------------------------------------------------------
    def _toggles(self, box, items: list[tuple[str, str]], selected: str, on_pick) -> None:  # noqa: ANN001
        from kiosk.ui.widgets import KToggle

        box.clear_widgets()
        group = f"{box.uid}-{id(self)}"
        for value, label in items:
            toggle = KToggle(text=label, value=value, group=group, off_role="plain", font_size=self.app.k * 15,
                             state="down" if value == selected else "normal")
            toggle.bind(on_release=lambda t: on_pick(t.value))
            box.add_widget(toggle)

    def _build_choices(self) -> None:
        c = self.choices
        mode = SaleMode(self.texts["sale_mode"])
        self.tracks = mode is not SaleMode.SERVICE
        self._toggles(self.ids.sale_modes, [(m.value, label) for m, label in c.sale_modes],
                      mode.value, self.set_sale_mode)
        self._toggles(self.ids.units, [(u.value, label) for u, label in c.units[mode]],
                      self.texts["unit"], self.set_unit)
        mark = decimal_mark()
        self._toggles(self.ids.tax_rates, [(rate_text(bp).replace(".", mark), label) for bp, label in c.tax_rates],
                      self.texts["tax_rate"], lambda v: self._set("tax_rate", v))
        names = {cat.id: cat.name for cat in c.categories}
        self.category_text = names.get(self.category_id, "") if self.category_id else ""

    def set_sale_mode(self, value: str) -> None:
        mode = SaleMode(value)
        self.texts["sale_mode"] = value
        if Uom(self.texts["unit"]) not in UOMS_FOR_MODE[mode]:
            self.texts["unit"] = UOMS_FOR_MODE[mode][0].value
        if mode is SaleMode.SERVICE:
            self.texts["low_stock"] = ""
            self.texts["stock"] = ""
        self._build_choices()
        self._changed("sale_mode")

    def set_unit(self, value: str) -> None:
        self._set("unit", value)

    def pick_category(self) -> None:
        self.close_input()
        self.app.open_modal(CategoryPickerPopup(choices=self.choices.categories, current=self.category_id,
                                                on_pick=self.set_category))

    def set_category(self, category_id: int) -> None:
        self.category_id = category_id
        self._build_choices()
        self._refresh_picture()
        self._changed("category")

    def toggle_active(self) -> None:
        self.active = not self.active
        self._changed("active")

    # --- typing ----------------------------------------------------------------------------------
    @property
    def input_mode(self) -> str:
        if self.focus in TEXT_FIELDS:
            return "text"
        if self.focus in NUMBER_FIELDS:
            return "number"
        return ""

    def set_focus(self, key: str) -> None:
        if self.focus and self.focus != key:
            self._touched.add(self.focus)
        self.focus = key
        self._fresh = key in NUMBER_FIELDS  # the first key replaces the number shown
        keyboard = self.ids.input.ids.keyboard
        keyboard.digits = key == "barcode"
        if key == "sku":
            keyboard.shift = "lock"
        elif key in ("name", "brand") and not self.texts.get(key):
            keyboard.shift = "once"
        else:
            keyboard.shift = "off"
        self._show_errors()
        Clock.schedule_once(lambda dt: self._scroll_to(key), 0)
        Clock.schedule_once(lambda dt: self._scroll_to(key), 0.05)

    def _scroll_to(self, key: str) -> None:
        widget = self.ids.get("f_" + key)
        if widget is not None and key == self.focus and widget.get_root_window() is not None:
            self.ids.form_scroll.scroll_to(widget, padding=self.app.k * 30, animate=False)

    def close_input(self) -> None:
        if self.focus:
            self._touched.add(self.focus)
        was_name = self.focus in ("name", "brand")
        self.focus = ""
        self._show_errors()
        if was_name:
            self._refresh_picture()

    def type_text(self, text: str) -> None:
        key = self.focus
        if key in TEXT_FIELDS:
            value = self.texts.get(key, "") + text
            self._set(key, value[:MAX_TEXT[key]])

    def backspace(self) -> None:
        if self.focus:
            self._set(self.focus, self.texts.get(self.focus, "")[:-1])

    def clear_field(self) -> None:
        if self.focus:
            self._set(self.focus, "")

    def press(self, key: str) -> None:
        if self.focus in NUMBER_FIELDS:
            text = self.texts.get(self.focus, "")
            if self._fresh and (key.isdigit() or key == "dec"):
                text = ""
            self._fresh = False
            self._set(self.focus, keypad_edit(text, key, decimal_mark()))

    def on_typed(self, text: str) -> None:  # a physical keyboard
        if self.app.modal is not None or not self.focus:
            return
        if self.focus in NUMBER_FIELDS:
            for ch in text:
                if ch.isdigit():
                    self.press(ch)
                elif ch in ",.":
                    self.press("dec")
        else:
            self.type_text(text)

    def on_backspace_key(self) -> None:
        if self.app.modal is None:
            self.backspace()

    def on_enter_key(self) -> None:
        if self.app.modal is None:
            self.close_input()

    def _set(self, key: str, value: str) -> None:
        self.texts[key] = value
        self._changed(key)

    def _changed(self, key: str) -> None:
        if self._loading:
            return
        self.dirty = True
        if key in ("sale_mode", "unit", "tax_rate", "category", "active", "barcode"):
            self._touched.add(key)
        self._check_trigger()
        if not self.product_id and key in ("name", "brand", "category"):
            self.suggestions_open = True

    # --- scanning ------------------------------------------------------------------------------------
    def scanned(self, code: str) -> None:
        """A scan fills the barcodes field (it never sells while the editor is open)."""
        codes = self.texts.get("barcode", "").split()
        if code in codes:
            self.message(_("{code} is already in the barcodes.").format(code=code), "info", 3)
            return
        self._set("barcode", " ".join(codes + [code]))
        self._touched.add("barcode")
        self.check()
        problem = self.errors.get("barcode")
        if problem:
            self.message(problem, "error")
        else:
            self.message(_("Barcode {code} added.").format(code=code), "ok", 3)

    # --- checking ----------------------------------------------------------------------------------
    def form(self):  # noqa: ANN201
        return self.services.inventory.read_form(self.texts, category_id=self.category_id or None,
                                                 image_path=self.image_path or None, active=self.active,
                                                 product_id=self.product_id or None)

    def check(self) -> None:
        result = self.form()
        check = result.check
        self._problems = check.by_field()
        priced = bool(self.texts.get("price"))  # nothing to say about a price not typed yet
        self.margin_text = describe_margin(check.margin) if priced else ""
        self.warnings_text = "\n".join(check.warnings) if priced else ""
        self._show_errors()
        if self.suggestions_open and not self.product_id:
            self._suggest(result.draft)

    def _show_errors(self) -> None:
        shown = {k: v for k, v in self._problems.items() if k and (self._tried or k in self._touched)}
        if self.focus in shown and self.focus in TEXT_FIELDS + NUMBER_FIELDS and not self._tried:
            # no red while the field is being typed into for the first time
            if self.focus not in self._touched:
                shown.pop(self.focus)
        self.errors = shown

    # --- smart clone -----------------------------------------------------------------------------------
    def _suggest(self, draft) -> None:  # noqa: ANN001
        from kiosk.ui.widgets import KButton

        box = self.ids.suggestions
        box.clear_widgets()
        if not (draft.name or draft.brand):
            return
        for sg in self.services.product_clone.suggest_similar(draft, limit=SUGGESTIONS):
            btn = KButton(text=f"{sg.product.name}  \u2022  {', '.join(sg.reasons)}", role="plain",
                          halign="left", font_size=self.app.k * 15, size_hint_y=None, height=self.app.k * 50)
            btn.bold = False
            btn.bind(on_release=lambda b, pid=sg.product.id: self.clone_from(pid))
            box.add_widget(btn)

    def clone_from(self, product_id: int) -> None:
        inv = self.services.inventory
        keep = {k: self.texts.get(k, "") for k in ("name", "sku", "barcode")}
        source = inv.product_draft(product_id)
        draft = self.services.product_clone.clone_draft(product_id)
        self._loading = True
        texts = inv.form_texts(draft)
        for key, value in keep.items():
            if value:
                texts[key] = value
        self.texts = texts
        self.category_id = draft.category_id or 0
        self.image_path = draft.image_path or ""
        self.active = True
        self._loading = False
        self.suggestions_open = False
        self.ids.suggestions.clear_widgets()
        self.dirty = True
        self._build_choices()
        self._refresh_picture()
        self.check()
        self.message(_("Copied from {name}: change what is different.").format(name=source.name), "ok", 5)

    # --- picture -----------------------------------------------------------------------------------------
    def _category_color(self) -> str:
        for cat in self.choices.categories if self.choices else ():
            if cat.id == self.category_id:
                return cat.color
        return "#607D8B"

    def _refresh_picture(self) -> None:
        name = self.texts.get("name") or "?"
        self.image_texture = self.app.images.for_product(name, self.image_path or None, self._category_color())

    def choose_picture(self) -> None:
        from kiosk.ui.file_chooser import ImageChooserPopup

        self.close_input()
        self.app.open_modal(ImageChooserPopup(on_pick=self.set_picture))

    def set_picture(self, rel: str) -> None:
        self._pictures.add(rel)
        self.image_path = rel
        self._refresh_picture()
        self._changed("image")
        self.message(_("Picture imported."), "ok", 3)

    def remove_picture(self) -> None:
        self.image_path = ""
        self._refresh_picture()
        self._changed("image")

    # --- saving and leaving ------------------------------------------------------------------------------
    def save(self) -> None:
        self.close_input()
        self._tried = True
        try:
            saved = self.services.inventory.save_form(
                self.texts, self.staff, category_id=self.category_id or None, image_path=self.image_path or None,
                active=self.active, product_id=self.product_id or None)
        except DomainError as exc:
            self.check()
            key = problem_key(exc)
            self.message(str(exc), "error")
            if key:
                self._touched.add(key)
                self._show_errors()
                Clock.schedule_once(lambda dt: self._scroll_to_field(key), 0)
            return
        name = self.texts.get("name", "")
        self.dirty = False
        self._drop_unused_pictures()
        self.app.catalog_changed()
        target = self._return_to
        self.app.show(target)
        screen = self.app.screen(target)
        text = (_("Product created: {name}") if saved.created else _("Saved: {name}")).format(name=name)
        if saved.warnings:
            screen.message(text + ". " + " ".join(saved.warnings), "warn", 8)
        else:
            screen.message(text, "ok", 4)

    def _scroll_to_field(self, key: str) -> None:
        widget = self.ids.get("f_" + key)
        if widget is not None:
            self.ids.form_scroll.scroll_to(widget, padding=self.app.k * 30, animate=False)

    def open_ledger(self) -> None:
        if self.product_id:
            self.app.screen("ledger").open_product(self.product_id)

    def back(self) -> None:
        if self.focus:
            self.close_input()
            return
        if self.dirty:
            from kiosk.ui.sell import ConfirmPopup

            self.app.open_modal(ConfirmPopup(text=_("Leave without saving the changes?"),
                                             confirm_text=_("Discard"), on_yes=self._leave))
            return
        self._leave()

    def _leave(self) -> None:
        self.dirty = False
        self._drop_unused_pictures()
        self.app.show(self._return_to)

    def _drop_unused_pictures(self) -> None:
        """Photos imported and then replaced or not saved (and a replaced picture)
        would otherwise stay on the SD card for ever."""
        candidates, self._pictures = self._pictures, set()
        self.services.product_images.forget_unused(candidates)

    def teardown(self) -> None:
        self._check_trigger.cancel()


class CategoryPickerPopup(KioskPopup):
    error_text = StringProperty("")

    def __init__(self, choices, current: int, on_pick, **kwargs):  # noqa: ANN001
        self._on_pick = on_pick
        super().__init__(**kwargs)
        from kiosk.ui.widgets import KButton

        grid = self.ids.grid
        none = KButton(text=_("No category"), role="accent" if not current else "plain")
        none.bind(on_release=lambda b: self.pick(0))
        grid.add_widget(none)
        for cat in choices:
            label = cat.name + ("  (" + _("services") + ")" if cat.kind == "services" else "")
            btn = KButton(text=label, role="accent" if cat.id == current else "plain", font_size=self.app.k * 16)
            btn.bind(on_release=lambda b, cid=cat.id: self.pick(cid))
            grid.add_widget(btn)

    def pick(self, category_id: int) -> None:
        self.dismiss(animation=False)
        self._on_pick(category_id)
