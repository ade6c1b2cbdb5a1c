"""Domain errors of the fiscal documents (DIAN electronic POS documents, invoices and
credit notes): a document that is not consistent enough to be built, signed and sent.
Kept apart from kiosk.core.errors so the fiscal area owns its messages."""

from __future__ import annotations

from kiosk.core.errors import DomainError
from kiosk.i18n import N_, translate


class FiscalError(DomainError):
    """Base of the fiscal errors; ``translated_params`` names parameters that are
    themselves N_() texts, translated with the template."""

    code = "fiscal"
    template = N_("The fiscal document cannot be issued.")
    translated_params: tuple[str, ...] = ()  # parameters that are N_() texts themselves

    def message(self, language: str | None = None) -> str:
        params = self._render_params()
        for key in self.translated_params:
            params[key] = translate(str(params[key]), language)
        return translate(self.template, language).format(**params)


class FiscalDocumentError(FiscalError):
    code = "fiscal_document"


class EmptyFiscalDocument(FiscalDocumentError):
    code = "fiscal_empty"
    template = N_("Document {document}: a fiscal document needs at least one line.")


class FiscalTotalMismatch(FiscalDocumentError):
    code = "fiscal_total_mismatch"
    template = N_("Document {document}: its lines add up to {computed} but the document says {declared}.")


class FiscalLineTaxMismatch(FiscalDocumentError):
    code = "fiscal_line_tax_mismatch"
    template = N_("Document {document}, line {position}: tax {tax} is not {rate} % of {base}.")


class FiscalTaxTotalMismatch(FiscalDocumentError):
    code = "fiscal_tax_total_mismatch"
    template = N_("Document {document}: {tax} {rate} % is {tax_total} but its lines add up to {lines_total}.")


class FiscalLineInvalid(FiscalDocumentError):
    code = "fiscal_line_invalid"
    template = N_("Document {document}, line {position}: {reason}")
    translated_params = ("reason",)


class BuyerFieldMissing(FiscalDocumentError):
    code = "fiscal_buyer_field_missing"
    template = N_("Document {document}: an electronic invoice needs the buyer's {field}.")
    translated_params = ("field",)


class InvalidCheckDigit(FiscalDocumentError):
    code = "fiscal_check_digit"
    template = N_("NIT {nit}: the check digit is {expected}, not {given}.")


class InvalidTaxId(FiscalDocumentError):
    code = "fiscal_tax_id"
    template = N_("{who}: {number} is not a valid identification number (digits only, without the check digit).")
    translated_params = ("who",)


class ResolutionMissing(FiscalDocumentError):
    code = "fiscal_resolution_missing"
    template = N_("Document {document} needs its DIAN numbering resolution.")


class NumberOutsideRange(FiscalDocumentError):
    code = "fiscal_number_outside_range"
    template = N_("Document {document} is outside the range {first} to {last} authorized by resolution {resolution}.")


class ResolutionNotValidOn(FiscalDocumentError):
    code = "fiscal_resolution_dates"
    template = N_("Resolution {resolution} is valid from {start} to {end}; document {document} is dated {date}.")


class PrefixMismatch(FiscalDocumentError):
    code = "fiscal_prefix_mismatch"
    template = N_("Document {document}: its prefix {prefix} is not the prefix {authorized} of resolution {resolution}.")


class InvalidPrefix(FiscalDocumentError):
    code = "fiscal_prefix"
    template = N_("The prefix {prefix} must be at most 4 letters or digits.")


class TillDataMissing(FiscalDocumentError):
    code = "fiscal_till_missing"
    template = N_("Document {document}: a POS document needs the till's plate, location and cashier.")


class PaymentMeansMissing(FiscalDocumentError):
    code = "fiscal_payment_missing"
    template = N_("Document {document} needs at least one means of payment.")


class BillingReferenceMissing(FiscalDocumentError):
    code = "fiscal_reference_missing"
    template = N_("Credit note {document} must refer to the document it corrects (number, CUDE/CUFE and date).")


class CreditNoteConceptMissing(FiscalDocumentError):
    code = "fiscal_concept_missing"
    template = N_("Credit note {document} needs the concept of the correction (1 to 6).")


class IssueTimeWithoutZone(FiscalDocumentError):
    code = "fiscal_naive_time"
    template = N_("Document {document}: the issue time must carry its time zone.")


class SoftwareDataMissing(FiscalDocumentError):
    code = "fiscal_software_missing"
    template = N_("The software data is incomplete: {field} is missing.")


class TechnicalKeyMissing(FiscalDocumentError):
    code = "fiscal_technical_key_missing"
    template = N_("Invoice {document}: the numbering resolution has no technical key, needed for the CUFE.")
