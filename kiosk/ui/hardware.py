"""The Hardware screen (managers and admins): every device with its state, last event
and last error; a test ticket, a drawer test, the scale's reading, the last scan with
its symbology and check-digit verdict, and the print jobs that need a person
(pending or interrupted) with reprint and discard.

Reached with ``app.show_hardware()`` (the "Hardware" entry of the staff menu); the
test ticket (test_hardware), the drawer test (open_drawer) and reprinting or
discarding a job (reprint) are acts: a user whose role lacks one is asked for an
authorising PIN. It refreshes itself once a second while shown; device calls that may
block run in a worker thread.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from kiosk.core.errors import DomainError
from kiosk.core.permissions import Act
from kiosk.core.scale_text import format_reading, format_tare
from kiosk.formatting import to_local
from kiosk.i18n import N_, _, format_time, translate
from kiosk.services.access import UserInfo
from kiosk.services.hardware import interrupted_text, pending_text
from kiosk.ui.base import KioskScreen

JOB_STATES = {"pending": N_("waiting"), "sending": N_("printing"), "interrupted": N_("interrupted"),
              "cancelled": N_("discarded"), "printed": N_("printed")}
JOB_KINDS = {"receipt": N_("Receipt"), "copy": N_("Copy"), "test": N_("Test ticket")}
SHOWN_JOBS = ("interrupted", "pending", "sending")


class DeviceRow(RecycleDataViewBehavior, BoxLayout):
    label = StringProperty("")
    status = StringProperty("")
    ok = BooleanProperty(True)
    available = BooleanProperty(True)
    last_event = StringProperty("")
    last_error = StringProperty("")
    detail = StringProperty("")  # the customer display: its two lines now


class JobRow(BoxLayout):
    job_id = NumericProperty(0)
    text = StringProperty("")
    state_text = StringProperty("")
    status = StringProperty("")


class HardwareScreen(KioskScreen):
    scan_text = StringProperty("")
    scan_ok = BooleanProperty(True)
    scale_text = StringProperty("")
    drawer_text = StringProperty("")
    queue_text = StringProperty("")
    busy = BooleanProperty(False)
    jobs = ListProperty([])

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._tick = None

    def on_enter(self, *_args) -> None:
        self.refresh()
        self._tick = Clock.schedule_interval(lambda dt: self.refresh(), 1.0)
        self.read_drawer()

    def on_leave(self, *_args) -> None:
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None

    @property
    def hardware(self):  # noqa: ANN201
        return self.services.hardware

    # --- what it shows -------------------------------------------------------------------------
    def refresh(self) -> None:
        hw = self.hardware
        self.ids.devices.data = [{
            # DeviceView says "Not available" (no GPIO on this machine) in its status: grey, not red.
            "label": d.label, "status": d.status, "ok": d.ok, "available": d.status != _("Not available"),
            "last_event": d.last_event, "last_error": d.last_error, "detail": d.detail,
        } for d in hw.devices()]
        last = hw.last_scan()
        if last is None:
            self.scan_text = _("No scan yet: scan a code anywhere.")
            self.scan_ok = True
        else:
            event, verdict = last
            self.scan_text = _("{code}  \u2022  {symbology}  \u2022  {source}").format(
                code=event.code, symbology=verdict.symbology.value, source=event.source) + "\n" + verdict.message()
            self.scan_ok = verdict.ok
        self.read_scale(quiet=True)
        self._refresh_jobs()

    def _refresh_jobs(self) -> None:
        printing = self.services.printing
        counts = printing.counts()
        pending = counts.get("pending", 0) + counts.get("sending", 0)
        interrupted = counts.get("interrupted", 0)
        parts = ([pending_text(pending)] if pending else []) + ([interrupted_text(interrupted)] if interrupted else [])
        self.queue_text = "; ".join(parts) or _("Nothing waiting to print.")
        jobs = [j for j in printing.jobs(limit=30) if j.status in SHOWN_JOBS][:8]
        shown = [(j.id, j.status) for j in jobs]
        if shown == [(r["job_id"], r["status"]) for r in self.jobs]:
            return
        self.jobs = [{"job_id": j.id, "status": j.status,
                      "text": _("{kind} {id}  \u2022  {time}").format(
                          kind=translate(JOB_KINDS.get(j.kind, j.kind)), id=j.id, time=format_time(to_local(j.created_at))),
                      "state_text": translate(JOB_STATES.get(j.status, j.status))}
                     for j in jobs]
        box = self.ids.job_list
        box.clear_widgets()
        for row in self.jobs:
            box.add_widget(JobRow(**row))

    def read_scale(self, quiet: bool = False) -> None:
        desk = self.services.scale
        if desk is None or not desk.available:
            self.scale_text = _("No scale is configured.")
            return
        r = desk.latest()
        tare = format_tare(r)
        self.scale_text = format_reading(r) + (f"   {tare}" if tare else "")
        if not quiet:
            self.message(self.scale_text, "info", 4)

    def read_drawer(self) -> None:
        def shown(state: bool | None) -> None:
            self.drawer_text = {True: _("Drawer open"), False: _("Drawer closed"),
                                None: _("No drawer sensor")}[state]

        self.app.devices.run_in_thread(self.hardware.drawer_is_open, shown, lambda exc: shown(None))

    # --- actions ---------------------------------------------------------------------------------
    def _device_call(self, work, done_text: str) -> None:  # noqa: ANN001
        if self.busy:
            return
        self.busy = True

        def done(_result) -> None:  # noqa: ANN001
            self.busy = False
            self.message(done_text, "ok", 5)
            self.refresh()

        def failed(exc: Exception) -> None:
            self.busy = False
            self.message(str(exc), "error", 8)
            self.refresh()

        self.app.devices.run_in_thread(work, done, failed)

    def print_test_ticket(self) -> None:
        self.app.with_act(Act.TEST_HARDWARE, lambda by: self._device_call(
            lambda: self.hardware.print_test_ticket(by), _("Test ticket printed.")))

    def kick_drawer(self) -> None:
        """It opens the drawer: the open_drawer act (a manager's PIN typed for another
        act, such as a catalog change, does not open it)."""
        def kick(by: UserInfo) -> None:
            self._device_call(lambda: self.hardware.kick_drawer(by), _("Drawer kicked (recorded)."))
            Clock.schedule_once(lambda dt: self.read_drawer(), 0.5)

        self.app.with_act(Act.OPEN_DRAWER, kick)

    def check_printer(self) -> None:
        """Ask the printer's status now (paper, cover, drawer switch)."""
        def done(view) -> None:  # noqa: ANN001
            self.busy = False
            if view is None:
                self.message(_("No printer is configured."), "warn", 5)
            else:
                self.message(_("Printer: {status}").format(status=view.status), "ok" if view.ok else "error", 6)
            self.refresh()

        def failed(exc: Exception) -> None:
            self.busy = False
            self.message(str(exc), "error", 8)

        if not self.busy:
            self.busy = True
            self.app.devices.run_in_thread(self.hardware.refresh_printer, done, failed)

    def reprint_job(self, job_id: int) -> None:
        self.app.with_act(Act.REPRINT, lambda by: self._job_decision(
            lambda: self.hardware.retry_job(job_id, by), _("Sent to the printer again."), "ok"))

    def discard_job(self, job_id: int) -> None:
        self.app.with_act(Act.REPRINT, lambda by: self._job_decision(
            lambda: self.hardware.discard_job(job_id, by), _("Print job discarded."), "info"))

    def _job_decision(self, work, done_text: str, level: str) -> None:  # noqa: ANN001
        try:
            work()
        except (ValueError, LookupError, DomainError) as exc:
            self.message(str(exc), "error")
            return
        self.message(done_text, level, 4)
        self.refresh()

    def preview_job(self, job_id: int) -> None:
        self.app.show_receipt(job_id=job_id)

    def back(self) -> None:
        self.app.show("staff")

    def teardown(self) -> None:
        self.on_leave()
