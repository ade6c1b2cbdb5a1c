"""Customers: DIAN's id types, the NIT check digit (computed, or refused with the right
one shown), duplicates, search, deactivation, the checkout's quick creation, and the
CSV import (all or nothing, a report per row) and export."""

from __future__ import annotations

import pytest

from kiosk.core.customers import CustomerDraft, parse_id_type
from kiosk.core.errors import NotPermitted
from kiosk.core.fiscal import IdType
from kiosk.core.fiscal_errors import InvalidCheckDigit
from kiosk.core.fiscal_shop_errors import (
    CustomerFieldInvalid,
    CustomerInactive,
    DuplicateCustomer,
    ReservedCustomerId,
    UnknownIdType,
)


def nit(**overrides) -> CustomerDraft:  # noqa: ANN003
    values = dict(id_type=IdType.NIT, id_number="860.069.804", name="Transportes Andinos S.A.",
                  email="compras@andinos.example")
    values.update(overrides)
    return CustomerDraft(**values)


def test_a_nit_without_check_digit_gets_it_computed(co_app, manager):
    c = co_app.customers.add(nit(), manager)
    assert (c.id_number, c.dv, c.person, c.identification) == ("860069804", "2", "legal", "860069804-2")
    assert co_app.customers.by_identification(IdType.NIT, "860069804") == c


def test_a_wrong_check_digit_is_refused_showing_the_right_one(co_app, manager):
    with pytest.raises(InvalidCheckDigit) as err:
        co_app.customers.add(nit(dv="7"), manager)
    assert err.value.message("en") == "NIT 860069804: the check digit is 2, not 7."
    assert "2" in str(err.value) and "7" in str(err.value)  # Spanish, on screen
    with pytest.raises(InvalidCheckDigit):
        co_app.customers.add(nit(id_number="860069804-5", dv=""), manager)  # written with the number
    assert co_app.customers.count(include_inactive=True) == 0
    assert co_app.customers.add(nit(id_number="860069804-2", dv=""), manager).dv == "2"


def test_unknown_id_type_is_refused():
    with pytest.raises(UnknownIdType) as err:
        parse_id_type("99")
    assert "13 (CC), 31 (NIT)" in err.value.message("en")
    assert [parse_id_type(t) for t in ("13", "CC", "nit", "Pasaporte", "42")] == [
        IdType.CEDULA, IdType.CEDULA, IdType.NIT, IdType.PASSPORT, IdType.FOREIGN_ID]


def test_duplicate_customer_id_names_who_has_it(co_app, manager):
    co_app.customers.add(nit(), manager)
    with pytest.raises(DuplicateCustomer) as err:
        co_app.customers.add(nit(name="Otra empresa", id_number="860069804"), manager)
    assert "Transportes Andinos" in err.value.message("en")
    # the same number as another id type is another person
    other = co_app.customers.add(CustomerDraft(id_type=IdType.CEDULA, id_number="860069804", name="Ana Gómez"),
                                 manager)
    assert other.person == "natural" and other.dv == ""


@pytest.mark.parametrize(("draft", "key"), [
    (CustomerDraft(IdType.CEDULA, "12AB45", "Ana"), "id_number"),
    (CustomerDraft(IdType.CEDULA, "12", "Ana"), "id_number"),
    (CustomerDraft(IdType.CEDULA, "52123456", ""), "name"),
    (CustomerDraft(IdType.CEDULA, "52123456", "Ana", dv="3"), "dv"),
    (CustomerDraft(IdType.CEDULA, "52123456", "Ana", person="legal"), "person"),
    (CustomerDraft(IdType.CEDULA, "52123456", "Ana", email="ana@"), "email"),
    (CustomerDraft(IdType.CEDULA, "52123456", "Ana", city_code="110"), "city_code"),
    (CustomerDraft(IdType.CEDULA, "52123456", "Ana", responsibilities=("O-99",)), "responsibilities"),
    (CustomerDraft(IdType.PASSPORT, "AB 12-34.56", "John Smith", phone="call me"), "phone"),
])
def test_bad_fields_are_refused_naming_the_field(co_app, manager, draft, key):
    with pytest.raises(CustomerFieldInvalid) as err:
        co_app.customers.add(draft, manager)
    assert err.value.params["key"] == key
    assert co_app.customers.count(include_inactive=True) == 0


def test_the_final_consumer_id_is_not_a_customer(co_app, manager, cashier):
    with pytest.raises(ReservedCustomerId):
        co_app.customers.add(CustomerDraft(IdType.CEDULA, "222222222222", "Consumidor final"), manager)
    with pytest.raises(ReservedCustomerId):
        co_app.customers.quick_add(IdType.CEDULA, "222222222222", "X", "", cashier)


def test_search_by_id_or_name_ignores_accents_and_dots(co_app, manager):
    andinos = co_app.customers.add(nit(), manager)
    ana = co_app.customers.add(CustomerDraft(IdType.CEDULA, "52.123.456", "Ana María Gómez"), manager)
    john = co_app.customers.add(CustomerDraft(IdType.PASSPORT, "x1234567", "John Smith"), manager)
    assert [c.id for c in co_app.customers.search("860.069")] == [andinos.id]
    assert [c.id for c in co_app.customers.search("860069804-2")] == [andinos.id]
    assert [c.id for c in co_app.customers.search("maria gomez")] == [ana.id]
    assert [c.id for c in co_app.customers.search("X123")] == [john.id]
    assert {c.id for c in co_app.customers.search("")} == {andinos.id, ana.id, john.id}
    assert co_app.customers.find("52123456").id == ana.id
    assert co_app.customers.find("CC:52123456").id == ana.id
    co_app.customers.set_active(ana.id, False, manager)
    assert co_app.customers.search("gomez") == []
    assert [c.id for c in co_app.customers.search("gomez", include_inactive=True)] == [ana.id]


