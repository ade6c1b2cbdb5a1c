"""CSV import and export from a USB stick (staff), through the same service as
``kiosk-admin products import/export``. Choosing a file checks it at once (a dry
run): the report lists every problem as line, column and reason, and "Import" stays
off unless the whole file is right, so nothing is applied from a file with errors.
"Export here" writes the catalog to the folder being shown. Importing and exporting
are the ``import_export`` act: a user whose role lacks it is asked for an authorising
PIN, good for that one import or export (checking a file needs no act).

Checking and importing run in a worker thread (kiosk.ui.progress) with a progress
bar and *Cancelar*, so a big file never freezes the till. Cancelling while the file
is read or checked leaves everything as it was; once the import is writing to the
catalog it cannot be cancelled (it takes seconds, and half an import is what the
import job exists to prevent): the button is greyed and the import finishes, even if
staff leave the screen. An import interrupted by a crash or power cut is finished
when this screen opens (and when the kiosk starts)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from kiosk.core.errors import DomainError
from kiosk.core.permissions import Act
from kiosk.core.progress import Cancelled, Progress, ProgressState
from kiosk.formatting import local_now
from kiosk.i18n import _
from kiosk.services.access import UserInfo
from kiosk.services.product_csv import STAGE_APPLY, STAGE_CHECK, STAGE_READ, ImportReport
from kiosk.ui.progress import BackgroundTask
from kiosk.ui.staff import StaffScreen

# Share of the bar each stage takes: (check only, import)
_SPANS = {STAGE_READ: ((0.0, 0.15), (0.0, 0.1)), STAGE_CHECK: ((0.15, 1.0), (0.1, 0.55)),
          STAGE_APPLY: ((1.0, 1.0), (0.55, 1.0))}


class CsvScreen(StaffScreen):
    chosen = StringProperty("")
    summary_text = StringProperty("")
    summary_level = StringProperty("info")
    can_import = BooleanProperty(False)
    busy = BooleanProperty(False)  # a check or an import is running (the progress strip shows)
    writing = BooleanProperty(False)  # ... and it is writing the catalog: no cancelling, no other file

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._task: BackgroundTask | None = None
        self._checking_only = True

    def entering(self) -> None:
        browser = self.ids.browser
        browser.source = self.services.product_csv
        browser.refresh_places()
        if self.busy:
            return  # an import still running from a visit before: keep showing it
        self.reset()
        if self.services.product_csv.unfinished():
            self._run(lambda p: self.services.product_csv.resume(p), self._resumed, checking_only=False,
                      text=_("Finishing an interrupted import\u2026"))

    def reset(self) -> None:
        self.chosen = ""
        self.can_import = False
        self.summary_text = _("Choose a CSV file to check it, or export the catalog to the folder shown.")
        self.summary_level = "info"
        self.ids.problems.data = []

    def picked(self, path: str) -> None:
        if self.writing:
            return
        self.chosen = path
        self.check()

    # --- work in the background --------------------------------------------------------
    def _run(self, work: Callable[[Progress], Any], on_done: Callable[[Any], None], *, checking_only: bool,
             text: str = "", cancellable: bool = True) -> None:
        if self._task is not None and self._task.running:
            self._task.abandon()  # a check of another file: its result no longer matters
        self.can_import = False
        self.summary_text = ""  # the report of another file (or the prompt) would mislead meanwhile
        self.ids.problems.data = []
        self.busy = True
        self.writing = not cancellable
        self._checking_only = checking_only
        strip = self.ids.progress
        strip.reset()
        strip.show(text or _("Reading the file\u2026"), 0, cancellable)
        self._task = BackgroundTask(work, on_done=lambda result: self._ended(on_done, result), on_error=self._failed,
                                    on_progress=self._progressed, name="csv-import").start()

    def _progressed(self, state: ProgressState) -> None:
        text = {STAGE_READ: _("Reading the file\u2026"), STAGE_CHECK: _("Checking the rows\u2026"),
                STAGE_APPLY: _("Writing to the catalog\u2026 (cannot be cancelled)")}.get(state.stage)
        if text is None:
            return
        lo, hi = _SPANS[state.stage][0 if self._checking_only else 1]
        self.writing = state.stage == STAGE_APPLY
        self.ids.progress.show(text, lo + (hi - lo) * state.fraction, state.cancellable)

    def _ended(self, callback: Callable[[Any], None], result: Any) -> None:
        self.busy = self.writing = False
        callback(result)

    def _failed(self, exc: Exception) -> None:
        self.busy = self.writing = False
        if isinstance(exc, Cancelled) and not self.chosen:
            return
        if isinstance(exc, Cancelled):
            self.summary_text = str(exc)
            self.summary_level = "info"
            self.ids.problems.data = []
            return
        self._show(None, str(exc) if isinstance(exc, DomainError) else
                   _("The file could not be read: {error}").format(error=exc))

    def cancel(self) -> None:
        """Cancelar on the progress strip."""
        if self._task is None or not self._task.running:
            return
        if not self._task.cancel():
            self.message(_("The import is being written to the catalog and cannot be cancelled now; "
                           "it finishes in a moment."), "warn")

    # --- check and import ------------------------------------------------------------------
    def check(self) -> None:
        """Dry run: the report, nothing written."""
        path, staff = self.chosen, self.staff
        self._run(lambda p: self.services.product_csv.import_file(path, staff, dry_run=True, progress=p),
                  self._checked, checking_only=True)

    def _checked(self, report: ImportReport) -> None:
        self._show(report, report.summary())
        self.can_import = report.ok and report.rows > 0

    def import_file(self) -> None:
        """The import_export act: a user whose role lacks it is asked for an authorising
        PIN first; the worker carries that authorisation to the service, which spends it
        in the transaction that starts the import."""
        path = self.chosen
        self.act(Act.IMPORT_EXPORT, lambda by: self._import(path, by))

    def _import(self, path: str, by: UserInfo) -> None:
        if self.writing or path != self.chosen:  # another file was picked while the PIN was typed
            if by.grant is not None:
                by.grant.revoke()
            return
        self._run(lambda p: self.services.product_csv.import_file(path, by, progress=p), self._imported,
                  checking_only=False)

    def _imported(self, report: ImportReport) -> None:
        self._show(report, report.summary())
        if not report.applied:
            return
        self.app.catalog_changed()
        text = _("Imported from {name}.").format(name=report.source)
        if self.manager is not None and self.manager.current != self.name:
            self.app.notify(text, "ok", 8)  # staff left while it was written: say so where they are
        else:
            self.message(text, "ok", 5)

    def _resumed(self, reports: list[ImportReport]) -> None:
        if not reports:
            return
        self.app.catalog_changed()
        self._show(reports[-1], " ".join(r.summary() for r in reports))

    def _show(self, report, text: str) -> None:  # noqa: ANN001
        self.can_import = False
        self.summary_text = text
        self.summary_level = "error" if report is None or report.problems else "ok"
        problems = report.problems if report is not None else ()
        self.ids.problems.data = [{
            "key": i, "owner": "csv", "detail": p.reason, "detail_lines": 2,
            "title": (_("Line {line}, column {column}") if p.column else _("Line {line}")).format(
                line=p.line, column=p.column),
        } for i, p in enumerate(problems)]

    # --- export ------------------------------------------------------------------------
    def export(self) -> None:
        folder = self.ids.browser.folder
        if not folder:
            self.message(_("Plug in a USB stick first."), "warn")
            return
        self.act(Act.IMPORT_EXPORT, lambda by: self._export(folder, by))

    def _export(self, folder: str, by: UserInfo) -> None:
        if self.writing:
            if by.grant is not None:
                by.grant.revoke()
            return
        name = _("products") + f"-{local_now():%Y%m%d-%H%M}.csv"
        self._run(lambda p: self.services.product_csv.export_file(Path(folder) / name, by=by),
                  lambda result: self._exported(folder, name, result), checking_only=False,
                  text=_("Exporting the catalog\u2026"), cancellable=False)

    def _exported(self, folder: str, name: str, result) -> None:  # noqa: ANN001
        self.ids.browser.open_folder(folder)
        self.message(_("Catalog exported to {name} (products: {count}).").format(count=result.products, name=name), "ok", 6)

    def row_tapped(self, _key: int) -> None:
        pass

    def row_action(self, _key: int) -> None:
        pass

    def on_leave(self, *_args) -> None:
        self.ids.browser.stop()
        if self._task is not None and self._task.running and not self.writing:
            self._task.abandon()  # a check nobody waits for: stop it
            self.busy = False

    def teardown(self) -> None:
        if self._task is not None:
            self._task.abandon()
