"""Domain errors. Each carries a stable ``code`` and parameters; ``str(err)`` is the
message in the current UI language (Spanish by default), ``err.message("en")`` in any."""

from __future__ import annotations

from kiosk.i18n import N_, format_money, translate


class DomainError(Exception):
    code = "error"
    template = N_("The operation could not be completed.")

    def __init__(self, **params: object) -> None:
        self.params = params
        super().__init__(self.message("en"))

    def _render_params(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, value in self.params.items():
            if key.endswith("_minor") and isinstance(value, int):
                out[key.removesuffix("_minor")] = format_money(value)
            out[key] = value
        return out

    def message(self, language: str | None = None) -> str:
        return translate(self.template, language).format(**self._render_params())

    def __str__(self) -> str:
        return self.message()


class NotFound(DomainError):
    code = "not_found"
    template = N_("Not found: {what}.")


class UnknownBarcode(DomainError):
    code = "unknown_barcode"
    template = N_("Unknown barcode: {code}")


class InvalidBarcode(DomainError):
    code = "invalid_barcode"
    template = N_("Barcode {code} is not valid: {reason}")


class UnknownProduct(DomainError):
    code = "unknown_product"
    template = N_("No product with SKU {sku}.")


class InvalidQuantity(DomainError):
    code = "invalid_quantity"
    template = N_("Quantity must be greater than zero.")


class QuantityTooLarge(DomainError):
    code = "quantity_too_large"
    template = N_("Quantity {quantity} is too large for {name} (maximum {maximum}).")


class InvalidAmount(DomainError):
    code = "invalid_amount"
    template = N_("The amount must be greater than zero.")


class AmountTooSmall(DomainError):
    code = "amount_too_small"
    template = N_("{amount} does not buy any {name}: the smallest quantity costs {minimum}.")


class AmountTooLarge(DomainError):
    code = "amount_too_large"
    template = N_("The amount {amount} is too large.")


class EmptyCart(DomainError):
    code = "empty_cart"
    template = N_("The cart is empty.")


class LineNotFound(DomainError):
    code = "line_not_found"
    template = N_("That line is no longer in the cart.")


class ProductInactive(DomainError):
    code = "product_inactive"
    template = N_("{name} is no longer for sale.")


class OutOfStock(DomainError):
    code = "out_of_stock"
    template = N_("Not enough stock of {name}: {available} available.")


class InsufficientTender(DomainError):
    code = "insufficient_tender"
    template = N_("Cash received {tendered} is less than the amount due {due}.")


class PaymentMismatch(DomainError):
    code = "payment_mismatch"
    template = N_("Payments add up to {paid} but the total is {total}.")


class Overpayment(DomainError):
    code = "overpayment"
    template = N_("{method} payment of {amount} is more than the {due} still due.")


class InvalidPayment(DomainError):
    code = "invalid_payment"
    template = N_("Invalid payment: {reason}")


class WrongPin(DomainError):
    code = "wrong_pin"
    template = N_("Wrong PIN.")


class PinThrottled(DomainError):
    """``seconds``: the wait; the message shows it as "45 s" or "4 min 05 s"."""

    code = "pin_throttled"
    template = N_("Too many wrong PINs. Try again in {wait}.")

    def _render_params(self) -> dict[str, object]:
        out = super()._render_params()
        seconds = int(self.params.get("seconds", 0))
        nb = "\u00a0"  # the wait never breaks across lines ("1 min 05 s" stays whole)
        out["wait"] = f"{seconds // 60}{nb}min{nb}{seconds % 60:02d}{nb}s" if seconds >= 60 else f"{seconds}{nb}s"
        return out


class InvalidPin(DomainError):
    code = "invalid_pin"
    template = N_("The PIN must have {min_length} to {max_length} digits (0 to 9).")


class PinInUse(DomainError):
    code = "pin_in_use"
    template = N_("That PIN is already used by another user.")


class NotPermitted(DomainError):
    code = "not_permitted"
    template = N_("This needs a {role} PIN.")


class SaleNotFound(DomainError):
    code = "sale_not_found"
    template = N_("Sale #{number} does not exist.")


class QuantityRequired(DomainError):
    code = "quantity_required"
    template = N_("Choose how much {name} to sell.")


class InvalidProduct(DomainError):
    code = "invalid_product"
    template = N_("{field}: {reason}")


class DuplicateSku(DomainError):
    code = "duplicate_sku"
    template = N_("SKU {sku} is already used by {name}.")


class DuplicateBarcode(DomainError):
    code = "duplicate_barcode"
    template = N_("Barcode {code} is already used by {name}.")


class ServiceHasNoStock(DomainError):
    code = "service_no_stock"
    template = N_("{name} is a service: services do not keep stock.")


class QuantityTooSmall(DomainError):
    code = "quantity_too_small"
    template = N_("{quantity} of {name} costs less than the smallest coin: sell at least {minimum}.")
