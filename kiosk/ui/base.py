"""Base class of the kiosk's screens: default handlers for scans and typing, and
the feedback strip every screen shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kivy.uix.modalview import ModalView
from kivy.uix.screenmanager import Screen

from kiosk.core.scanning import ScanEvent
from kiosk.core.errors import DomainError
from kiosk.core.permissions import Act
from kiosk.i18n import _
from kiosk.ui.shell import Shell, running_shell
from kiosk.ui.widgets import float_message_strip

if TYPE_CHECKING:
    from kiosk.app_factory import UiContext


class KioskScreen(Screen):
    def on_kv_post(self, base_widget) -> None:  # noqa: ANN001
        super().on_kv_post(base_widget)
        float_message_strip(self)  # messages are drawn over the content, never pushing it down

    @property
    def app(self) -> Shell:
        return running_shell()

    @property
    def services(self) -> UiContext:
        return self.app.context

    def message(self, text: str, level: str = "info", seconds: float = 6, *, beep: bool = True,
                action: tuple[str, Callable[[], None]] | None = None) -> None:
        """Show ``text`` on the screen's strip; an error also beeps twice (``beep=False``
        when the scanner already did, for a code it judged bad). ``action``: a button
        on the strip, (label, what it does), e.g. *Deshacer*."""
        strip = self.ids.get("message")
        if strip is not None:
            strip.show(text, level, seconds, action=action)
        if level == "error" and beep:
            self.app.beep()

    def reprint_sale(self, sale_id: int) -> None:
        """ "Reimprimir" (confirmation and history screens): a COPY of the receipt (the
        reprint act: a role without it is asked for an authorising PIN)."""
        def reprint(by) -> None:  # noqa: ANN001
            try:
                self.services.till.reprint(sale_id, by)
            except DomainError as exc:
                self.message(str(exc), "error")
                return
            self.message(_("Copy sent to the printer."), "ok", 4)

        self.app.with_act(Act.REPRINT, reprint)

    def on_scan(self, event: ScanEvent) -> None:
        self.message(_("Code {code} read; scanning works on the selling screen.").format(code=event.code), "warn")

    def on_typed(self, text: str) -> None:
        pass

    def on_untyped(self, text: str) -> None:
        """``text``, handed to ``on_typed`` a moment ago, was a scanner's code after all:
        take it back (screens that keep typed text override this)."""

    def on_enter_key(self) -> None:
        pass

    def on_backspace_key(self) -> None:
        pass

    def teardown(self) -> None:
        pass


class KioskPopup(ModalView):
    """A full-attention dialog drawn in the theme's colours."""

    @property
    def app(self) -> Shell:
        return running_shell()

    @property
    def services(self) -> UiContext:
        return self.app.context

    def on_scan(self, event: ScanEvent) -> None:
        self.show_error(_("Code {code} ignored: finish or cancel this window first.").format(code=event.code))

    def show_error(self, text: str) -> None:
        self.error_text = text
        self.app.beep()

    def act_runner(self, write: Callable[[object], object], done: Callable[[object], None], screen: KioskScreen,
                   seconds: float = 6) -> Callable[[object], None]:
        """``run(actor)`` for an act this popup asks for (``app.with_act``, an
        ``AuthorisePopup``): ``write(actor)`` is the service call; a refusal is said on
        this popup while it is in front, else (a PIN popup took its place) on
        ``screen``'s strip for ``seconds``; once written, the popup closes and
        ``done(result)`` tells the screen."""
        def run(actor) -> None:  # noqa: ANN001
            try:
                result = write(actor)
            except DomainError as exc:
                if self.app.modal is self:
                    self.show_error(str(exc))
                else:
                    screen.message(str(exc), "error", seconds)
                return
            if self.app.modal is self:
                self.dismiss(animation=False)
            done(result)

        return run
