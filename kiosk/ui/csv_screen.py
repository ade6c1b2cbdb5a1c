"""CSV import and export from a USB stick (staff), through the same service as
``kiosk-admin products import/export``. Choosing a file checks it at once (a dry
run): the report lists every problem as line, column and reason, and "Import" stays
off unless the whole file is right, so nothing is applied from a file with errors.
"Export here" writes the catalog to the folder being shown."""

from __future__ import annotations

from pathlib import Path

from kivy.properties import BooleanProperty, StringProperty

from kiosk.core.errors import DomainError
from kiosk.formatting import local_now
from kiosk.i18n import _
from kiosk.ui.staff import StaffScreen


class CsvScreen(StaffScreen):
    chosen = StringProperty("")
    summary_text = StringProperty("")
    summary_level = StringProperty("info")
    can_import = BooleanProperty(False)

    def entering(self) -> None:
        browser = self.ids.browser
        browser.source = self.services.product_csv
        browser.refresh_places()
        self.reset()

    def reset(self) -> None:
        self.chosen = ""
        self.can_import = False
        self.summary_text = _("Choose a CSV file to check it, or export the catalog to the folder shown.")
        self.summary_level = "info"
        self.ids.problems.data = []

    def picked(self, path: str) -> None:
        self.chosen = path
        self.check()

    def check(self) -> None:
        """Dry run: the report, nothing written."""
        try:
            report = self.services.product_csv.import_file(self.chosen, self.staff, dry_run=True)
        except DomainError as exc:
            self._show(None, str(exc))
            return
        self._show(report, report.summary())
        self.can_import = report.ok and report.rows > 0

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

    def import_file(self) -> None:
        try:
            report = self.services.product_csv.import_file(self.chosen, self.staff)
        except DomainError as exc:
            self._show(None, str(exc))
            return
        self._show(report, report.summary())
        if report.applied:
            self.app.catalog_changed()
            self.message(_("Imported from {name}.").format(name=Path(self.chosen).name), "ok", 5)

    def export(self) -> None:
        folder = self.ids.browser.folder
        if not folder:
            self.message(_("Plug in a USB stick first."), "warn")
            return
        name = _("products") + f"-{local_now():%Y%m%d-%H%M}.csv"
        try:
            result = self.services.product_csv.export_file(Path(folder) / name)
        except DomainError as exc:
            self.fail(exc)
            return
        self.ids.browser.open_folder(folder)
        self.message(_("Catalog exported to {name} (products: {count}).").format(count=result.products, name=name), "ok", 6)

    def row_tapped(self, _key: int) -> None:
        pass

    def row_action(self, _key: int) -> None:
        pass

    def on_leave(self, *_args) -> None:
        self.ids.browser.stop()
