"""The ``[permissions]`` section of kiosk.toml: which acts each role holds, and how
much a role may discount without the ``discount`` act. An admin always holds every
act. Act names: sell, discount, price_override, return, void, reprint, open_drawer,
cash_in_out, close_till, edit_catalog, adjust_stock, import_export, test_hardware,
view_audit, manage_users, change_settings.

Imported by kiosk.config (which builds ``Settings``); read it as ``settings.permissions``.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from kiosk.config_base import Section
from kiosk.core.permissions import DEFAULT_ACTS, DEFAULT_DISCOUNT_LIMITS, Permissions, Role, parse_acts


def _names(role: Role) -> list[str]:
    return sorted(a.value for a in DEFAULT_ACTS[role])


class PermissionsSettings(Section):
    cashier: list[str] = Field(default_factory=lambda: _names(Role.CASHIER))
    manager: list[str] = Field(default_factory=lambda: _names(Role.MANAGER))
    # Percent of a line or sale a role may discount without the "discount" act.
    discount_limits: dict[str, int] = Field(
        default_factory=lambda: {r.value: v for r, v in DEFAULT_DISCOUNT_LIMITS.items() if r is not Role.ADMIN})

    @field_validator("cashier", "manager")
    @classmethod
    def _known_acts(cls, v: list[str]) -> list[str]:
        parse_acts(v)
        return v

    @field_validator("discount_limits")
    @classmethod
    def _limits(cls, v: dict[str, int]) -> dict[str, int]:
        for role, percent in v.items():
            if role not in (Role.CASHIER.value, Role.MANAGER.value):
                raise ValueError(f"unknown role {role!r} (cashier or manager; an admin has no limit)")
            if not 0 <= percent <= 100:
                raise ValueError(f"{role}: a percentage between 0 and 100")
        return v

    def model(self) -> Permissions:
        return Permissions.from_config({"cashier": self.cashier, "manager": self.manager}, self.discount_limits)
