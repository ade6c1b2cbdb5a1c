"""Domain errors of the shop's fiscal side: customers, numbering resolutions and the
fiscal documents a sale, return or void issues. (The electronic document's own
errors are kiosk.core.fiscal_errors.)"""

from __future__ import annotations

from kiosk.core.errors import DomainError
from kiosk.i18n import N_, translate


class TranslatedParamsError(DomainError):
    """An error some of whose parameters are N_() texts, translated with the template
    and filled with the same parameters (a reason may say "{date}")."""

    translated_params: tuple[str, ...] = ()

    def message(self, language: str | None = None) -> str:
        params = self._render_params()
        for key in self.translated_params:
            params[key] = self.part(key, language)
        return translate(self.template, language).format(**params)

    def part(self, key: str, language: str | None = None) -> str:
        """One translated parameter on its own (a form's field error without the field)."""
        return translate(str(self.params[key]), language).format(**self._render_params())


# --- customers -----------------------------------------------------------------------

class CustomerFieldInvalid(TranslatedParamsError):
    """``key`` names the field (and CSV column)."""

    code = "customer_field"
    template = N_("{field}: {reason}")
    translated_params = ("field", "reason")


class UnknownIdType(DomainError):
    code = "unknown_id_type"
    template = N_("{code} is not an identification type: use 13 (CC), 31 (NIT), 22 (CE), 41 (passport), "
                  "12 (TI) or 42 (foreign ID).")


class DuplicateCustomer(DomainError):
    code = "duplicate_customer"
    template = N_("{id_type} {number} is already the customer {name}.")


class ReservedCustomerId(DomainError):
    code = "reserved_customer_id"
    template = N_("{number} is the anonymous final consumer: leave the customer empty instead.")


class CustomerNotFound(DomainError):
    code = "customer_not_found"
    template = N_("No customer {what}.")


class CustomerInactive(DomainError):
    code = "customer_inactive"
    template = N_("The customer {name} is deactivated: activate it in Customers first.")


# --- numbering -------------------------------------------------------------------------

class ResolutionInvalid(TranslatedParamsError):
    code = "resolution_invalid"
    template = N_("{field}: {reason}")
    translated_params = ("field", "reason")


class OverlappingRange(TranslatedParamsError):
    code = "overlapping_range"
    template = N_("The numbers {prefix}{first} to {prefix}{last} overlap resolution {resolution} "
                  "({kind}, {prefix}{other_first} to {prefix}{other_last}): a document number would be used twice.")
    translated_params = ("kind",)


class ResolutionNotFound(DomainError):
    code = "resolution_not_found"
    template = N_("No numbering resolution {what}.")


class NumberingUnavailable(TranslatedParamsError):
    """No resolution can number the document: ``reason`` says why (N_ text)."""

    code = "numbering_unavailable"
    template = N_("The {kind} cannot be numbered: {reason} A manager must add a DIAN numbering resolution "
                  "for this till (Customers > Numbering, or kiosk-admin numbering add).")
    translated_params = ("kind", "reason")


# --- documents -------------------------------------------------------------------------

class InvoiceNeedsCustomer(DomainError):
    code = "invoice_needs_customer"
    template = N_("An electronic invoice needs the customer: choose or create one (name, ID and e-mail).")


class InvoiceRequiredByAmount(DomainError):
    code = "invoice_required"
    template = N_("Sales of {threshold} or more are issued as an electronic invoice: choose the customer.")


class ForeignTillDocument(DomainError):
    code = "foreign_till_document"
    template = N_("{document} was issued by another till ({till}): make the credit note at that till.")


class FiscalDocumentMissing(DomainError):
    code = "fiscal_document_missing"
    template = N_("Sale {reference} has no fiscal document to correct.")


class CreditTooLarge(DomainError):
    code = "credit_too_large"
    template = N_("{document}, line {position} ({name}): {asked} cannot be credited, only {left} is left.")


class CreditLineUnknown(DomainError):
    code = "credit_line_unknown"
    template = N_("{document} has no line {line}.")


class NothingToCredit(DomainError):
    code = "nothing_to_credit"
    template = N_("{document} has nothing left to credit: earlier credit notes cover all of it.")


class FiscalProfileOff(DomainError):
    code = "fiscal_profile_off"
    template = N_("The fiscal profile is off ([fiscal] country is not \"CO\").")
