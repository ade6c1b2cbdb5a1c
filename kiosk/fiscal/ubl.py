"""UBL 2.1 XML of a fiscal document, in schema order, as DIAN's technical annexes
describe it: ``Invoice`` for the POS document (20), its contingency form (08) and the
electronic invoice (01); ``CreditNote`` for the POS adjustment note (94) and the
invoice credit note (91).

The last ``ext:UBLExtension`` holds an empty ``ext:ExtensionContent`` for the
signature (kiosk/fiscal/xades.py puts it there). Every text goes through ``text()``:
lxml escapes ``<``, ``&`` and quotes; characters XML 1.0 cannot carry (control
characters) become spaces, so a product name typed with a stray control key still
gives a well-formed document.
"""

from __future__ import annotations

import re
from decimal import Decimal
from dataclasses import dataclass

from lxml import etree

from kiosk.core import fiscal as f
from kiosk.core.fiscal import DocumentKind, FiscalDocument, FiscalLine, TaxKind

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS_EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
NS_STS = "dian:gov:co:facturaelectronica:Structures-2-1"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
NS_XADES = "http://uri.etsi.org/01903/v1.3.2#"
NS_XADES141 = "http://uri.etsi.org/01903/v1.4.1#"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"

DIAN_AGENCY = {"schemeAgencyID": "195",
               "schemeAgencyName": "CO, DIAN (Dirección de Impuestos y Aduanas Nacionales)"}
TAX_SCHEME_NAMES = {"01": "IVA", "04": "INC", "03": "ICA", "ZZ": "No aplica"}

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """A value as XML character data: characters XML 1.0 forbids become spaces."""
    return _NOT_XML.sub(" ", str(value))


def nsmap(kind: DocumentKind) -> dict[str | None, str]:
    return {None: NS_CREDIT_NOTE if kind.is_credit_note else NS_INVOICE, "cac": NS_CAC, "cbc": NS_CBC,
            "ext": NS_EXT, "sts": NS_STS, "ds": NS_DS, "xades": NS_XADES, "xades141": NS_XADES141,
            "xsi": NS_XSI}


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def cbc(parent: etree._Element, name: str, value: object = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, _q(NS_CBC, name), {k: xml_text(v) for k, v in attrs.items()})
    if value is not None:
        el.text = xml_text(value)
    return el


def cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, _q(NS_CAC, name))


def sts(parent: etree._Element, name: str, value: object = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, _q(NS_STS, name), {k: xml_text(v) for k, v in attrs.items()})
    if value is not None:
        el.text = xml_text(value)
    return el


@dataclass
class BuiltXml:
    root: etree._Element
    signature_slot: etree._Element  # the empty ext:ExtensionContent of the last extension
    key: str  # CUDE or CUFE
    security_code: str


