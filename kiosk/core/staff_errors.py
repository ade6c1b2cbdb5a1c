"""Domain errors of the staff area: users, PINs, permissions and the audit log. Kept
apart from kiosk.core.errors so each area owns its own messages."""

from __future__ import annotations

from kiosk.core.errors import DomainError, NotPermitted
from kiosk.i18n import N_


class ActNotPermitted(NotPermitted):
    """The acting user's role lacks the act and no authorisation for it came along.
    ``act`` and ``roles`` are display texts ("Edit the catalog", "manager or admin")."""

    code = "act_not_permitted"
    template = N_("{act}: {name} may not do this; it needs the PIN of a {roles}.")


class AuthorisationRefused(DomainError):
    """At a prompt for an act: a wrong PIN, or the PIN of someone without the act (the
    message does not say which, so the prompt cannot be used to find PINs)."""

    code = "authorisation_refused"
    template = N_("PIN not accepted: {act} needs the PIN of a {roles}.")


class UserInactive(DomainError):
    code = "user_inactive"
    template = N_("{name} is deactivated: an admin can reactivate the user.")


class WeakPin(DomainError):
    code = "weak_pin"
    template = N_("That PIN is too easy to guess ({reason}): choose another.")


class PinMismatch(DomainError):
    code = "pin_mismatch"
    template = N_("The two PINs differ: type the new PIN again.")


class UnknownRole(DomainError):
    code = "unknown_role"
    template = N_("Unknown role {role}: use cashier, manager or admin.")


class InvalidUserName(DomainError):
    code = "invalid_user_name"
    template = N_("The name {reason}.")


class DuplicateUserName(DomainError):
    code = "duplicate_user_name"
    template = N_("There is already a user called {name}.")


class NewPinNeeded(DomainError):
    """Reactivating a user whose PIN another active user has meanwhile: the PIN
    identifies the user, so the reactivated one needs a new PIN."""

    code = "new_pin_needed"
    template = N_("{name}'s PIN is now used by another user: give {name} a new PIN to reactivate the user.")


class LastAdmin(DomainError):
    code = "last_admin"
    template = N_("{name} is the only active admin: make another user admin first.")
