"""Touch file chooser for USB sticks and configured folders: the places the
service offers (``places()``), one folder at a time (``browse()``), never above the
place it started from. Pictures show previews, made in a worker thread by the
service (``preview()``) and handed to the screen through the Clock, so a stick full
of large photos never freezes the till.

``ImageChooserPopup`` picks a product photo and imports it (``import_file``); the
CSV screen uses ``FileBrowser`` for CSV files."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from kiosk.core.errors import DomainError
from kiosk.core.progress import Cancelled, ProgressState
from kiosk.formatting import local_zone
from kiosk.i18n import _, format_datetime
from kiosk.services.media_files import mb_text
from kiosk.ui.base import KioskPopup
from kiosk.ui.forms import fit_width
from kiosk.ui.progress import BackgroundTask

log = logging.getLogger(__name__)


def size_text(size: int) -> str:
    if size < 2**20:
        return f"{max(1, round(size / 1024))} KB"
    return f"{mb_text(size)} MB"


class FileEntry(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    index = NumericProperty(0)
    name = StringProperty("")
    path = StringProperty("")
    is_dir = BooleanProperty(False)
    detail = StringProperty("")
    preview = StringProperty("")  # a preview file, when made
    problem = StringProperty("")  # why the file cannot be used
    selected = BooleanProperty(False)
    tile = BooleanProperty(False)  # picture grid (True) or list (False)

    def refresh_view_attrs(self, rv, index, data):  # noqa: ANN001, ANN201
        self.index = index
        return super().refresh_view_attrs(rv, index, data)

    def on_release(self) -> None:
        browser = self.parent
        while browser is not None and not isinstance(browser, FileBrowser):
            browser = browser.parent
        if browser is not None:
            browser.tapped(self.index)


class FileBrowser(BoxLayout):
    """Places along the top, the current folder's sub-folders and files below.
    Dispatches ``on_pick(path)`` when a file is tapped."""

    __events__ = ("on_pick",)
    source = ObjectProperty(None)  # ProductImages or ProductCsv: places(), browse(), [preview()]
    tiles = BooleanProperty(False)  # picture grid with previews
    folder = StringProperty("")
    folder_text = StringProperty("")
    top = StringProperty("")
    can_go_up = BooleanProperty(False)
    selected = StringProperty("")
    selected_preview = StringProperty("")
    selected_problem = StringProperty("")
    empty_text = StringProperty("")
    places = ListProperty([])

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._generation = 0
        self._worker: threading.Thread | None = None

    # --- places --------------------------------------------------------------------------
    def refresh_places(self) -> None:
        from kiosk.ui.widgets import KToggle

        self.places = self.source.places()
        box = self.ids.places
        box.clear_widgets()
        group = f"places-{id(self)}"
        for place in self.places:
            label = ("USB: " if place.removable else "") + place.label
            toggle = KToggle(text=label, value=str(place.path), group=group, off_role="plain", size_hint_x=None)
            toggle.bind(on_release=lambda t: self.open_place(t.value))
            fit_width(toggle, 120)
            box.add_widget(toggle)
        if self.places:
            still_there = any(str(p.path) == self.top for p in self.places)
            self.open_place(self.top if still_there else str(self.places[0].path))
        else:
            self.top = self.folder = self.folder_text = ""
            self.ids.entries.data = []
            self.empty_text = _("No USB stick found. Plug one in and tap \u201cLook again\u201d.")

    def open_place(self, path: str) -> None:
        self.top = path
        for toggle in self.ids.places.children:
            toggle.state = "down" if toggle.value == path else "normal"
        self.open_folder(path)

    # --- folders ---------------------------------------------------------------------------
    def open_folder(self, folder: str) -> None:
        try:
            listing = self.source.browse(folder, top=self.top)
        except DomainError as exc:
            self.empty_text = str(exc)
            self.ids.entries.data = []
            return
        self.folder = str(listing.folder)
        top = Path(self.top)
        rel = Path(listing.folder).relative_to(top) if Path(listing.folder).is_relative_to(top) else listing.folder
        place = next((p.label for p in self.places if str(p.path) == self.top), top.name)
        self.folder_text = place + ("" if str(rel) == "." else " / " + " / ".join(Path(rel).parts))
        self.can_go_up = listing.parent is not None
        self.selected = self.selected_preview = self.selected_problem = ""
        data = [{"name": e.name, "path": str(e.path), "is_dir": True, "detail": _("folder"), "preview": "",
                 "problem": "", "selected": False, "tile": self.tiles} for e in listing.folders]
        data += [{"name": e.name, "path": str(e.path), "is_dir": False,
                  "detail": size_text(e.size) + "  \u2022  " + format_datetime(datetime.fromtimestamp(e.modified, local_zone()),
                                                                              "short"),
                  "preview": "", "problem": "", "selected": False, "tile": self.tiles} for e in listing.files]
        self.ids.entries.data = data
        self.ids.entries.scroll_y = 1
        if not data:
            self.empty_text = _("Nothing to choose in this folder.")
        elif listing.truncated:
            self.empty_text = _("Only the first {count} entries are shown.").format(count=len(data))
        else:
            self.empty_text = ""
        if self.tiles:
            self._start_previews([(i, d["path"]) for i, d in enumerate(data) if not d["is_dir"]])

    def go_up(self) -> None:
        if self.can_go_up:
            self.open_folder(str(Path(self.folder).parent))

    def tapped(self, index: int) -> None:
        data = self.ids.entries.data
        if index >= len(data):
            return
        entry = data[index]
        if entry["is_dir"]:
            self.open_folder(entry["path"])
            return
        for i, d in enumerate(data):
            d["selected"] = i == index
        self.ids.entries.refresh_from_data()
        self.selected = entry["path"]
        self.selected_preview, self.selected_problem = entry["preview"], entry["problem"]
        self.dispatch("on_pick", entry["path"])

    def on_pick(self, path: str) -> None:
        pass

    # --- previews (worker thread -> Clock) -----------------------------------------------------------
    def _start_previews(self, files: list[tuple[int, str]]) -> None:
        self._generation += 1
        generation = self._generation
        source = self.source

        def work() -> None:
            for index, path in files:
                if generation != self._generation:
                    return
                try:
                    preview, problem = str(source.preview(path)), ""
                except DomainError as exc:
                    preview, problem = "", str(exc)
                except Exception:  # a flaky stick: show the file without a preview
                    log.exception("preview of %s failed", path)
                    preview, problem = "", _("cannot be read")
                Clock.schedule_once(lambda dt, i=index, p=preview, q=problem: self._previewed(generation, i, p, q))

        self._worker = threading.Thread(target=work, name="file-previews", daemon=True)
        self._worker.start()

    def _previewed(self, generation: int, index: int, preview: str, problem: str) -> None:
        data = self.ids.entries.data
        if generation != self._generation or index >= len(data):
            return
        data[index]["preview"] = preview
        data[index]["problem"] = problem
        if data[index]["path"] == self.selected:
            self.selected_preview, self.selected_problem = preview, problem
        self.ids.entries.refresh_from_data()

    def previews_done(self) -> bool:
        """All previews made (tests wait on this)."""
        return all(d["preview"] or d["problem"] for d in self.ids.entries.data if not d["is_dir"])

    def stop(self) -> None:
        self._generation += 1
        if self._worker is not None:
            self._worker.join(5)


class ImageChooserPopup(KioskPopup):
    """Choose a product photo on a USB stick or a configured folder; "Use this
    photo" imports it through the service (in a worker thread, with a progress bar
    and *Cancelar* until the picture is being stored) and hands back the stored path."""

    error_text = StringProperty("")
    chosen = StringProperty("")
    busy = BooleanProperty(False)

    def __init__(self, on_pick: Callable[[str], None], **kwargs):
        self._on_pick = on_pick
        self._task: BackgroundTask | None = None
        super().__init__(**kwargs)
        self.ids.browser.source = self.services.product_images
        self.bind(on_dismiss=self._dismissed)  # also when the till locks
        Clock.schedule_once(lambda dt: self.ids.browser.refresh_places(), 0)

    def _dismissed(self, *_args) -> None:
        self.ids.browser.stop()
        if self._task is not None:
            self._task.abandon()

    def picked(self, path: str) -> None:
        self.error_text = ""
        self.chosen = path

    def use(self) -> None:
        if self.busy:
            return
        images, source = self.services.product_images, self.chosen
        self.error_text = ""
        self.busy = True
        self.ids.import_progress.reset()
        self.ids.import_progress.show(_("Reading the photo\u2026"), 0.05, True)
        self._task = BackgroundTask(lambda p: images.import_file(source, p), on_done=self._imported,
                                    on_error=self._failed, on_progress=self._progressed, name="photo-import").start()

    def _progressed(self, state: ProgressState) -> None:
        text, fraction = {"read": (_("Reading the photo\u2026"), 0.1), "decode": (_("Opening the photo\u2026"), 0.4),
                          "save": (_("Storing the picture\u2026"), 0.85)}.get(state.stage, ("", 0))
        if text:
            self.ids.import_progress.show(text, fraction, state.cancellable)

    def _imported(self, rel: str) -> None:
        self.busy = False
        self.close()
        self._on_pick(rel)

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        if isinstance(exc, Cancelled):
            return
        self.show_error(str(exc) if isinstance(exc, DomainError) else _("cannot be read"))

    def cancel_import(self) -> None:
        if self._task is not None and self._task.running:
            self._task.cancel()

    def close(self) -> None:
        self.dismiss(animation=False)
