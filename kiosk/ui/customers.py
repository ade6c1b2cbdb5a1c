"""Customers (fiscal profile): the *Clientes* screen of the staff area (search by id or
name, add, edit, deactivate; the numbering warnings), the customer form, and the
checkout's customer picker (type or scan the id, pick, or create on the spot with
only what the law lets the shop ask: name, id type and number, e-mail).

Every rule (id types, check digit, duplicates) is the customer service's; these
classes keep what is typed and show the service's answers."""

from __future__ import annotations

from collections.abc import Callable

from kivy.properties import BooleanProperty, DictProperty, ListProperty, NumericProperty, StringProperty

from kiosk.core.customers import (
    FIELD_LABELS,
    RESPONSIBILITIES,
    CustomerDraft,
    CustomerInfo,
    clean_number,
    customer_problems,
    id_type_label,
    nit_check_digit,
    normalized,
)
from kiosk.core.errors import DomainError
from kiosk.core.fiscal import DocumentKind, IdType
from kiosk.core.fiscal_shop_errors import CustomerFieldInvalid
from kiosk.core.scanning import ScanEvent
from kiosk.i18n import N_, _, ngettext, translate
from kiosk.ui.base import KioskPopup
from kiosk.ui.staff import StaffScreen

ID_TYPES = (IdType.CEDULA, IdType.NIT, IdType.CEDULA_EXTRANJERIA, IdType.PASSPORT, IdType.TARJETA_IDENTIDAD,
            IdType.FOREIGN_ID)
# Short enough for six buttons in a row at 800x480.
TYPE_BUTTONS = {IdType.CEDULA: N_("CC"), IdType.NIT: N_("NIT"), IdType.CEDULA_EXTRANJERIA: N_("CE"),
                IdType.PASSPORT: N_("Passport"), IdType.TARJETA_IDENTIDAD: N_("TI"), IdType.FOREIGN_ID: N_("Foreign")}
QUICK_FIELDS = ("id_number", "name", "email")
FULL_FIELDS = ("id_number", "name", "email", "phone", "address", "city_code")
DIGIT_FIELDS = ("phone", "city_code")
MAX_TEXT = {"id_number": 24, "name": 200, "email": 120, "phone": 32, "address": 200, "city_code": 5}


DOCUMENT_NAMES = {
    DocumentKind.POS: N_("POS document {number}"),
    DocumentKind.POS_CONTINGENCY: N_("POS document {number} (contingency)"),
    DocumentKind.INVOICE: N_("Electronic invoice {number}"),
}


def document_label(kind: DocumentKind, number: str) -> str:
    """What the checkout says the sale will be: "Factura electrónica FE11"."""
    return translate(DOCUMENT_NAMES[kind]).format(number=number)


def count_text(n: int) -> str:
    return ngettext("{count} customer", "{count} customers", n).format(count=n)


def row_of(c: CustomerInfo, owner: str) -> dict:
    detail = f"{id_type_label(c.id_type)} {c.identification}"
    if c.email:
        detail += "  \u2022  " + c.email
    return {"key": c.id, "owner": owner, "title": c.name, "detail": detail,
            "value_text": "" if c.active else _("inactive"), "tone": "muted", "dim": not c.active}


class SearchBox:
    """What the customers screen and the checkout's picker share: a search text typed
    on the on-screen keyboard; the class's ``reload()`` shows what it finds."""

    def type_text(self, text: str) -> None:
        self.search_text = (self.search_text + text)[:40]
        self.reload()

    def backspace(self) -> None:
        self.search_text = self.search_text[:-1]
        self.reload()

    def clear_search(self) -> None:
        self.search_text = ""
        self.reload()


