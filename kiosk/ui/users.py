"""Usuarios (staff menu): every user with role, active or not, last sign-in; add a
user (name, role, then the PIN typed twice on the keypad, never shown), rename,
change the role, reset the PIN, deactivate and reactivate. Users are never deleted:
history points at them. Every change is the ``manage_users`` act (admins by default):
opening a user's window asks for an admin's PIN when the signed-in user lacks it, and
that authorises the one change made in the window."""

from __future__ import annotations

from kivy.properties import NumericProperty, StringProperty

from kiosk.core.errors import DomainError
from kiosk.core.permissions import Act, Role, role_label
from kiosk.core.staff_errors import NewPinNeeded
from kiosk.formatting import to_local
from kiosk.i18n import _, format_datetime
from kiosk.services.access import UserInfo
from kiosk.ui.base import KioskPopup
from kiosk.ui.pins import PinTwicePopup
from kiosk.ui.staff import StaffScreen


class UsersScreen(StaffScreen):
    summary_text = StringProperty("")

    def entering(self) -> None:
        self.reload()

    def reload(self) -> None:
        rows = self.services.users.rows()
        self._rows = {r.id: r for r in rows}
        data = []
        for r in rows:
            seen = _("last sign-in {time}").format(time=format_datetime(to_local(r.last_login_at), "short")) \
                if r.last_login_at else _("never signed in")
            notes = [role_label(r.role).capitalize(), seen] + ([_("must choose a new PIN")] if r.must_change_pin else [])
            data.append({"key": r.id, "owner": "users", "title": r.name, "detail": "  \u2022  ".join(notes),
                         "value_text": _("active") if r.active else _("deactivated"),
                         "tone": "ok" if r.active else "muted", "dim": not r.active})
        self.ids.rows.data = data
        active = sum(1 for r in rows if r.active)
        self.summary_text = _("Active users: {active} of {count}. Tap a user to change them.").format(
            active=active, count=len(rows))

    def row_tapped(self, user_id: int) -> None:
        row = self._rows[user_id]
        self.act(Act.MANAGE_USERS, lambda by: self.app.open_modal(UserPopup(row=row, acting=by, on_done=self.done)))

    def row_action(self, user_id: int) -> None:
        self.row_tapped(user_id)

    def new_user(self) -> None:
        self.act(Act.MANAGE_USERS, lambda by: self.app.open_modal(UserPopup(row=None, acting=by, on_done=self.done)))

    def done(self, text: str) -> None:
        self.reload()
        self.message(text, "ok", 5)


def pin_popup(title: str, save, on_done, first_error: str = "") -> PinTwicePopup:  # noqa: ANN001
    popup = PinTwicePopup(save=save, title_text=title)
    popup.on_saved = on_done
    popup.error_text = first_error
    return popup


class UserPopup(KioskPopup):
    """One user: name (on-screen keyboard), role; for an existing user also reset the
    PIN and deactivate / reactivate. ``acting`` carries the authorisation when the
    signed-in user's role lacks manage_users."""

    name = StringProperty("")
    role = StringProperty(Role.CASHIER.value)
    active = NumericProperty(1)
    user_id = NumericProperty(0)
    error_text = StringProperty("")

    def __init__(self, row, acting: UserInfo, on_done, **kwargs):  # noqa: ANN001
        self.acting = acting
        self._on_done = on_done
        super().__init__(**kwargs)
        if row is not None:
            self.user_id, self.name, self.role, self.active = row.id, row.name, row.role.value, int(row.active)
        self.ids.keyboard.shift = "once" if not self.name else "off"

    def type_text(self, text: str) -> None:
        self.error_text = ""
        self.name = (self.name + text)[:64]

    def role_text(self, role: str) -> str:
        return role_label(role).capitalize()

    def save(self) -> None:
        users = self.services.users
        if not self.user_id:  # a new user: the name is checked now, the PIN comes next
            try:
                name = users.check_name(self.name)
            except DomainError as exc:
                self.show_error(str(exc))
                return
            role, acting = self.role, self.acting
            self.dismiss(animation=False)
            self.app.open_modal(pin_popup(
                _("PIN for {name}").format(name=name),
                lambda pin: _created(users.create_user(name, role, pin, by=acting)), self._on_done))
            return
        try:
            user = users.update(self.user_id, name=self.name, role=self.role, by=self.acting)
        except DomainError as exc:
            self.show_error(str(exc))
            return
        self.dismiss(animation=False)
        self._on_done(_("Saved: {name} ({role})").format(name=user.name, role=role_label(user.role)))

    def reset_pin(self) -> None:
        users, user_id, name, acting = self.services.users, self.user_id, self.name, self.acting
        self.dismiss(animation=False)
        self.app.open_modal(pin_popup(
            _("New PIN for {name}").format(name=name),
            lambda pin: (users.set_pin(user_id, pin, by=acting), _("PIN changed for {name}").format(name=name))[1],
            self._on_done))

    def toggle_active(self) -> None:
        users, user_id, name, acting = self.services.users, self.user_id, self.name, self.acting
        try:
            users.set_active(user_id, not self.active, acting)
        except NewPinNeeded as exc:  # the old PIN belongs to someone else now
            self.dismiss(animation=False)
            self.app.open_modal(pin_popup(
                _("New PIN for {name}").format(name=name),
                lambda pin: (users.set_active(user_id, True, acting, new_pin=pin),
                             _("Reactivated: {name}").format(name=name))[1],
                self._on_done, first_error=str(exc)))
            return
        except DomainError as exc:
            self.show_error(str(exc))
            return
        self.dismiss(animation=False)
        text = _("Deactivated: {name}") if self.active else _("Reactivated: {name}")
        self._on_done(text.format(name=name))


def _created(user: UserInfo) -> str:
    return _("User added: {name} ({role})").format(name=user.name, role=role_label(user.role))
