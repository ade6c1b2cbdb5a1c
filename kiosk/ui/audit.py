"""Audit log (staff menu; the ``view_audit`` act, managers and admins by default):
newest first, filtered by period, user and kind of act; a row opens its details
(before -> after, till, origin, UUID). *Verificar* checks the hash chain.

Opening the screen is the act (and is recorded): the screen keeps the view it was
given until it is left, so filtering asks for no further PIN.
"""

from __future__ import annotations

from datetime import timedelta

from kivy.properties import ObjectProperty, StringProperty

from db.models import utcnow
from kiosk.formatting import local_day_bounds, to_local
from kiosk.i18n import _, format_datetime
from kiosk.services.access import UserInfo
from kiosk.services.audit import AuditFilter, AuditRow, act_text, describe
from kiosk.ui.base import KioskPopup
from kiosk.ui.forms import ChoicePopup
from kiosk.ui.staff import StaffScreen

PERIODS = {"today": 1, "week": 7, "month": 31, "all": None}
SHOWN = 300  # newest rows listed; filters narrow further


class AuditScreen(StaffScreen):
    period = StringProperty("today")
    user_filter = StringProperty("")
    act_filter = StringProperty("")
    user_text = StringProperty("")
    act_filter_text = StringProperty("")
    summary_text = StringProperty("")
    view = ObjectProperty(None, allownone=True)

    def open_for(self, by: UserInfo) -> None:
        """Open the log for ``by`` (who holds view_audit, or brings an authorisation for it)."""
        try:
            self.view = self.services.audit.open_view(by)
        except Exception as exc:  # noqa: BLE001 - a refusal or a locked database: said on screen
            self.app.notify(str(exc), "error")
            return
        self.period, self.user_filter, self.act_filter = "today", "", ""
        self.app.show("audit")

    def entering(self) -> None:
        if self.view is None:  # only through open_for
            self.app.later(lambda: self.app.show("staff"))
            return
        self.reload()

    def on_leave(self, *_args) -> None:
        self.view = None  # leaving ends the viewing this was opened for

    def reload(self) -> None:
        if self.view is None:
            return
        days = PERIODS[self.period]
        since = None
        if days is not None:
            since = local_day_bounds(to_local(utcnow()).date() - timedelta(days=days - 1))[0]
        rows = self.view.entries(AuditFilter(since=since, user=self.user_filter or None, act=self.act_filter or None,
                                             limit=SHOWN))
        self._rows = {r.id: r for r in rows}
        self.user_text = _("User: {name}").format(name=self.user_filter or _("everyone"))
        self.act_filter_text = _("Act: {name}").format(name=act_text(self.act_filter) if self.act_filter
                                                        else _("all"))
        self.ids.rows.data = [self._row_data(r) for r in rows]
        self.summary_text = _("Rows shown: {count}").format(count=len(rows)) if rows else _("No rows for these filters.")

    def _row_data(self, r: AuditRow) -> dict:
        who = r.user or (r.origin if r.origin not in ("kiosk", "system", "migrated", "") else "")
        if r.authorised_by:
            who = _("{user}, authorised by {manager}").format(user=who or "-", manager=r.authorised_by)
        subject = r.subject if r.subject not in (r.user, r.act) else ""
        parts = [p for p in (who, subject, r.change("  \u00bb  ")) if p]
        return {"key": r.id, "owner": "audit", "title": f"{format_datetime(to_local(r.created_at), 'short')}   "
                f"{r.act_text}", "detail": "  \u2022  ".join(parts), "detail_lines": 2,
                "tone": "danger" if r.act in ("pin_failed", "authorisation_refused", "drawer_open_failed") else "text",
                "value_text": ""}

    def set_period(self, period: str) -> None:
        self.period = period
        self.reload()

    def choose_user(self) -> None:
        names = [u.name for u in self.services.users.rows()]
        options = [("", _("everyone").capitalize())] + [(n, n) for n in names]
        self.app.open_modal(ChoicePopup(title_text=_("User"), options=options, current=self.user_filter,
                                        on_pick=self._pick_user))

    def _pick_user(self, name: str) -> None:
        self.user_filter = name
        self.reload()

    def choose_act(self) -> None:
        acts = self.view.acts() if self.view is not None else []
        options = [("", _("Every act"))] + sorted(((a, act_text(a)) for a in acts), key=lambda o: o[1])
        self.app.open_modal(ChoicePopup(title_text=_("Kind of act"), options=options, current=self.act_filter,
                                        on_pick=self._pick_act))

    def _pick_act(self, act: str) -> None:
        self.act_filter = act
        self.reload()

    def verify(self) -> None:
        def done(reports) -> None:  # noqa: ANN001
            broken = [r for r in reports if not r.ok]
            if broken:
                b = broken[0].broken
                self.message(_("The audit log was altered: row {id} does not match its hash.").format(id=b.row_id),
                             "error", 12)
            else:
                rows = sum(r.rows for r in reports)
                self.message(_("Audit log intact: {count} rows checked.").format(count=rows), "ok", 6)

        self.app.devices.run_in_thread(self.services.audit.verify, done,
                                       lambda exc: self.message(str(exc), "error", 8))

    def row_tapped(self, row_id: int) -> None:
        row = self._rows.get(row_id)
        if row is not None:
            self.app.open_modal(AuditRowPopup(row=row))

    def row_action(self, row_id: int) -> None:
        self.row_tapped(row_id)


class AuditRowPopup(KioskPopup):
    title_text = StringProperty("")
    body = StringProperty("")
    error_text = StringProperty("")

    def __init__(self, row: AuditRow, **kwargs):
        super().__init__(**kwargs)
        self.title_text = f"{row.act_text}  \u2022  {format_datetime(to_local(row.created_at), 'medium')}"
        lines = [
            _("User: {name}").format(name=row.user or "-"),
            _("Authorised by: {name}").format(name=row.authorised_by or "-"),
            _("Subject: {text}").format(text=row.subject or "-"),
            _("Before: {text}").format(text=_pretty(row.before)),
            _("After: {text}").format(text=_pretty(row.after)),
            _("Till {till}  \u2022  written by {origin}").format(till=row.till_id, origin=row.origin_text or "-"),
            f"UUID {row.uuid}",
        ]
        self.body = "\n".join(lines)


def _pretty(value) -> str:  # noqa: ANN001
    return describe(value) or "-"
