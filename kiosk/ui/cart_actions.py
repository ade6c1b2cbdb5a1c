"""The selling screen's *Más* (issue 14): a line or whole-sale discount, a changed
price on a line, *Aparcar* (set the cart aside with an optional label) and
*Recuperar* (bring a parked cart back).

Every rule is the counter service's (kiosk/services/counter.py): the reasons come
from ``[sales] discount_reasons``; a discount above the role's limit raises
DiscountAboveLimit, and then a manager's PIN (the one ``AuthorisePopup``) authorises
that discount once; a changed price is the ``price_override`` act (``app.with_act``).
"""

from __future__ import annotations

from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from kiosk.core.discounts import Discount
from kiosk.core.errors import DomainError
from kiosk.core.money import to_minor
from kiosk.core.permissions import Act
from kiosk.core.returns_errors import DiscountAboveLimit
from kiosk.core.units import SYMBOL
from kiosk.formatting import format_unit_price, to_local
from kiosk.i18n import _, format_money, format_time, ngettext
from kiosk.ui.base import KioskPopup
from kiosk.ui.keypad_entry import KeypadEntry, typed_value
from kiosk.ui.shell import running_shell


def age_text(minutes: int) -> str:
    """"hace 5 min", "hace 2 h 10 min": how long a cart has been parked."""
    if minutes < 60:
        return _("{minutes} min ago").format(minutes=max(0, minutes))
    return _("{hours} h {minutes} min ago").format(hours=minutes // 60, minutes=f"{minutes % 60:02d}")


class CartActionsPopup(KioskPopup):
    """*Más*: big buttons for what the cart can do besides + and −."""

    has_lines = BooleanProperty(False)
    has_line = BooleanProperty(False)
    parked_count = NumericProperty(0)
    line_name = StringProperty("")
    error_text = StringProperty("")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        sell = self.app.screen("sell")
        cart = self.app.cart
        self.has_lines = not cart.is_empty
        line = next((ln for ln in cart.lines if ln.id == sell.selected_line), None)
        self.has_line = line is not None
        self.line_name = line.product.name if line is not None else ""
        self.parked_count = len(self.services.counter.parked())

    def line_discount(self) -> None:
        self.app.open_modal(DiscountPopup(line_id=self.app.screen("sell").selected_line))

    def sale_discount(self) -> None:
        self.app.open_modal(DiscountPopup(line_id=0))

    def price(self) -> None:
        line_id = self.app.screen("sell").selected_line
        self.app.open_modal(PricePopup(line_id=line_id))

    def park(self) -> None:
        self.app.open_modal(ParkPopup())

    def recall(self) -> None:
        if not self.app.cart.is_empty:
            self.show_error(_("Finish or park the sale in progress first: a parked cart comes back into an "
                              "empty one."))
            return
        self.app.open_modal(RecallPopup())


class ReasonedEntryPopup(KeypadEntry, KioskPopup):
    """A figure typed on the keypad for a line (``line_id``; 0: the whole sale) and
    the reason, one of the shop's ``[sales] discount_reasons`` buttons."""

    title = StringProperty("")
    entry = StringProperty("")
    reason = StringProperty("")
    reasons = ListProperty([])
    error_text = StringProperty("")
    line_id = NumericProperty(0)

    def __init__(self, line_id: int, **kwargs):
        super().__init__(line_id=line_id, **kwargs)
        self.reasons = list(self.services.counter.discount_reasons)

    def _build_reasons(self) -> None:
        from kiosk.ui.widgets import KButton

        box = self.ids.reasons
        box.clear_widgets()
        for reason in self.reasons:
            button = KButton(text=reason, role="plain", size_hint_y=None, height=self.app.k * 48)
            button.reason = reason
            button.bind(on_release=lambda b: self.pick_reason(b.reason))
            box.add_widget(button)

    def pick_reason(self, reason: str) -> None:
        self.reason = reason
        self.error_text = ""
        for button in self.ids.reasons.children:
            button.role = "accent" if button.reason == reason else "plain"


class DiscountPopup(ReasonedEntryPopup):
    """A discount on the selected line (``line_id``) or on the whole sale (0): a
    percentage or an amount, and the reason, picked from the shop's list."""

    kind = StringProperty("percent")  # percent | amount
    has_discount = BooleanProperty(False)

    def __init__(self, line_id: int, **kwargs):
        super().__init__(line_id, **kwargs)
        cart = self.app.cart
        if line_id:
            line = cart.line(line_id)
            self.title = _("Discount on {name} ({amount})").format(name=line.product.name,
                                                                   amount=format_money(line.total))
            current = line.discount
        else:
            self.title = _("Discount on the whole sale ({amount})").format(amount=format_money(cart.total))
            current = cart.sale_discount
        self.has_discount = current is not None
        self._build_reasons()

    def set_kind(self, kind: str) -> None:
        if kind != self.kind:
            self.kind = kind
            self.entry = ""
            self.error_text = ""

    def _discount(self) -> Discount | None:
        value = typed_value(self.entry)
        if value is None or value <= 0:
            self.show_error(_("Type the discount."))
            return None
        if not self.reason:
            self.show_error(_("Pick the reason for the discount."))
            return None
        if self.kind == "percent":
            return Discount.percent(value, self.reason)
        return Discount.amount(to_minor(value, self.app.settings.currency.decimals), self.reason)

    def apply(self) -> None:
        discount = self._discount()
        if discount is not None:
            self._give(discount)

    def take_back(self) -> None:
        self._give(None)

    def _call(self, actor, discount: Discount | None) -> None:  # noqa: ANN001
        counter = self.services.counter
        if self.line_id:
            counter.discount_line(actor, self.line_id, discount)
        else:
            counter.discount_sale(actor, discount)

    def _give(self, discount: Discount | None) -> None:
        app = self.app
        try:
            self._call(app.user, discount)
        except DiscountAboveLimit as exc:
            # Above the role's limit: someone who may types their PIN, good for this discount once.
            from kiosk.ui.pins import AuthorisePopup

            sell = app.screen("sell")
            sell.message(str(exc), "warn")

            def authorised(actor) -> None:  # noqa: ANN001
                try:
                    self._call(actor, discount)
                except DomainError as again:
                    sell.message(str(again), "error")
                    return
                by = actor.grant.authoriser.name if actor.grant is not None else actor.name
                sell.message(_("Discount given (authorised by {name}).").format(name=by), "ok", 5)

            app.open_modal(AuthorisePopup(Act.DISCOUNT, authorised))
            return
        except DomainError as exc:
            self.show_error(str(exc))
            return
        self.dismiss(animation=False)
        app.screen("sell").message(_("Discount given.") if discount is not None else _("Discount taken back."),
                                   "ok", 3)


class PricePopup(ReasonedEntryPopup):
    """A price typed instead of the catalog's on the selected line (the
    ``price_override`` act), with a reason."""

    unit_text = StringProperty("")
    overridden = BooleanProperty(False)

    def __init__(self, line_id: int, **kwargs):
        super().__init__(line_id, **kwargs)
        line = self.app.cart.line(line_id)
        self.title = _("New price for {name} (now {price})").format(
            name=line.product.name, price=format_unit_price(line.price, line.product.uom))
        self.unit_text = ("/" + SYMBOL[line.product.uom]) if line.product.bulk else ""
        self.overridden = line.override_price is not None
        self._build_reasons()

    def apply(self) -> None:
        value = typed_value(self.entry)
        if value is None:
            self.show_error(_("Type the new price."))
            return
        if not self.reason:
            self.show_error(_("Pick the reason for the new price."))
            return
        self._set(to_minor(value, self.app.settings.currency.decimals), self.reason)

    def take_back(self) -> None:
        self._set(None, "")

    def _set(self, price: int | None, reason: str) -> None:
        app = self.app
        sell = app.screen("sell")
        line_id = self.line_id
        run = self.act_runner(
            lambda actor: self.services.counter.override_price(actor, line_id, price, reason),
            lambda _result: sell.message(_("Price changed.") if price is not None else _("Catalog price back."),
                                         "ok", 3), sell)
        if price is None:
            run(app.user)
        else:
            app.with_act(Act.PRICE_OVERRIDE, run)


class ParkPopup(KioskPopup):
    """*Aparcar*: an optional label ("señora del pan") typed on the on-screen keyboard."""

    label = StringProperty("")
    error_text = StringProperty("")
    summary = StringProperty("")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        cart = self.app.cart
        self.summary = ngettext("{count} line, {total}", "{count} lines, {total}", len(cart)).format(
            count=len(cart), total=format_money(cart.total))

    def type_text(self, text: str) -> None:
        self.error_text = ""
        self.label = (self.label + text)[:40]

    def backspace(self) -> None:
        self.label = self.label[:-1]

    def clear(self) -> None:
        self.label = ""

    def park(self) -> None:
        sell, label = self.app.screen("sell"), self.label.strip()

        def parked(_result) -> None:  # noqa: ANN001
            sell.refresh_cart()
            sell.message(_("Sale parked: {label}. Recall it with More, Recall.").format(
                label=label or _("no label")), "ok", 5)

        self.act_runner(lambda user: self.services.counter.park(user.id, label), parked, sell)(self.app.user)


class ParkedCartRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    uuid = StringProperty("")
    label = StringProperty("")
    detail = StringProperty("")
    total_text = StringProperty("")
    old = BooleanProperty(False)

    def on_release(self) -> None:
        modal = running_shell().modal
        if isinstance(modal, RecallPopup):
            modal.recall(self.uuid)


class RecallPopup(KioskPopup):
    """*Recuperar*: the parked carts, oldest first (label, age, total, cashier); a tap
    brings one back as this cashier's cart."""

    error_text = StringProperty("")
    empty = BooleanProperty(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        from db.models import utcnow  # noqa: PLC0415 - the counter's own clock (naive UTC)

        counter = self.services.counter
        names = {u.id: u.name for u in self.services.users.users(include_inactive=True)}
        now = utcnow()
        flag = counter.parked_flag_hours * 60
        rows = []
        for p in counter.parked():
            minutes = int((now - p.parked_at).total_seconds() // 60)
            rows.append({
                "uuid": p.uuid, "label": p.label or _("(no label)"),
                "detail": "  \u2022  ".join([
                    format_time(to_local(p.parked_at)) + " (" + age_text(minutes) + ")",
                    ngettext("{count} line", "{count} lines", p.lines).format(count=p.lines),
                    names.get(p.user_id, "?")]),
                "total_text": format_money(p.total), "old": minutes > flag})
        self.ids.parked.data = rows
        self.empty = not rows

    def recall(self, uuid: str) -> None:
        sell = self.app.screen("sell")

        def recalled(view) -> None:  # noqa: ANN001
            sell.refresh_cart()
            if not view.notices:
                sell.message(_("Parked sale recalled."), "ok", 3)
            else:  # a product taken off sale meanwhile left the cart: said, and kept in view
                sell.message("; ".join(view.notices), "warn", 12)

        self.act_runner(lambda user: self.services.counter.recall(user.id, uuid), recalled, sell)(self.app.user)
