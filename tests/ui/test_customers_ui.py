"""The fiscal profile on the real screens: the Clientes screen (search, add a company
by its NIT with the check digit computed as it is typed), the checkout's customer
picker and Factura toggle, an invoice issued and printed, then a line returned
against it at service level (returns' screens are issue 14's); screenshots at
800x480 and 1280x800, day and night."""

from __future__ import annotations

import pytest

from hardware.printer.decode import decode
from kiosk.app_factory import build
from kiosk.core import fiscal as f
from kiosk.i18n import _
from kiosk.services.fiscal_documents import CreditLine
from tests.conftest import ADMIN_PIN
from tests.fiscal_shop.shop import add_resolutions, fiscal_overrides, fiscal_settings, load_serviteca
from tests.ui.staff_support import type_on
from tests.ui.test_screenshots import shoot


@pytest.fixture(scope="module")
def serviteca_template(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    state = tmp_path_factory.mktemp("serviteca-template")
    app = build(fiscal_settings(state))
    boss = app.users.authenticate("000000")
    load_serviteca(app, boss)
    add_resolutions(app, boss)
    from kiosk.core.customers import CustomerDraft

    app.customers.add(CustomerDraft(f.IdType.CEDULA, "52123456", "Ana María Gómez", email="ana@correo.example"),
                      boss)
    # the first start's admin has replaced the default PIN (the forced change has its own tests)
    app.users.set_pin(boss.id, ADMIN_PIN)
    app.close()
    return state


def open_customers(ui) -> None:  # noqa: ANN001
    ui.tap(ui.screen("sell").ids.topbar.ids.admin_entry)
    ui.until(lambda: ui.current == "staff", what="the staff menu")
    ui.tap(ui.screen("staff").ids.menu_customers)
    ui.until(lambda: ui.current == "customers", what="the customers screen")
    ui.frames(3)


@pytest.mark.parametrize("size", [(800, 480), (1280, 800)], ids=["800x480", "1280x800"])
@pytest.mark.parametrize("theme", ["day", "night"])
def test_customers_screen_and_picker_screenshots(make_ui, serviteca_template, size, theme) -> None:  # noqa: ANN001
    ui = make_ui(template=serviteca_template, **fiscal_overrides())
    app = ui.app
    app.theme.apply(theme)
    ui.resize(*size)
    checked: list = []
    ui.pin(ADMIN_PIN)
    ui.until(lambda: ui.current == "sell", what="the selling screen")
    open_customers(ui)
    shoot(ui, "customers", checked)
    screen = ui.screen("customers")
    ui.tap(screen.ids.new_customer)
    form = app.modal
    ui.tap(form.ids.type_31)
    type_on(ui, form.ids.keyboard, "860069804")
    ui.frames(3)
    assert form.dv_text == _("Check digit {dv}").format(dv="2")
    shoot(ui, "customers-form", checked)
    form.dismiss(animation=False)
    app.leave_staff()
    ui.tap(ui.tile("Café tinto"))
    ui.tap(ui.screen("sell").ids.charge)
    ui.until(lambda: ui.current == "checkout", what="the checkout")
    checkout = ui.screen("checkout")
    ui.tap(checkout.ids.customer_button)
    picker = app.modal
    type_on(ui, picker.ids.keyboard, "ana")
    ui.until(lambda: len(picker.ids.rows.data) == 1, what="the customer found")
    shoot(ui, "customer-picker", checked)
    app.modal.dismiss(animation=False)
    shoot(ui, "checkout-fiscal", checked)
    small = [(name, bad) for name, bad in checked if bad]
    assert not small, f"touch targets under 48 px: {small}"


def test_attach_a_company_by_nit_issue_an_invoice_and_return_a_line(make_ui, serviteca_template) -> None:  # noqa: ANN001
    ui = make_ui(template=serviteca_template, **fiscal_overrides())
    app = ui.app
    services = app.services
    ui.pin(ADMIN_PIN)
    ui.until(lambda: ui.current == "sell", what="the selling screen")

    # Clientes: a wrong check digit is refused with the right one shown; then saved.
    open_customers(ui)
    screen = ui.screen("customers")
    ui.tap(screen.ids.new_customer)
    form = app.modal
    ui.tap(form.ids.type_31)
    type_on(ui, form.ids.keyboard, "860069804-7")
    ui.tap(form.ids.name_field)
    type_on(ui, form.ids.keyboard, "Transportes Andinos")
    ui.tap(form.ids.customer_save)
    assert app.modal is form and "2" in form.error_text and "7" in form.error_text  # refused, the right DV shown
    ui.tap(form.ids.id_number_field)
    for _i in range(2):
        ui.tap(form.ids.keyboard.ids.backspace_key if "backspace_key" in form.ids.keyboard.ids
               else ui.find_text("\u232b", form.ids.keyboard))
    ui.frames(2)
    assert form.texts["id_number"] == "860069804"
    ui.tap(form.ids.customer_save)
    ui.until(lambda: app.modal is None, what="the customer saved")
    fleet = services.customers.find("860069804")
    assert (fleet.dv, fleet.name, fleet.person) == ("2", "Transportes Andinos", "legal")
    assert any(r["title"] == "Transportes Andinos" for r in screen.ids.rows.data)
    app.leave_staff()

    # Checkout: Factura without a customer asks for one; the NIT is typed in the picker.
    ui.tap(ui.tile("Cera para autos 250 ml"))
    ui.tap(ui.tile("Cera para autos 250 ml"))
    ui.tap(ui.tile("Café tinto"))
    ui.tap(ui.screen("sell").ids.charge)
    ui.until(lambda: ui.current == "checkout", what="the checkout")
    checkout = ui.screen("checkout")
    assert checkout.customer_text == _("Final consumer") and "CJ11" in checkout.document_text
    ui.tap(checkout.ids.invoice_toggle)
    picker = app.modal
    assert picker is not None and not checkout.can_confirm  # an invoice needs the customer first
    type_on(ui, picker.ids.keyboard, "860069")
    ui.until(lambda: len(picker.ids.rows.data) == 1, what="the company found")
    ui.tap(picker.ids.rows.children[0].children[0])
    ui.until(lambda: app.modal is None, what="the customer chosen")
    assert checkout.customer_id == fleet.id and checkout.invoice and "FE11" in checkout.document_text
    ui.tap(checkout.ids.method_card)
    ui.until(lambda: checkout.can_confirm, what="Confirm enabled")
    ui.confirm_sale()

    sale = services.sales.detail(number=1)
    doc = services.fiscal.sale_document(sale.summary.id)
    assert (doc.kind, doc.document_number, doc.buyer.customer_id, doc.buyer.identification) == (
        f.DocumentKind.INVOICE, "FE11", fleet.id, "860069804-2")
    printed = " ".join(" ".join(decode(services.printing.payload(
        services.printing.last_job_id(sale.summary.id))).text_lines(48)).split())
    assert "Factura electrónica de venta" in printed and "No. FE11" in printed and "860069804-2" in printed
    # the next sale starts with the final consumer again
    assert checkout.customer_id == 0 and not checkout.invoice
    done = ui.screen("done")
    assert _("Electronic invoice {number}").format(number="FE11") in done.payments_text
    ui.screenshot("done-invoice")
    ui.tap(ui.find_text(_("View receipt")))
    ui.until(lambda: app.modal is not None, what="the receipt preview")
    ui.wait(0.3)
    ui.screenshot("receipt-invoice")
    ui.resize(1280, 800)
    ui.wait(0.3)
    ui.screenshot("receipt-invoice")
    app.modal.dismiss(animation=False)

    # A line returned against the invoice (what issue 14's return will call).
    wax = doc.lines[0]
    services.fiscal.check_credit(sale.summary.id, [CreditLine(wax.sale_line_id, 1)])
    with services.db.write_connection() as conn:
        note = services.fiscal.issue_credit_note(conn, sale_id=sale.summary.id,
                                                 lines=[CreditLine(wax.sale_line_id, 1)], origin="return",
                                                 user_id=app.user.id)
    assert (note.kind, note.document_number, note.total) == (f.DocumentKind.INVOICE_CREDIT_NOTE, "NC11", 24_500)
    assert services.fiscal.electronic_document(note.id).billing_reference.number == "FE11"
