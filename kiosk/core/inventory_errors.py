"""Domain errors of the inventory area (catalog editing, stock, images, CSV). Kept
apart from kiosk.core.errors so each area owns its own messages."""

from __future__ import annotations

from kiosk.core.errors import DomainError
from kiosk.i18n import N_


class UnitChangeNotAllowed(DomainError):
    code = "unit_change_not_allowed"
    template = N_("{name} already has stock history in {old}: it cannot change to {new}. "
                  "Create a new product instead.")


class ServiceStockNotZero(DomainError):
    code = "service_stock_not_zero"
    template = N_("{name} still has {stock} in stock: adjust it to zero before making it a service.")


class CategoryKindMismatch(DomainError):
    code = "category_kind_mismatch"
    template = N_("{category} is a category of services: only services can go in it.")


class DuplicateCategory(DomainError):
    code = "duplicate_category"
    template = N_("There is already a category called {name}.")


class InvalidCategory(DomainError):
    code = "invalid_category"
    template = N_("Category: {reason}")


class UnknownReason(DomainError):
    code = "unknown_reason"
    template = N_("Unknown adjustment reason: {reason}")


class NothingCounted(DomainError):
    code = "nothing_counted"
    template = N_("Nothing has been counted yet.")


class EmptyDelivery(DomainError):
    code = "empty_delivery"
    template = N_("The delivery has no products yet.")


class QuantityOutOfRange(DomainError):
    code = "quantity_out_of_range"
    template = N_("The quantity {quantity} is too large.")


class ImageTooLarge(DomainError):
    code = "image_too_large"
    template = N_("{name} is {size_mb} MB: pictures may be at most {max_mb} MB.")


class ImageTooManyPixels(DomainError):
    code = "image_too_many_pixels"
    template = N_("{name} has {megapixels} megapixels: too many to open safely (at most {max} megapixels).")


class NotAnImage(DomainError):
    code = "not_an_image"
    template = N_("{name} is not a picture the kiosk can read (use JPEG, PNG, WebP, GIF or BMP).")


class FileUnreadable(DomainError):
    code = "file_unreadable"
    template = N_("Cannot read {name}: {reason}")


class CsvTooLarge(DomainError):
    code = "csv_too_large"
    template = N_("{name} is {size_mb} MB: a product file may be at most {max_mb} MB.")


class CsvRejected(DomainError):
    """Raised by callers that want an exception instead of the report's problem list."""

    code = "csv_rejected"
    template = N_("Nothing was imported: {count} problems in the file.")


class NotARegularFile(DomainError):
    code = "not_a_regular_file"
    template = N_("{name} is not a file that can be read (a device, a pipe or a folder): choose a file.")


class CsvChanged(DomainError):
    code = "csv_changed"
    template = N_("{name} changed while it was being read (was the USB stick pulled out?): nothing was "
                  "imported, try again.")


class ImportInterrupted(DomainError):
    code = "import_interrupted"
    template = N_("The import of {name} stopped after {done} of {rows} rows: {reason}. It will be finished "
                  "the next time the kiosk starts or the import screen is opened.")


class ImportFailed(DomainError):
    code = "import_failed"
    template = N_("The import of {name} stopped after {done} of {rows} rows: {reason}. The rows before "
                  "were imported; import the file again to check and finish the rest.")


class ImportBusy(DomainError):
    code = "import_busy"
    template = N_("Another import is being written right now: wait for it to finish.")


class SheetBeingApplied(DomainError):
    code = "sheet_being_applied"
    template = N_("The previous count or delivery is still being written to the stock: wait a moment.")