class _Builder:
    def __init__(self, doc: FiscalDocument):
        self.doc = doc
        self.totals = doc.totals()
        self.key = f.document_key(doc)
        self.security_code = f.software_security_code(doc.software.software_id, doc.software.pin,
                                                      doc.document_number)
        self.default_ns = NS_CREDIT_NOTE if doc.kind.is_credit_note else NS_INVOICE

    def amount(self, parent: etree._Element, name: str, minor: int) -> etree._Element:
        return cbc(parent, name, self.doc.amount(minor), currencyID=self.doc.currency)

    def own(self, parent: etree._Element, name: str) -> etree._Element:
        """An element in the document's default namespace (DIAN's POS extensions)."""
        return etree.SubElement(parent, _q(self.default_ns, name))

    # -- extensions --
    def extensions(self, root: etree._Element) -> etree._Element:
        exts = etree.SubElement(root, _q(NS_EXT, "UBLExtensions"))
        self.dian_extensions(self.extension(exts))
        if self.doc.kind.is_pos:
            self.pos_extensions(exts)
        return self.extension(exts)

    @staticmethod
    def extension(exts: etree._Element) -> etree._Element:
        ext = etree.SubElement(exts, _q(NS_EXT, "UBLExtension"))
        return etree.SubElement(ext, _q(NS_EXT, "ExtensionContent"))

    def dian_extensions(self, content: etree._Element) -> None:
        doc, sw = self.doc, self.doc.software
        de = sts(content, "DianExtensions")
        if doc.resolution is not None and not doc.kind.is_credit_note:
            res = doc.resolution
            control = sts(de, "InvoiceControl")
            sts(control, "InvoiceAuthorization", res.number)
            period = sts(control, "AuthorizationPeriod")
            cbc(period, "StartDate", res.valid_from.isoformat())
            cbc(period, "EndDate", res.valid_to.isoformat())
            authorized = sts(control, "AuthorizedInvoices")
            sts(authorized, "Prefix", res.prefix)
            sts(authorized, "From", res.range_from)
            sts(authorized, "To", res.range_to)
        source = sts(de, "InvoiceSource")
        cbc(source, "IdentificationCode", "CO", listAgencyID="6",
            listAgencyName="United Nations Economic Commission for Europe",
            listSchemeURI="urn:oasis:names:specification:ubl:codelist:gc:CountryIdentificationCode-2.1")
        provider = sts(de, "SoftwareProvider")
        sts(provider, "ProviderID", f.clean_id(sw.provider_nit), **DIAN_AGENCY, schemeID=sw.provider_dv,
            schemeName="31")
        sts(provider, "SoftwareID", sw.software_id, **DIAN_AGENCY)
        sts(de, "SoftwareSecurityCode", self.security_code, **DIAN_AGENCY)
        authority = sts(de, "AuthorizationProvider")
        sts(authority, "AuthorizationProviderID", f.DIAN_NIT, **DIAN_AGENCY, schemeID=f.DIAN_DV, schemeName="31")
        sts(de, "QRCode", f.qr_url(self.key, doc.environment))

    def name_values(self, parent: etree._Element, pairs: list[tuple[str, object]]) -> None:
        for name, value in pairs:
            self.own(parent, "Name").text = xml_text(name)
            self.own(parent, "Value").text = xml_text(value)

    def pos_extensions(self, exts: etree._Element) -> None:
        doc, sw, till, buyer = self.doc, self.doc.software, self.doc.till, self.doc.buyer
        assert till is not None  # validate_document requires it for POS documents
        maker = self.own(self.own(self.extension(exts), "FabricanteSoftware"),
                         "InformacionDelFabricanteDelSoftware")
        self.name_values(maker, [("NombreApellido", sw.maker_name), ("RazonSocial", sw.maker_company),
                                 ("NombreSoftware", sw.software_name)])
        benefits = self.own(self.own(self.extension(exts), "BeneficiosComprador"), "InformacionBeneficiosComprador")
        self.name_values(benefits, [("Codigo", f.clean_id(buyer.id_number)), ("NombresApellidos", buyer.name),
                                    ("Puntos", doc.buyer_points)])
        box = self.own(self.own(self.extension(exts), "PuntoVenta"), "InformacionCajaVenta")
        subtotal = till.subtotal if till.subtotal is not None else self.totals.line_extension
        self.name_values(box, [("PlacaCaja", till.plate), ("UbicaciónCaja", till.location), ("Cajero", till.cashier),
                               ("TipoCaja", till.till_type), ("CódigoVenta", till.sale_code),
                               ("SubTotal", doc.amount(subtotal))])

    # -- parties --
    def address(self, parent: etree._Element, name: str, a: f.Address) -> None:
        el = cac(parent, name)
        cbc(el, "ID", a.city_code)
        cbc(el, "CityName", a.city_name)
        if a.postal_zone:
            cbc(el, "PostalZone", a.postal_zone)
        cbc(el, "CountrySubentity", a.department)
        cbc(el, "CountrySubentityCode", a.department_code)
        cbc(cac(el, "AddressLine"), "Line", a.line)
        country = cac(el, "Country")
        cbc(country, "IdentificationCode", a.country_code)
        cbc(country, "Name", a.country_name, languageID="es")

    def company_id(self, parent: etree._Element, number: str, id_type: str, dv: str) -> None:
        attrs = dict(DIAN_AGENCY)
        if dv:
            attrs["schemeID"] = dv
        attrs["schemeName"] = id_type
        cbc(parent, "CompanyID", f.clean_id(number), **attrs)

    def tax_scheme(self, parent: etree._Element, code: str) -> None:
        scheme = cac(parent, "TaxScheme")
        cbc(scheme, "ID", code)
        cbc(scheme, "Name", TAX_SCHEME_NAMES.get(code, code))

    def supplier(self, root: etree._Element) -> None:
        s, doc = self.doc.seller, self.doc
        sp = cac(root, "AccountingSupplierParty")
        cbc(sp, "AdditionalAccountID", s.person.value)
        party = cac(sp, "Party")
        cbc(cac(party, "PartyName"), "Name", s.trade_name)
        location = cac(party, "PhysicalLocation")
        self.address(location, "Address", s.address)
        pts = cac(party, "PartyTaxScheme")
        cbc(pts, "RegistrationName", s.legal_name)
        self.company_id(pts, s.nit, "31", s.dv)
        cbc(pts, "TaxLevelCode", ";".join(s.responsibilities), listName="48")
        self.address(pts, "RegistrationAddress", s.address)
        self.tax_scheme(pts, s.tax_scheme)
        legal = cac(party, "PartyLegalEntity")
        cbc(legal, "RegistrationName", s.legal_name)
        self.company_id(legal, s.nit, "31", s.dv)
        cbc(cac(legal, "CorporateRegistrationScheme"), "ID", doc.prefix)
        if s.phone or s.email:
            contact = cac(party, "Contact")
            if s.phone:
                cbc(contact, "Telephone", s.phone)
            if s.email:
                cbc(contact, "ElectronicMail", s.email)

    def customer(self, root: etree._Element) -> None:
        b = self.doc.buyer
        cp = cac(root, "AccountingCustomerParty")
        cbc(cp, "AdditionalAccountID", b.person.value)
        party = cac(cp, "Party")
        ident = {"schemeName": b.id_type.value}
        if b.dv:
            ident["schemeID"] = b.dv
        cbc(cac(party, "PartyIdentification"), "ID", f.clean_id(b.id_number), **ident)
        cbc(cac(party, "PartyName"), "Name", b.name)
        if b.address is not None:
            self.address(cac(party, "PhysicalLocation"), "Address", b.address)
        pts = cac(party, "PartyTaxScheme")
        cbc(pts, "RegistrationName", b.name)
        self.company_id(pts, b.id_number, b.id_type.value, b.dv)
        cbc(pts, "TaxLevelCode", ";".join(b.responsibilities), listName="48")
        self.tax_scheme(pts, b.tax_scheme)
        legal = cac(party, "PartyLegalEntity")
        cbc(legal, "RegistrationName", b.name)
        self.company_id(legal, b.id_number, b.id_type.value, b.dv)
        if b.phone or b.email:
            contact = cac(party, "Contact")
            if b.phone:
                cbc(contact, "Telephone", b.phone)
            if b.email:
                cbc(contact, "ElectronicMail", b.email)

    # -- money --
    def payment_means(self, root: etree._Element) -> None:
        for p in self.doc.payments:
            pm = cac(root, "PaymentMeans")
            cbc(pm, "ID", p.form.value)
            cbc(pm, "PaymentMeansCode", p.code)
            if p.due_date is not None:
                cbc(pm, "PaymentDueDate", p.due_date.isoformat())

    def tax_total(self, parent: etree._Element, total: f.TaxTotal) -> None:
        tt = cac(parent, "TaxTotal")
        self.amount(tt, "TaxAmount", total.tax)
        for sub in total.subtotals:
            ts = cac(tt, "TaxSubtotal")
            self.amount(ts, "TaxableAmount", sub.taxable)
            self.amount(ts, "TaxAmount", sub.tax)
            category = cac(ts, "TaxCategory")
            cbc(category, "Percent", f.format_percent(sub.rate_bp))
            self.tax_scheme(category, sub.kind.value)

    def monetary_total(self, root: etree._Element) -> None:
        t = self.totals
        lmt = cac(root, "LegalMonetaryTotal")
        self.amount(lmt, "LineExtensionAmount", t.line_extension)
        self.amount(lmt, "TaxExclusiveAmount", t.tax_exclusive)
        self.amount(lmt, "TaxInclusiveAmount", t.tax_inclusive)
        if t.allowance_total:
            self.amount(lmt, "AllowanceTotalAmount", t.allowance_total)
        if t.charge_total:
            self.amount(lmt, "ChargeTotalAmount", t.charge_total)
        self.amount(lmt, "PayableAmount", t.payable)

    # -- lines --
    def line(self, root: etree._Element, line: FiscalLine) -> None:
        credit = self.doc.kind.is_credit_note
        el = cac(root, "CreditNoteLine" if credit else "InvoiceLine")
        cbc(el, "ID", line.position)
        quantity, unit = f.dian_quantity(line)
        cbc(el, "CreditedQuantity" if credit else "InvoicedQuantity", f.quantity_text(quantity), unitCode=unit.value)
        self.amount(el, "LineExtensionAmount", line.line_extension)
        if credit:  # CreditNoteLine: TaxTotal before AllowanceCharge
            self.line_tax(el, line)
            self.line_allowance(el, line)
        else:
            self.line_allowance(el, line)
            self.line_tax(el, line)
        item = cac(el, "Item")
        cbc(item, "Description", line.description)
        cbc(cac(item, "SellersItemIdentification"), "ID", line.code)
        standard = cac(item, "StandardItemIdentification")
        if line.gtin:
            cbc(standard, "ID", line.gtin, schemeID="010", schemeName="GTIN", schemeAgencyID="9")
        else:
            cbc(standard, "ID", line.code, schemeID="999", schemeName="Estándar de adopción del contribuyente")
        if line.category:
            prop = cac(item, "AdditionalItemProperty")
            cbc(prop, "Name", "Categoría")
            cbc(prop, "Value", line.category)
        price = cac(el, "Price")
        cbc(price, "PriceAmount", f.unit_price_text(line, self.doc.currency_decimals), currencyID=self.doc.currency)
        cbc(price, "BaseQuantity", f.quantity_text(Decimal(1)), unitCode=unit.value)

    def line_tax(self, parent: etree._Element, line: FiscalLine) -> None:
        if line.tax_kind is TaxKind.EXCLUDED:
            return
        sub = f.TaxSubtotal(line.tax_kind, line.rate_bp, line.line_extension, line.tax_amount)
        self.tax_total(parent, f.TaxTotal(line.tax_kind, line.tax_amount, (sub,)))

    def line_allowance(self, parent: etree._Element, line: FiscalLine) -> None:
        if not line.discount:
            return
        ac = cac(parent, "AllowanceCharge")
        cbc(ac, "ID", 1)
        cbc(ac, "ChargeIndicator", "false")
        cbc(ac, "AllowanceChargeReason", line.discount_reason)
        base = line.line_extension + line.discount
        factor = Decimal(line.discount) * 100 / base if base else Decimal(0)
        cbc(ac, "MultiplierFactorNumeric", f.format_decimal_amount(factor))
        self.amount(ac, "Amount", line.discount)
        self.amount(ac, "BaseAmount", base)

    # -- the document --
    def build(self) -> BuiltXml:
        doc, kind = self.doc, self.doc.kind
        root = etree.Element(_q(self.default_ns, "CreditNote" if kind.is_credit_note else "Invoice"),
                             nsmap=nsmap(kind))
        slot = self.extensions(root)
        cbc(root, "UBLVersionID", "UBL 2.1")
        cbc(root, "CustomizationID", kind.customization_id)
        cbc(root, "ProfileID", kind.profile_id)
        cbc(root, "ProfileExecutionID", doc.environment.value)
        cbc(root, "ID", doc.document_number)
        cbc(root, "UUID", self.key, schemeID=doc.environment.value, schemeName=kind.key_scheme)
        cbc(root, "IssueDate", doc.issue_date)
        cbc(root, "IssueTime", doc.issue_time)
        if kind.is_credit_note:
            cbc(root, "CreditNoteTypeCode", kind.value)
        else:
            cbc(root, "InvoiceTypeCode", kind.value)
        if doc.note:
            cbc(root, "Note", doc.note)
        cbc(root, "DocumentCurrencyCode", doc.currency)
        cbc(root, "LineCountNumeric", len(doc.lines))
        ref = doc.billing_reference
        if kind.is_credit_note and ref is not None:
            dr = cac(root, "DiscrepancyResponse")
            cbc(dr, "ReferenceID", ref.number)
            cbc(dr, "ResponseCode", doc.credit_note_concept.value if doc.credit_note_concept else "")
            cbc(dr, "Description", CONCEPT_DESCRIPTIONS.get(doc.credit_note_concept, ""))
            idr = cac(cac(root, "BillingReference"), "InvoiceDocumentReference")
            cbc(idr, "ID", ref.number)
            cbc(idr, "UUID", ref.key, schemeName=ref.key_scheme)
            cbc(idr, "IssueDate", ref.issue_date.isoformat())
            cbc(idr, "DocumentTypeCode", ref.document_type.value)
        self.supplier(root)
        self.customer(root)
        self.payment_means(root)
        for total in self.totals.taxes:
            self.tax_total(root, total)
        self.monetary_total(root)
        for line in doc.lines:
            self.line(root, line)
        return BuiltXml(root=root, signature_slot=slot, key=self.key, security_code=self.security_code)