class CustomersScreen(SearchBox, StaffScreen):
    search_text = StringProperty("")
    searching = BooleanProperty(False)
    show_inactive = BooleanProperty(False)
    count_text = StringProperty("")

    def entering(self) -> None:
        self.reload()
        self.numbering_warnings()

    def reload(self) -> None:
        found = self.services.customers.search(self.search_text, include_inactive=self.show_inactive, limit=200)
        self._found = {c.id: c for c in found}
        self.ids.rows.data = [row_of(c, "customers") for c in found]
        self.count_text = count_text(len(found)) if found else \
            _("No customer matches.") if self.search_text else _("No customers yet: add one.")

    def toggle_inactive(self) -> None:
        self.show_inactive = not self.show_inactive
        self.reload()

    # search box
    def start_search(self) -> None:
        self.searching = True

    def close_search(self) -> None:
        self.searching = False

    def on_typed(self, text: str) -> None:  # a physical keyboard
        if self.app.modal is None:
            self.searching = True
            self.type_text(text)

    def on_backspace_key(self) -> None:
        if self.app.modal is None:
            self.backspace()

    def scanned(self, code: str) -> None:
        self.search_text = code
        self.reload()
        if len(self._found) == 1:
            self.row_tapped(next(iter(self._found)))

    # rows
    def row_tapped(self, customer_id: int) -> None:
        self.app.open_modal(CustomerFormPopup(customer=self._found[customer_id], on_saved=self._saved))

    def row_action(self, customer_id: int) -> None:
        self.row_tapped(customer_id)

    def new_customer(self) -> None:
        number = clean_number(IdType.NIT, self.search_text)[0]
        self.app.open_modal(CustomerFormPopup(on_saved=self._saved,
                                              number=number if number.isdigit() else ""))

    def _saved(self, customer: CustomerInfo, text: str) -> None:
        self.reload()
        self.message(text.format(name=customer.name), "ok", 5)


class CustomerFormPopup(KioskPopup):
    """Add or edit a customer. ``quick``: the checkout's form (name, id, e-mail), open
    to any cashier; else every field, for managers in the staff area."""

    quick = BooleanProperty(False)
    customer_id = NumericProperty(0)
    id_type = StringProperty(IdType.CEDULA.value)  # DIAN's code
    person = StringProperty("")
    responsibilities = ListProperty(["R-99-PN"])
    active = BooleanProperty(True)
    texts = DictProperty({})
    errors = DictProperty({})
    focus = StringProperty("")
    error_text = StringProperty("")
    dv_text = StringProperty("")
    id_types = ListProperty([(t.value, "") for t in ID_TYPES])
    codes = ListProperty(list(RESPONSIBILITIES))
    captions = DictProperty({})

    def __init__(self, *, on_saved: Callable[[CustomerInfo, str], None], customer: CustomerInfo | None = None,
                 quick: bool = False, number: str = "", **kwargs):
        self._on_saved = on_saved
        super().__init__(quick=quick, **kwargs)
        self.id_types = [(t.value, translate(TYPE_BUTTONS[t])) for t in ID_TYPES]
        if customer is not None:
            self.customer_id = customer.id
            self.id_type = customer.id_type.value
            self.person = customer.person
            self.responsibilities = list(customer.responsibilities)
            self.active = customer.active
            self.texts = {"id_number": customer.id_number, "name": customer.name, "email": customer.email,
                          "phone": customer.phone, "address": customer.address, "city_code": customer.city_code}
        else:
            self.texts = {"id_number": number}
            if len(number) >= 9:  # NITs of companies have 9 digits
                self.id_type = IdType.NIT.value
        self.captions = {k: translate(FIELD_LABELS[k]) for k in FIELD_LABELS}
        self._check()
        self.set_focus("id_number" if not number else "name")

    @property
    def fields(self) -> tuple[str, ...]:
        return QUICK_FIELDS if self.quick else FULL_FIELDS

    # typing
    def set_focus(self, key: str) -> None:
        self.focus = key
        keyboard = self.ids.keyboard
        keyboard.digits = key in DIGIT_FIELDS or (key == "id_number" and self.id_type not in ("41", "42"))
        keyboard.shift = "once" if key in ("name", "address") and not self.texts.get(key) else "off"
        scroll = self.ids.get("form_scroll")
        block = self.ids.get("f_" + key)
        if scroll is not None and block is not None:
            self.app.later(lambda: scroll.scroll_to(block, padding=self.app.k * 20, animate=False))

    def next_field(self) -> None:
        order = self.fields
        if self.focus in order and order.index(self.focus) + 1 < len(order):
            self.set_focus(order[order.index(self.focus) + 1])
        else:
            self.save()

    def type_text(self, text: str) -> None:
        if self.focus:
            self._set(self.focus, (self.texts.get(self.focus, "") + text)[:MAX_TEXT[self.focus]])

    def backspace(self) -> None:
        if self.focus:
            self._set(self.focus, self.texts.get(self.focus, "")[:-1])

    def clear_field(self) -> None:
        if self.focus:
            self._set(self.focus, "")

    def _set(self, key: str, value: str) -> None:
        self.texts[key] = value
        self.error_text = ""
        self._check()

    def set_id_type(self, value: str) -> None:
        self.id_type = value
        if value != IdType.NIT.value and self.person == "legal":
            self.person = ""
        self.set_focus("id_number")
        self._check()

    def set_person(self, value: str) -> None:
        self.person = value
        self._check()

    def toggle_code(self, code: str) -> None:
        codes = [c for c in self.responsibilities if c != code] if code in self.responsibilities else \
            [c for c in self.responsibilities if c != "R-99-PN"] + [code]
        if code == "R-99-PN" or not codes:
            codes = ["R-99-PN"]
        self.responsibilities = codes
        self._check()

    def toggle_active(self) -> None:
        self.active = not self.active

    def on_scan(self, event: ScanEvent) -> None:
        """A scanned id (a customer card, the code on a RUT) goes into the number."""
        self._set("id_number", event.code[:MAX_TEXT["id_number"]])
        self.set_focus("name")

    # checking and saving
    def draft(self) -> CustomerDraft:
        t = self.texts
        return CustomerDraft(id_type=IdType(self.id_type), id_number=t.get("id_number", ""), name=t.get("name", ""),
                             person="" if self.quick else self.person, email=t.get("email", ""),
                             phone=t.get("phone", ""), address=t.get("address", ""), city_code=t.get("city_code", ""),
                             responsibilities=tuple(self.responsibilities), active=self.active)

    def _check(self) -> None:
        """Live: the NIT's check digit as it is typed, and each field's problem."""
        d = normalized(self.draft())
        self.dv_text = ""
        if d.id_type is IdType.NIT and d.id_number.isdigit() and 5 <= len(d.id_number) <= 10:
            self.dv_text = _("Check digit {dv}").format(dv=d.dv or nit_check_digit(d.id_number))
        errors = {}
        for err in customer_problems(d):
            key = str(err.params.get("key", ""))
            if key and key not in errors and (self.texts.get(key) or key not in ("name", "id_number")):
                errors[key] = err.part("reason") if isinstance(err, CustomerFieldInvalid) else str(err)
        self.errors = errors

    def save(self) -> None:
        app = self.app
        customers = app.context.customers
        try:
            if self.customer_id:
                saved = customers.update(self.customer_id, self.draft(), app.staff)
                if saved.active != self.active:
                    saved = customers.set_active(self.customer_id, self.active, app.staff)
                text = _("Customer saved: {name}")
            elif self.quick:
                saved = customers.quick_add(IdType(self.id_type), self.texts.get("id_number", ""),
                                            self.texts.get("name", ""), self.texts.get("email", ""), app.user)
                text = _("Customer: {name}")
            else:
                saved = customers.add(self.draft(), app.staff)
                text = _("Customer added: {name}")
        except DomainError as exc:
            key = str(exc.params.get("key", ""))
            if key in self.fields:
                self.set_focus(key)
            self.show_error(str(exc))
            return
        self.dismiss(animation=False)
        self._on_saved(saved, text)


