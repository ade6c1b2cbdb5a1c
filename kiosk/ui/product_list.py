"""Products (staff): search the whole catalog, deactivated products included, open
one in the editor, see its stock ledger, or start a new product. A scan opens the
scanned product; an unknown code starts a new product with that barcode."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from kiosk.core.catalog import ProductRef
from kiosk.core.errors import DomainError, UnknownBarcode
from kiosk.formatting import format_quantity, format_unit_price
from kiosk.i18n import _
from kiosk.ui.base import KioskPopup
from kiosk.ui.widgets import SearchInput
from kiosk.ui.staff import StaffScreen
from kiosk.ui.shell import running_shell

PAGE = 100


def row_data(p: ProductRef) -> dict:
    details = [p.sku] + [x for x in (p.brand, p.category) if x]
    return {
        "product_id": p.id, "name": p.name, "detail": "  \u2022  ".join(details),
        "price_text": format_unit_price(p.price, p.uom),
        "stock_text": format_quantity(p.stock, p.uom) if p.tracks_stock else _("service"),
        "low": p.is_low, "active": p.active, "tracks": p.tracks_stock,
    }


class ProductRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    product_id = NumericProperty(0)
    name = StringProperty("")
    detail = StringProperty("")
    price_text = StringProperty("")
    stock_text = StringProperty("")
    low = BooleanProperty(False)
    active = BooleanProperty(True)
    tracks = BooleanProperty(True)

    def on_release(self) -> None:

        running_shell().screen("editor").open_product(self.product_id)

    def open_ledger(self) -> None:

        running_shell().screen("ledger").open_product(self.product_id)


class ProductListScreen(SearchInput, StaffScreen):
    query = StringProperty("")
    keyboard_open = BooleanProperty(False)
    count_text = StringProperty("")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._offset = 0
        self._more = False
        self._search_trigger = Clock.create_trigger(lambda dt: self.reload(), 0)

    def entering(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._offset = 0
        self._more = True
        self.ids.products.data = []
        self._load_page()
        self.ids.products.scroll_y = 1

    def _load_page(self) -> None:
        if not self._more:
            return
        found = self.services.catalog.search(self.query, limit=PAGE, offset=self._offset, include_inactive=True)
        self._offset += len(found)
        self._more = len(found) == PAGE
        self.ids.products.data.extend(row_data(p) for p in found)
        n = len(self.ids.products.data)
        if self.query and not n:
            self.count_text = _("Nothing matches \u201c{query}\u201d").format(query=self.query)
        else:
            self.count_text = ""

    def on_list_scroll(self, rv) -> None:  # noqa: ANN001
        if self._more and rv.scroll_y <= 0.15 and rv.data:
            self._load_page()

    # --- search ------------------------------------------------------------------------
    def on_typed(self, text: str) -> None:
        if self.app.modal is None:
            self.type_text(text)

    def on_backspace_key(self) -> None:
        if self.app.modal is None:
            self.backspace()

    def on_untyped(self, text: str) -> None:
        self.untype(text)

    # --- scanning ------------------------------------------------------------------------
    def scanned(self, code: str) -> None:
        self.find_code(code)

    def find_code(self, code: str) -> None:
        """Open the scanned product; an unknown code starts a new product with it."""
        try:
            product = self.services.stock.find(code)
        except UnknownBarcode:
            self.app.screen("editor").open_new(barcode=code)
            return
        except DomainError as exc:
            self.message(str(exc), "error")
            return
        self.app.screen("editor").open_product(product.id)

    def teardown(self) -> None:
        self._search_trigger.cancel()


class ProductPickerPopup(KioskPopup):
    """Find a product without a barcode by typing (deliveries and counts): products
    that keep stock, deactivated ones included."""

    query = StringProperty("")
    error_text = StringProperty("")

    def __init__(self, on_pick, **kwargs):  # noqa: ANN001
        self._on_pick = on_pick
        super().__init__(**kwargs)
        self._trigger = Clock.create_trigger(lambda dt: self.search(), 0)
        self.search()

    def search(self) -> None:
        found = [p for p in self.services.catalog.search(self.query, limit=30, include_inactive=True)
                 if p.tracks_stock]
        self.ids.results.data = [{
            "key": p.id, "owner": "modal", "title": p.name + ("" if p.active else "  (" + _("inactive") + ")"),
            "detail": p.sku, "value_text": format_quantity(p.stock, p.uom), "tone": "danger" if p.is_low else "text",
        } for p in found]
        self.error_text = "" if found or not self.query else \
            _("Nothing matches \u201c{query}\u201d").format(query=self.query)

    def type_text(self, text: str) -> None:
        self.query += text
        self._trigger()

    def backspace(self) -> None:
        self.query = self.query[:-1]
        self._trigger()

    def clear(self) -> None:
        self.query = ""
        self._trigger()

    def row_tapped(self, product_id: int) -> None:
        self._trigger.cancel()
        self.dismiss(animation=False)
        self._on_pick(product_id)

    def row_action(self, product_id: int) -> None:
        self.row_tapped(product_id)

    def on_dismiss(self) -> None:
        self._trigger.cancel()