CONCEPT_DESCRIPTIONS = {
    f.CreditNoteConcept.PARTIAL_RETURN: "Devolución parcial de los bienes y/o no aceptación parcial del servicio",
    f.CreditNoteConcept.ANNULMENT: "Anulación del documento",
    f.CreditNoteConcept.DISCOUNT: "Rebaja o descuento parcial o total",
    f.CreditNoteConcept.PRICE_ADJUSTMENT: "Ajuste de precio",
    f.CreditNoteConcept.EARLY_PAYMENT: "Descuento comercial por pronto pago",
    f.CreditNoteConcept.OTHER: "Otros",
}


def build_xml(document: FiscalDocument, *, validate: bool = True) -> BuiltXml:
    """The document's XML tree, unsigned (the signature slot is empty). Checks the
    document's consistency first (kiosk.core.fiscal.validate_document)."""
    if validate:
        f.validate_document(document)
    return _Builder(document).build()


# --- reading a document back ------------------------------------------------------

NS_READ = {"cbc": NS_CBC, "cac": NS_CAC, "ext": NS_EXT, "sts": NS_STS}


def read_hash_fields(root: etree._Element, key: str) -> f.HashFields:
    """The CUDE/CUFE fields as a document's XML holds them (to recompute its key)."""
    def text(path: str) -> str:
        return (root.findtext(path, namespaces=NS_READ) or "").strip()

    def tax(code: str) -> str:
        amounts = root.xpath("cac:TaxTotal[cac:TaxSubtotal/cac:TaxCategory/cac:TaxScheme/cbc:ID=$c]/cbc:TaxAmount"
                             "/text()", namespaces=NS_READ, c=code)
        return f.format_decimal_amount(sum((Decimal(a) for a in amounts), Decimal(0)))

    return f.HashFields(number=text("cbc:ID"), issue_date=text("cbc:IssueDate"), issue_time=text("cbc:IssueTime"),
                        subtotal=text("cac:LegalMonetaryTotal/cbc:LineExtensionAmount"), iva=tax("01"),
                        inc=tax("04"), ica=tax("03"), total=text("cac:LegalMonetaryTotal/cbc:PayableAmount"),
                        seller_nit=text("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"),
                        buyer_id=text("cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"),
                        key=key, environment=text("cbc:ProfileExecutionID"))
