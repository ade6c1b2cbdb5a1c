"""Why stock is adjusted by hand (lost or found): the reasons a stock adjustment may
give, with their labels. Pure data, so ``kiosk-admin stock adjust --help`` can offer
them without loading the database layer."""

from __future__ import annotations

from kiosk.i18n import N_

ADJUSTMENT_REASONS = {
    "breakage": N_("Breakage"),
    "expired": N_("Expired"),
    "internal_use": N_("Internal use"),
    "theft": N_("Theft"),
    "count_correction": N_("Count correction"),
}
