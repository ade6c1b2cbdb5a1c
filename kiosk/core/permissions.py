"""Who may do what: the acts a till knows, the roles, and which acts each role holds.

Every act is checked in the service that performs it, with the acting user
(kiosk/services/access.py); the UI only decides when to ask for an authorising PIN.
Roles map to sets of acts: the defaults below, changed per shop with the
``[permissions]`` table of kiosk.toml. An admin always holds every act (someone must
be able to manage users and settings).

A discount up to the role's limit (percent of the line or sale) needs no act; above
it, the ``discount`` act.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from kiosk.i18n import N_, translate


class Role(StrEnum):
    CASHIER = "cashier"
    MANAGER = "manager"
    ADMIN = "admin"


RANK = {Role.CASHIER: 0, Role.MANAGER: 1, Role.ADMIN: 2}
ROLE_LABELS = {Role.CASHIER: N_("cashier"), Role.MANAGER: N_("manager"), Role.ADMIN: N_("admin")}


class Act(StrEnum):
    SELL = "sell"
    DISCOUNT = "discount"  # a discount above the role's limit
    PRICE_OVERRIDE = "price_override"
    RETURN = "return"
    RETURN_NO_RECEIPT = "return_no_receipt"  # a return without the sale (at the current price)
    REFUND_OTHER_METHOD = "refund_other_method"  # refund by another method than the sale was paid with
    VOID = "void"
    REPRINT = "reprint"
    OPEN_DRAWER = "open_drawer"  # without a sale
    CASH_IN_OUT = "cash_in_out"
    CLOSE_TILL = "close_till"
    EDIT_CATALOG = "edit_catalog"
    ADJUST_STOCK = "adjust_stock"
    IMPORT_EXPORT = "import_export"
    TEST_HARDWARE = "test_hardware"
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"
    CHANGE_SETTINGS = "change_settings"


# What each act is called on screen ("Abrir el cajón sin venta requiere ...").
ACT_LABELS = {
    Act.SELL: N_("Sell"),
    Act.DISCOUNT: N_("Discount above the limit"),
    Act.PRICE_OVERRIDE: N_("Override a price"),
    Act.RETURN: N_("Return"),
    Act.RETURN_NO_RECEIPT: N_("Return without a receipt"),
    Act.REFUND_OTHER_METHOD: N_("Refund by another method"),
    Act.VOID: N_("Void a sale"),
    Act.REPRINT: N_("Reprint a receipt"),
    Act.OPEN_DRAWER: N_("Open the drawer without a sale"),
    Act.CASH_IN_OUT: N_("Cash in or out"),
    Act.CLOSE_TILL: N_("Close the till"),
    Act.EDIT_CATALOG: N_("Edit the catalog"),
    Act.ADJUST_STOCK: N_("Adjust stock"),
    Act.IMPORT_EXPORT: N_("Import or export"),
    Act.TEST_HARDWARE: N_("Test the hardware"),
    Act.VIEW_AUDIT: N_("See the audit log"),
    Act.MANAGE_USERS: N_("Manage users"),
    Act.CHANGE_SETTINGS: N_("Change settings"),
}

ALL_ACTS = frozenset(Act)
DEFAULT_ACTS: dict[Role, frozenset[Act]] = {
    Role.CASHIER: frozenset({Act.SELL, Act.REPRINT}),
    Role.MANAGER: ALL_ACTS - {Act.MANAGE_USERS, Act.CHANGE_SETTINGS},
    Role.ADMIN: ALL_ACTS,
}
DEFAULT_DISCOUNT_LIMITS = {Role.CASHIER: 0, Role.MANAGER: 100, Role.ADMIN: 100}


def act_label(act: Act | str, language: str | None = None) -> str:
    return translate(ACT_LABELS[Act(act)], language)


def role_label(role: Role | str, language: str | None = None) -> str:
    return translate(ROLE_LABELS[Role(role)], language)


def parse_acts(names: Iterable[str]) -> frozenset[Act]:
    """Act names as written in kiosk.toml; raises ValueError naming an unknown one."""
    out = set()
    for name in names:
        try:
            out.add(Act(name))
        except ValueError:
            raise ValueError(f"unknown act {name!r} (acts: {', '.join(a.value for a in Act)})") from None
    return frozenset(out)


@dataclass(frozen=True)
class Permissions:
    """Role -> acts, and each role's discount limit in percent."""

    acts_by_role: Mapping[Role, frozenset[Act]] = field(default_factory=lambda: dict(DEFAULT_ACTS))
    discount_limits: Mapping[Role, int] = field(default_factory=lambda: dict(DEFAULT_DISCOUNT_LIMITS))

    def __post_init__(self) -> None:
        acts = {Role(r): frozenset(a) for r, a in self.acts_by_role.items()}
        for role in Role:
            acts.setdefault(role, DEFAULT_ACTS[role])
        acts[Role.ADMIN] = ALL_ACTS  # an admin always may do everything
        limits = {**DEFAULT_DISCOUNT_LIMITS, **{Role(r): int(v) for r, v in self.discount_limits.items()}}
        object.__setattr__(self, "acts_by_role", acts)
        object.__setattr__(self, "discount_limits", limits)

    @classmethod
    def from_config(cls, roles: Mapping[str, Iterable[str]] | None = None,
                    discount_limits: Mapping[str, int] | None = None) -> Permissions:
        return cls({Role(r): parse_acts(a) for r, a in (roles or {}).items()},
                   {Role(r): v for r, v in (discount_limits or {}).items()})

    def acts(self, role: Role | str) -> frozenset[Act]:
        return self.acts_by_role[Role(role)]

    def allows(self, role: Role | str, act: Act | str) -> bool:
        return Act(act) in self.acts(role)

    def roles_with(self, act: Act | str) -> list[Role]:
        """The roles that hold ``act``, lowest first (always at least the admin)."""
        return sorted((r for r in Role if self.allows(r, act)), key=RANK.__getitem__)

    def level(self, act: Act | str) -> int:
        """The rank of the lowest role holding ``act``: a successful authorisation of
        at least this rank ends a run of failed PINs at that act's prompt."""
        return RANK[self.roles_with(act)[0]]

    def discount_allowed(self, role: Role | str, percent: float | int) -> bool:
        """A discount of ``percent`` by this role without anyone authorising it."""
        return percent <= self.discount_limits[Role(role)] or self.allows(role, Act.DISCOUNT)

    def discount_act(self, role: Role | str, percent: float | int) -> Act | None:
        """``Act.DISCOUNT`` when this discount is above the role's limit, else None: the
        act a discount service asks the access check for."""
        return None if percent <= self.discount_limits[Role(role)] else Act.DISCOUNT

    def table(self) -> list[tuple[Act, dict[Role, bool]]]:
        """Act by act, which roles hold it (docs, kiosk-admin)."""
        return [(act, {r: self.allows(r, act) for r in Role}) for act in Act]