def test_edit_keeps_the_id_unique_and_only_managers_edit(co_app, manager, cashier):
    a = co_app.customers.add(nit(), manager)
    b = co_app.customers.add(CustomerDraft(IdType.CEDULA, "52123456", "Ana"), manager)
    updated = co_app.customers.update(b.id, CustomerDraft(IdType.CEDULA, "52123456", "Ana Gómez",
                                                          email="ana@correo.example", city_code="05001"), manager)
    assert (updated.name, updated.email, updated.city_code) == ("Ana Gómez", "ana@correo.example", "05001")
    with pytest.raises(DuplicateCustomer):
        co_app.customers.update(b.id, nit(), manager)
    for action in (lambda: co_app.customers.add(nit(id_number="900544472"), cashier),
                   lambda: co_app.customers.update(a.id, nit(name="X"), cashier),
                   lambda: co_app.customers.set_active(a.id, False, cashier)):
        with pytest.raises(NotPermitted):
            action()
    assert co_app.customers.get(a.id).name == "Transportes Andinos S.A."


def test_quick_add_at_checkout_asks_only_what_the_law_allows(co_app, manager, cashier):
    c = co_app.customers.quick_add(IdType.NIT, "900544472", "Flota del Sur S.A.S.", "pagos@flota.example", cashier)
    assert (c.dv, c.person, c.phone, c.address, c.city_code, c.responsibilities) == (
        "2", "legal", "", "", "", ("R-99-PN",))
    # the same id again finds the stored customer, never overwrites it
    again = co_app.customers.quick_add(IdType.NIT, "900.544.472-2", "Otro nombre", "", cashier)
    assert again == c
    co_app.customers.set_active(c.id, False, manager)
    with pytest.raises(CustomerInactive):
        co_app.customers.quick_add(IdType.NIT, "900544472", "Flota del Sur S.A.S.", "", cashier)


GOOD_CSV = """id_type;id_number;dv;person;name;email;phone;address;city_code;responsibilities;active
31;860069804;;;Transportes Andinos S.A.;compras@andinos.example;;Calle 1;11001;O-13|O-15;1
CC;52.123.456;;;Ana María Gómez;;300 555 0101;;05001;;sí
41;X1234567;;;John Smith;;;;;;no
"""


def test_csv_import_is_all_or_nothing_with_a_report_per_row(co_app, manager, tmp_path):
    bad = GOOD_CSV.replace("31;860069804;;", "31;860069804;7;").replace("CC;52.123.456", "99;52.123.456") \
        + "13;52123456;;;;;;;;;\n"
    path = tmp_path / "clientes.csv"
    path.write_text(bad, encoding="utf-8")
    report = co_app.customers.import_file(path, manager)
    assert not report.ok and not report.applied
    problems = [(p.line, p.column) for p in report.problems]
    assert problems == [(2, "dv"), (3, "id_type"), (5, "name")]
    assert "the check digit is 2, not 7" in report.problems[0].text() or "es 2, no 7" in report.problems[0].text()
    assert co_app.customers.count(include_inactive=True) == 0  # nothing imported
    path.write_text(GOOD_CSV, encoding="utf-8")
    dry = co_app.customers.import_file(path, manager, dry_run=True)
    assert (dry.ok, dry.created, dry.applied) == (True, 3, False)
    assert co_app.customers.count(include_inactive=True) == 0
    report = co_app.customers.import_file(path, manager)
    assert (report.ok, report.created, report.updated, report.applied) == (True, 3, 0, True)
    andinos = co_app.customers.find("860069804")
    assert (andinos.dv, andinos.responsibilities, andinos.city_code) == ("2", ("O-13", "O-15"), "11001")
    assert not co_app.customers.find("PA:X1234567").active
    again = co_app.customers.import_file(path, manager)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_csv_repeated_rows_and_missing_columns_are_reported(co_app, manager, tmp_path):
    path = tmp_path / "clientes.csv"
    path.write_text("id_type,name\n13,Ana\n", encoding="utf-8")
    report = co_app.customers.import_file(path, manager)
    assert [(p.column, p.reason) for p in report.problems] == [("id_number", "required column is missing")] or \
        [p.column for p in report.problems] == ["id_number"]
    path.write_text("id_type,id_number,name\n13,52123456,Ana\n13,52.123.456,Ana G\n", encoding="utf-8")
    report = co_app.customers.import_file(path, manager)
    assert [(p.line, p.column) for p in report.problems] == [(3, "id_number")]


def test_export_is_the_import_format(co_app, manager, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    co_app.customers.import_file(path, manager)
    out = tmp_path / "out.csv"
    assert co_app.customers.export_file(out, include_inactive=True) == 3
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "id_type,id_number,dv,person,name,email,phone,address,city_code,responsibilities,active"
    assert "31,860069804,2,legal,Transportes Andinos S.A." in text
    report = co_app.customers.import_file(out, manager)
    assert (report.ok, report.unchanged) == (True, 3)
    assert co_app.customers.export_file(out) == 2  # active ones only
