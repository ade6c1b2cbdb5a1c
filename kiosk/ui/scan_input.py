"""Scanner input for the UI. Every scanner adapter (keyboard wedge here; evdev,
serial and Magellan adapters elsewhere) hands a ``ScanEvent`` to
``ScanDispatcher.submit`` from any thread; the dispatcher delivers it on Kivy's main
thread, in order, to whatever handler the app routes it to (the current screen).

``KeyboardWedge`` connects Kivy's window keyboard events to the pure
``WedgeDetector``: while it is installed every physical keystroke goes through the
detector first, so a scanner burst never reaches a text field and its Enter never
presses a focused button."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from kivy.clock import Clock

from hardware.events import ScanEvent
from kiosk.ui.wedge import WedgeDetector

log = logging.getLogger(__name__)

ENTER_KEYS = (13, 271)  # Return, keypad Enter
TAB_KEY = 9
BACKSPACE_KEY = 8


class ScanDispatcher:
    """Thread-safe hand-over of scan events to the main thread."""

    def __init__(self, route: Callable[[ScanEvent], None]):
        self.route = route
        self._queue: queue.Queue[ScanEvent] = queue.Queue()
        self._trigger = Clock.create_trigger(self._drain, 0)

    def submit(self, event: ScanEvent) -> None:
        """Any thread. From the main thread (the keyboard wedge) the event is handled
        at once, after any queued ones; from other threads on the next frame."""
        self._queue.put(event)
        if threading.current_thread() is threading.main_thread():
            self._drain()
        else:
            self._trigger()

    def _drain(self, _dt: float = 0) -> None:
        while True:
            try:
                event = self._queue.get_nowait()
            except queue.Empty:
                return
            try:
                self.route(event)
            except Exception:  # one bad event must not stop the till
                log.exception("scan %r could not be handled", event.code)

    def cancel(self) -> None:
        self._trigger.cancel()


class KeyboardWedge:
    """Routes window key events: scanner bursts -> ``dispatcher.submit``; a person's
    typing -> ``on_typed`` / ``on_enter`` / ``on_backspace`` (the current screen)."""

    def __init__(self, window, dispatcher: ScanDispatcher, *, on_typed: Callable[[str], None],  # noqa: ANN001
                 on_enter: Callable[[], None], on_backspace: Callable[[], None],
                 max_gap_s: float | None = None, min_length: int | None = None):
        self.window = window
        self.dispatcher = dispatcher
        self.on_backspace = on_backspace
        kwargs = {}
        if max_gap_s is not None:
            kwargs["max_gap_s"] = max_gap_s
        if min_length is not None:
            kwargs["min_length"] = min_length
        self.detector = WedgeDetector(self._scanned, on_typed, on_enter, **kwargs)
        self._poll = Clock.schedule_interval(lambda dt: self.detector.poll(), 0.03)
        # Bound after the window's own keyboard handlers, so these run first (Kivy
        # calls handlers newest first) and returning True stops the event there.
        window.bind(on_key_down=self._key_down, on_textinput=self._text_input)
        self.last_burst_at = 0.0

    def _scanned(self, code: str) -> None:
        event = ScanEvent(code, "wedge")
        self.last_burst_at = event.at
        self.dispatcher.submit(event)

    def _key_down(self, _window, key: int, _scancode=None, codepoint=None, modifiers=None, **_kw) -> bool:  # noqa: ANN001
        modifiers = modifiers or []
        if "ctrl" in modifiers or "alt" in modifiers or "meta" in modifiers:
            return False
        if key in ENTER_KEYS or key == TAB_KEY:
            self.detector.terminator()
            return True
        if key == BACKSPACE_KEY:
            self.detector.poll(float("inf"))
            self.on_backspace()
            return True
        if codepoint and len(codepoint) == 1 and codepoint.isprintable():
            ch = codepoint.upper() if ("shift" in modifiers) != ("capslock" in modifiers) else codepoint
            self.detector.char(ch)
            return True
        return False

    def _text_input(self, _window, _text: str) -> bool:
        # Characters are taken from key-down events (above); the duplicate text
        # event is swallowed so no focused widget receives it.
        return True

    def uninstall(self) -> None:
        self._poll.cancel()
        self.window.unbind(on_key_down=self._key_down, on_textinput=self._text_input)
