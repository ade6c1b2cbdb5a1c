"""The UBL 2.1 XML of every document type: valid against the OASIS schemas, DIAN's
extensions and fields where they belong, bulk quantities in DIAN's units, amounts with
two decimals, times in -05:00, hostile text escaped; inconsistent documents refused."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from lxml import etree

from kiosk.core import fiscal as f
from kiosk.core import fiscal_errors as fe
from kiosk.core.units import Uom
from kiosk.fiscal.engine import build_signed, sign_document
from kiosk.fiscal.samples import INVOICE_BUYER, sample_document, with_lines
from kiosk.fiscal.ubl import NS_CAC, NS_CBC, NS_EXT, NS_INVOICE, NS_STS, build_xml, read_hash_fields

from .conftest import xmlsec_verify

NS = {"cbc": NS_CBC, "cac": NS_CAC, "ext": NS_EXT, "sts": NS_STS, "inv": NS_INVOICE,
      "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"}


def parsed(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


@pytest.mark.parametrize("kind", list(f.DocumentKind))
def test_every_document_type_validates_against_the_ubl_schemas(kind, signer, validator):
    doc = sample_document(kind)
    signed = sign_document(doc, signer)
    assert validator.errors(signed.xml) == []
    root = parsed(signed.xml)
    assert etree.QName(root).localname == ("CreditNote" if kind.is_credit_note else "Invoice")
    assert root.findtext("cbc:UBLVersionID", namespaces=NS) == "UBL 2.1"
    assert root.findtext("cbc:ProfileID", namespaces=NS) == kind.profile_id
    assert root.findtext("cbc:ProfileExecutionID", namespaces=NS) == "2"
    type_code = root.findtext("cbc:CreditNoteTypeCode" if kind.is_credit_note else "cbc:InvoiceTypeCode",
                              namespaces=NS)
    assert type_code == kind.value
    uuid = root.find("cbc:UUID", NS)
    assert uuid.text == signed.key == f.document_key(doc)
    assert uuid.get("schemeName") == ("CUFE-SHA384" if kind is f.DocumentKind.INVOICE else "CUDE-SHA384")
    assert uuid.get("schemeID") == "2"
    # the hash recomputed from what the XML holds is the one it carries
    key = doc.resolution.technical_key if kind.uses_cufe else doc.software.pin
    assert read_hash_fields(root, key).hash() == uuid.text
    assert root.findtext(".//sts:QRCode", namespaces=NS) == signed.qr
    assert signed.qr.endswith(signed.key) and "catalogo-vpfe-hab.dian.gov.co" in signed.qr
    code = root.findtext(".//sts:SoftwareSecurityCode", namespaces=NS)
    assert code == f.software_security_code(doc.software.software_id, doc.software.pin, doc.document_number)
    # the signature sits in the last extension
    last = root.findall("ext:UBLExtensions/ext:UBLExtension", NS)[-1]
    assert etree.QName(last.find("ext:ExtensionContent", NS)[0]).localname == "Signature"


def test_pos_document_carries_the_five_extensions_with_dian_names(signer):
    doc = sample_document(f.DocumentKind.POS)
    root = parsed(build_signed(doc, signer))
    contents = [c[0] for c in root.findall("ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent", NS)]
    assert [etree.QName(c).localname for c in contents] == [
        "DianExtensions", "FabricanteSoftware", "BeneficiosComprador", "PuntoVenta", "Signature"]
    assert etree.QName(contents[0]).namespace == NS_STS
    for c in contents[1:4]:  # DIAN's POS extensions are in the document's default namespace
        assert etree.QName(c).namespace == NS_INVOICE
    box = contents[3].find("inv:InformacionCajaVenta", NS)
    names = [n.text for n in box.findall("inv:Name", NS)]
    values = [v.text for v in box.findall("inv:Value", NS)]
    assert names == ["PlacaCaja", "UbicaciónCaja", "Cajero", "TipoCaja", "CódigoVenta", "SubTotal"]
    assert dict(zip(names, values))["SubTotal"] == doc.amount(doc.totals().line_extension)
    assert dict(zip(names, values))["Cajero"] == "Ana Pérez"
    benefits = contents[2].find("inv:InformacionBeneficiosComprador", NS)
    assert [n.text for n in benefits.findall("inv:Name", NS)] == ["Codigo", "NombresApellidos", "Puntos"]
    assert [v.text for v in benefits.findall("inv:Value", NS)] == ["222222222222", "Consumidor final", "0"]
    maker = contents[1].find("inv:InformacionDelFabricanteDelSoftware", NS)
    assert [n.text for n in maker.findall("inv:Name", NS)] == ["NombreApellido", "RazonSocial", "NombreSoftware"]
    control = root.find(".//sts:InvoiceControl", NS)
    assert control.findtext("sts:InvoiceAuthorization", namespaces=NS) == doc.resolution.number
    assert control.findtext("sts:AuthorizedInvoices/sts:Prefix", namespaces=NS) == "CJ1"
    provider = root.find(".//sts:AuthorizationProvider/sts:AuthorizationProviderID", NS)
    assert (provider.text, provider.get("schemeID")) == ("800197268", "4")
    buyer = root.find("cac:AccountingCustomerParty", NS)
    assert buyer.findtext("cbc:AdditionalAccountID", namespaces=NS) == "2"
    ident = buyer.find("cac:Party/cac:PartyIdentification/cbc:ID", NS)
    assert (ident.text, ident.get("schemeName")) == ("222222222222", "13")
    seller_id = root.find("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID", NS)
    assert (seller_id.text, seller_id.get("schemeID"), seller_id.get("schemeName")) == ("900373076", "4", "31")
    assert root.findtext("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:TaxLevelCode",
                         namespaces=NS) == "O-13"


def test_invoice_has_no_pos_extensions_and_the_credit_note_points_at_its_original(signer):
    invoice = parsed(build_signed(sample_document(f.DocumentKind.INVOICE), signer))
    assert len(invoice.findall("ext:UBLExtensions/ext:UBLExtension", NS)) == 2
    buyer_id = invoice.find("cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID", NS)
    assert (buyer_id.text, buyer_id.get("schemeName"), buyer_id.get("schemeID")) == ("860069804", "31", "2")
    note_doc = sample_document(f.DocumentKind.POS_ADJUSTMENT_CREDIT)
    note = parsed(build_signed(note_doc, signer))
    ref = note.find("cac:BillingReference/cac:InvoiceDocumentReference", NS)
    assert ref.findtext("cbc:ID", namespaces=NS) == note_doc.billing_reference.number
    assert ref.find("cbc:UUID", NS).get("schemeName") == "CUDE-SHA384"
    assert ref.findtext("cbc:DocumentTypeCode", namespaces=NS) == "20"
    assert note.findtext("cbc:CustomizationID", namespaces=NS) == "20"
    assert note.findtext("cac:DiscrepancyResponse/cbc:ResponseCode", namespaces=NS) == "1"
    assert note.find(".//sts:InvoiceControl", NS) is None  # notes have no numbering resolution
    assert len(note.findall("cac:CreditNoteLine", NS)) == len(note_doc.lines)


def test_bulk_lines_carry_decimal_quantities_in_dian_units(signer, validator):
    doc = sample_document(lines=10)
    root = parsed(build_signed(doc, signer, validator=validator))
    quantities = {ln.findtext("cac:Item/cac:SellersItemIdentification/cbc:ID", namespaces=NS):
                  ln.find("cbc:InvoicedQuantity", NS) for ln in root.findall("cac:InvoiceLine", NS)}
    seen = {code: (q.text, q.get("unitCode")) for code, q in quantities.items()}
    assert seen["DET-GAL"] == ("1.50", "LTR")  # 1500 ml priced per litre
    assert seen["JAB-KG"] == ("0.75", "KGM")  # 750 g priced per kilo
    assert seen["SHAMPOO-ML"] == ("350.00", "MLT")
    assert seen["SAL-G"] == ("1200.00", "GRM")
    assert seen["LIMP-GAL"] == ("3.785", "LTR")  # a gallon-priced product goes out in litres
    assert seen["CERA-250"] == ("2.00", "94")
    price = root.find("cac:InvoiceLine[1]/cac:Price", NS)
    assert price.find("cbc:BaseQuantity", NS).get("unitCode") == "LTR"
    line = doc.lines[0]
    assert Decimal(price.findtext("cbc:PriceAmount", namespaces=NS)) == \
        (Decimal(line.line_extension) / Decimal("1.5")).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    hourly = replace(doc.lines[5], dian_unit=f.DianUnit.HOUR, quantity=2)
    assert f.dian_quantity(hourly) == (Decimal(2), f.DianUnit.HOUR)


def test_money_has_two_decimals_and_times_are_bogota(signer):
    doc = sample_document(issued_at=datetime(2026, 3, 15, 2, 10, 0, tzinfo=timezone.utc))  # 21:10 on the 14th
    root = parsed(build_signed(doc, signer))
    assert root.findtext("cbc:IssueDate", namespaces=NS) == "2026-03-14"
    assert root.findtext("cbc:IssueTime", namespaces=NS) == "21:10:00-05:00"
    amounts = root.xpath("//*[@currencyID]")
    assert len(amounts) > 40
    for el in amounts:
        assert re.fullmatch(r"\d+\.\d\d", el.text), (etree.QName(el).localname, el.text)
        assert el.get("currencyID") == "COP"
    totals = doc.totals()
    lmt = root.find("cac:LegalMonetaryTotal", NS)
    assert lmt.findtext("cbc:PayableAmount", namespaces=NS) == f"{totals.payable}.00"
    assert lmt.findtext("cbc:LineExtensionAmount", namespaces=NS) == f"{totals.line_extension}.00"
    assert lmt.findtext("cbc:TaxInclusiveAmount", namespaces=NS) == f"{totals.tax_inclusive}.00"
    assert totals.tax_inclusive == totals.line_extension + sum(t.tax for t in totals.taxes)
    for percent in root.xpath("//cbc:Percent/text()", namespaces=NS):
        assert re.fullmatch(r"\d+\.\d\d", percent)
    signing_time = root.xpath("//*[local-name()='SigningTime']/text()")[0]
    assert signing_time.endswith("-05:00")


def test_totals_group_taxes_per_scheme_and_rate_and_leave_excluded_lines_out():
    doc = sample_document(lines=10)
    t = doc.totals()
    kinds = {(tt.kind, s.rate_bp) for tt in t.taxes for s in tt.subtotals}
    assert kinds == {(f.TaxKind.IVA, 0), (f.TaxKind.IVA, 500), (f.TaxKind.IVA, 1900), (f.TaxKind.INC, 800)}
    excluded = [ln for ln in doc.lines if not ln.taxed]
    assert excluded and t.tax_exclusive == t.line_extension - sum(ln.line_extension for ln in excluded)
    for tt in t.taxes:
        assert tt.tax == sum(ln.tax_amount for ln in doc.lines if ln.tax_kind is tt.kind)
    assert t.payable == sum(ln.line_extension + ln.tax_amount for ln in doc.lines)


def test_a_line_discount_is_an_allowance(signer, validator):
    doc = sample_document(lines=3, discount_first=1000)
    assert doc.lines[0].discount > 0
    root = parsed(build_signed(doc, signer, validator=validator))
    allowance = root.find("cac:InvoiceLine[1]/cac:AllowanceCharge", NS)
    assert allowance.findtext("cbc:ChargeIndicator", namespaces=NS) == "false"
    assert allowance.findtext("cbc:Amount", namespaces=NS) == f"{doc.lines[0].discount}.00"
    base = doc.lines[0].line_extension + doc.lines[0].discount
    assert allowance.findtext("cbc:BaseAmount", namespaces=NS) == f"{base}.00"


HOSTILE = ['<script>alert("x")</script> & Co', "Jabón 'premium' \"extra\" & <b>", "cierre ]]> y CDATA <![CDATA[x]]>",
           "con\x01control\x08y\x1bescape\x0bfin", "Ñandú ± ½ “comillas”"]


def test_hostile_text_in_names_and_buyer_data_is_escaped(signer, validator, identity, tmp_path):
    buyer = replace(INVOICE_BUYER, name='ACME <Ltda> & "Hijos" ]]>', email="a&b<c>@example.com")
    doc = sample_document(f.DocumentKind.INVOICE, lines=5, names=HOSTILE, buyer=buyer)
    xml = build_signed(doc, signer, validator=validator)
    assert b"<script>" not in xml and b"<b>" not in xml and b"]]>" not in xml and b"<![CDATA[" not in xml
    root = parsed(xml)
    descriptions = [d.text for d in root.findall("cac:InvoiceLine/cac:Item/cbc:Description", NS)]
    expected = [re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", " ", n) for n in HOSTILE]
    assert descriptions == expected
    assert root.findtext("cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name", namespaces=NS) == buyer.name
    assert root.findtext("cac:AccountingCustomerParty/cac:Party/cac:Contact/cbc:ElectronicMail",
                         namespaces=NS) == buyer.email
    result = xmlsec_verify(xml, identity, tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_200_line_invoice_builds_validates_and_signs(signer, validator, identity, tmp_path):
    doc = sample_document(f.DocumentKind.INVOICE, lines=200)
    xml = build_signed(doc, signer, validator=validator)
    root = parsed(xml)
    assert root.findtext("cbc:LineCountNumeric", namespaces=NS) == "200"
    assert len(root.findall("cac:InvoiceLine", NS)) == 200
    result = xmlsec_verify(xml, identity, tmp_path)
    assert result.returncode == 0, result.stderr


# --- refusals ------------------------------------------------------------------------

def test_a_document_whose_totals_do_not_add_up_is_refused():
    doc = sample_document()
    with pytest.raises(fe.FiscalTotalMismatch) as err:
        build_xml(replace(doc, payable=doc.totals().payable + 100))
    assert f"{doc.totals().payable}.00" in str(err.value) and "CJ11001" in str(err.value)


def test_a_line_whose_tax_is_not_its_rate_is_refused():
    doc = sample_document()
    bad = replace(doc.lines[0], tax_amount=doc.lines[0].tax_amount + 500)
    with pytest.raises(fe.FiscalLineTaxMismatch) as err:
        f.validate_document(with_lines(doc, (bad, *doc.lines[1:])))
    assert "line 1" in str(err.value) and "19 %" in str(err.value)


@pytest.mark.parametrize("change, field", [
    (dict(name=""), "name"),
    (dict(id_number=""), "identification number"),
    (dict(dv=""), "NIT check digit"),
])
def test_an_invoice_missing_a_buyer_field_is_refused(change, field):
    doc = sample_document(f.DocumentKind.INVOICE, buyer=replace(INVOICE_BUYER, **change))
    with pytest.raises(fe.BuyerFieldMissing) as err:
        build_xml(doc)
    assert str(err.value) == f"Document FE11001: an electronic invoice needs the buyer's {field}."


def test_an_invoice_sent_by_e_mail_needs_the_buyer_e_mail_and_messages_are_spanish_by_default():
    from kiosk import i18n

    doc = replace(sample_document(f.DocumentKind.INVOICE, buyer=replace(INVOICE_BUYER, email="")), printed=False)
    with pytest.raises(fe.BuyerFieldMissing) as err:
        f.validate_document(doc)
    i18n.configure(language="es")
    assert str(err.value) == ("Documento FE11001: una factura electrónica necesita el correo electrónico "
                              "del adquiriente.")
    f.validate_document(replace(doc, printed=True))  # on paper the e-mail is not needed


def test_wrong_check_digit_number_range_and_dates_are_refused():
    doc = sample_document(f.DocumentKind.INVOICE, buyer=replace(INVOICE_BUYER, dv="7"))
    with pytest.raises(fe.InvalidCheckDigit, match="the check digit is 2, not 7"):
        f.validate_document(doc)
    pos = sample_document()
    with pytest.raises(fe.NumberOutsideRange):
        f.validate_document(replace(pos, number=pos.resolution.range_to + 1))
    with pytest.raises(fe.ResolutionNotValidOn):
        f.validate_document(replace(pos, issued_at=datetime(2028, 1, 3, 9, 0, tzinfo=f.BOGOTA)))
    with pytest.raises(fe.IssueTimeWithoutZone):
        f.validate_document(replace(pos, issued_at=datetime(2026, 3, 14, 9, 0)))
    with pytest.raises(fe.TillDataMissing):
        f.validate_document(replace(pos, till=None))
    with pytest.raises(fe.InvalidPrefix):
        f.validate_document(replace(pos, prefix="CAJA1"))
    note = sample_document(f.DocumentKind.POS_ADJUSTMENT_CREDIT)
    with pytest.raises(fe.BillingReferenceMissing):
        f.validate_document(replace(note, billing_reference=None))
    with pytest.raises(fe.EmptyFiscalDocument):
        f.validate_document(replace(pos, lines=(), payable=0))


def test_consumidor_final_and_utc_minus_five():
    buyer = f.BuyerParty.consumidor_final()
    assert (buyer.id_number, buyer.id_type, buyer.person) == ("222222222222", f.IdType.CEDULA, f.PersonKind.NATURAL)
    assert buyer.is_consumidor_final
    assert f.format_time(datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))) == "05:00:00-05:00"
    line = f.FiscalLine(1, "X", "x", "c", 2500, Uom.GAL, 1, 1, f.TaxKind.EXCLUDED, 0, 0)
    assert f.dian_quantity(line) == (Decimal("2.5"), f.DianUnit.LITRE)
