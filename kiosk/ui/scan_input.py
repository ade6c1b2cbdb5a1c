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

from kiosk.core.scanning import ScanEvent
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


# Kivy key codes of modifier and lock keys. Kivy's SDL2 window hands these to
# on_key_down with ``chr(key)`` as the "codepoint" (Shift = 304 = "İ"): they are never
# characters.
MODIFIER_KEYS = frozenset(range(300, 320))


class KeyboardWedge:
    """Routes window key events: scanner bursts -> ``dispatcher.submit``; a person's
    typing -> ``on_typed`` / ``on_enter`` / ``on_backspace`` (the current screen).

    Characters are taken from the window's text events (SDL's text input), which carry
    what the keyboard layout and Shift made of a key ("_" for Shift and "-" on a US
    layout, "Ñ" on a Spanish one); key-down events only give Enter, Tab, Backspace and
    the timing. Should the window send no text events, the key-down codepoints are
    used (modifier keys excluded). See kiosk/ui/wedge.py for what counts as a scan."""

    def __init__(self, window, dispatcher: ScanDispatcher, *, on_typed: Callable[[str], object],  # noqa: ANN001
                 on_enter: Callable[[], None], on_backspace: Callable[[], None],
                 on_retract: Callable[[str], None] | None = None,
                 recognizes: Callable[[str], bool] | None = None, prefix: str = "", suffix: str = "",
                 max_gap_s: float | None = None, min_length: int | None = None,
                 could_be_code: Callable[[str], bool] | None = None):
        self.window = window
        self.dispatcher = dispatcher
        self.on_backspace = on_backspace
        self.prefix = prefix
        self.suffix = suffix
        kwargs = {}
        if max_gap_s is not None:
            kwargs["max_gap_s"] = max_gap_s
        if min_length is not None:
            kwargs["min_length"] = min_length
        self.detector = WedgeDetector(self._scanned, on_typed, on_enter, recognizes=recognizes,
                                      on_retract=on_retract, prefix=prefix, suffix=suffix,
                                      could_be_code=could_be_code, **kwargs)
        self._poll = Clock.schedule_interval(lambda dt: self.detector.poll(), 0.03)
        self._text_events = False  # the window sends text events (SDL text input)
        self._from_key = ""  # a character taken from a key-down, whose text event may follow
        # Bound after the window's own keyboard handlers, so these run first (Kivy
        # calls handlers newest first) and returning True stops the event there.
        window.bind(on_key_down=self._key_down, on_textinput=self._text_input)
        self.last_burst_at = 0.0

    def _scanned(self, raw: str) -> None:
        event = ScanEvent.read(raw, "wedge", prefix=self.prefix, suffix=self.suffix)
        self.last_burst_at = event.at
        if event.code:
            self.dispatcher.submit(event)

    def _key_down(self, _window, key: int, _scancode=None, codepoint=None, modifiers=None, **_kw) -> bool:  # noqa: ANN001
        modifiers = modifiers or []
        if "ctrl" in modifiers or "meta" in modifiers or ("alt" in modifiers and key not in ENTER_KEYS):
            return False
        if key in MODIFIER_KEYS:
            return False
        self._from_key = ""
        if key in ENTER_KEYS or key == TAB_KEY:
            self.detector.terminator()
            return True
        if key == BACKSPACE_KEY:
            self.detector.backspace()
            self.on_backspace()
            return True
        if codepoint and len(codepoint) == 1 and codepoint.isprintable():
            if not self._text_events:  # no text events seen (yet): the key-down is all there is
                upper = ("shift" in modifiers) != ("capslock" in modifiers)
                self._from_key = codepoint.upper() if upper and codepoint.isalpha() else codepoint
                self.detector.char(self._from_key)
            return True
        return False

    def _text_input(self, _window, text: str) -> bool:
        """The characters of a key press, as the layout and Shift made them. Swallowed:
        no focused widget receives it."""
        if not self._text_events:
            self._text_events = True
            if self._from_key:  # already taken from its key-down
                self._from_key = ""
                return True
        for ch in text:
            if ch.isprintable():
                self.detector.char(ch)
        return True

    def uninstall(self) -> None:
        self._poll.cancel()
        self.window.unbind(on_key_down=self._key_down, on_textinput=self._text_input)