class CustomerPickerPopup(SearchBox, KioskPopup):
    """The checkout's *Cliente*: type or scan the id (or a name), tap the customer;
    *Nuevo cliente* creates one on the spot; *Consumidor final* clears it."""

    search_text = StringProperty("")
    error_text = StringProperty("")
    count_text = StringProperty("")

    def __init__(self, on_pick: Callable[[CustomerInfo | None], None], **kwargs):
        self._on_pick = on_pick
        self._found: dict[int, CustomerInfo] = {}
        super().__init__(**kwargs)
        self.reload()

    def reload(self) -> None:
        found = self.services.customers.search(self.search_text, limit=30) if self.search_text else []
        self._found = {c.id: c for c in found}
        self.ids.rows.data = [row_of(c, "modal") for c in found]
        self.count_text = "" if not self.search_text else (
            count_text(len(found)) if found else
            _("Nobody with that id or name: create the customer."))

    def on_scan(self, event: ScanEvent) -> None:
        self.search_text = event.code[:40]
        self.reload()
        exact = [c for c in self._found.values() if c.id_number == clean_number(c.id_type, event.code)[0]]
        if len(exact) == 1:
            self.pick(exact[0])

    def row_tapped(self, customer_id: int) -> None:
        self.pick(self._found[customer_id])

    def row_action(self, customer_id: int) -> None:
        self.row_tapped(customer_id)

    def pick(self, customer: CustomerInfo | None) -> None:
        self.dismiss(animation=False)
        self._on_pick(customer)

    def new_customer(self) -> None:
        number = clean_number(IdType.NIT, self.search_text)[0]
        self.app.open_modal(CustomerFormPopup(quick=True, number=number if number.isdigit() else "",
                                              on_saved=lambda c, _text: self._on_pick(c)))
