"""Domain errors of returns, voids, discounts and parked carts (issue 14)."""

from __future__ import annotations

from kiosk.core.errors import DomainError
from kiosk.i18n import N_


class DiscountInvalid(DomainError):
    code = "discount_invalid"
    template = N_("A discount must be more than zero.")


class DiscountTooLarge(DomainError):
    code = "discount_too_large"
    template = N_("A discount of {discount} is not possible on {amount}: it must leave something to pay. "
                  "To give goods away, remove the line.")


class DiscountReasonUnknown(DomainError):
    code = "discount_reason_unknown"
    template = N_("“{reason}” is not one of the discount reasons ({reasons}).")


class DiscountAboveLimit(DomainError):
    code = "discount_above_limit"
    template = N_("A discount of {percent} % is above your limit of {limit} %: a manager must authorise it.")


class PriceOverrideInvalid(DomainError):
    code = "price_override_invalid"
    template = N_("A price must be zero or more (got {price}).")


class ReturnQuantityTooLarge(DomainError):
    code = "return_quantity_too_large"
    template = N_("Line {position} ({name}): {asked} cannot come back, only {left} is left to return "
                  "(sold {sold}).")


class ReturnLineUnknown(DomainError):
    code = "return_line_unknown"
    template = N_("Sale {reference} has no line {position}.")


class ReturnNothing(DomainError):
    code = "return_nothing"
    template = N_("Choose at least one line and a quantity to return.")


class ReturnReasonRequired(DomainError):
    code = "return_reason_required"
    template = N_("Choose the reason for the return ({reasons}).")


class SaleIsVoided(DomainError):
    code = "sale_is_voided"
    template = N_("Sale {reference} was voided: nothing of it can be returned.")


class SaleHasReturns(DomainError):
    code = "sale_has_returns"
    template = N_("Sale {reference} already has a return: it cannot be voided. Return the rest instead.")


class SaleAlreadyVoided(DomainError):
    code = "sale_already_voided"
    template = N_("Sale {reference} is already voided.")


class VoidReasonRequired(DomainError):
    code = "void_reason_required"
    template = N_("Write why the sale is voided.")


class VoidNotAllowedNow(DomainError):
    code = "void_not_allowed_now"
    template = N_("Sale {reference} can no longer be voided: only a sale of today at this till can be voided. "
                  "Make a return instead.")


class RefundMethodNotPermitted(DomainError):
    code = "refund_method_not_permitted"
    template = N_("The sale was paid by {paid}: refunding by {asked} needs a manager's authorisation.")


class ReturnNotFound(DomainError):
    code = "return_not_found"
    template = N_("No return number {number}.")


class ParkedCartNotFound(DomainError):
    code = "parked_cart_not_found"
    template = N_("That parked sale is no longer there (someone recovered it already).")


class NothingToPark(DomainError):
    code = "nothing_to_park"
    template = N_("The cart is empty: there is nothing to park.")


class CartNotEmpty(DomainError):
    code = "cart_not_empty"
    template = N_("Finish or park the current sale before recovering another one.")
