"""USB HID ("keyboard") barcode scanners read directly from evdev with an exclusive
grab, so their keystrokes never reach the UI (no text landing in a focused field, no
Enter pressing a button, no on-screen keyboard).

A scanner types with the keyboard layout it is programmed for; the key codes must be
turned back into characters with that same layout (``us``, ``es`` = Spain,
``latam`` = Latin America). Translation is a pure class fed ``(code, value)`` key
events, tested with recorded event sequences. Alt + keypad digits (the
layout-independent mode some scanners offer) is understood too.

The device is found by its ``/dev/input/by-id/...-event-kbd`` name or by USB
``vendor:product``; the service user needs the ``input`` group (see systemd/).
"""

from __future__ import annotations

import errno
import logging
import os
import re
import select
import time
from collections.abc import Callable, Iterable
from typing import Any

from hardware.events import ScanEvent, ScanHandler
from hardware.reader import DeviceReader
from hardware.registry import Registry
from kiosk.i18n import _

log = logging.getLogger(__name__)

EV_KEY = 1
# Linux input event codes (linux/input-event-codes.h); a test checks them against python-evdev.
KEY = {
    "ESC": 1, "1": 2, "2": 3, "3": 4, "4": 5, "5": 6, "6": 7, "7": 8, "8": 9, "9": 10, "0": 11,
    "MINUS": 12, "EQUAL": 13, "BACKSPACE": 14, "TAB": 15,
    "Q": 16, "W": 17, "E": 18, "R": 19, "T": 20, "Y": 21, "U": 22, "I": 23, "O": 24, "P": 25,
    "LEFTBRACE": 26, "RIGHTBRACE": 27, "ENTER": 28, "LEFTCTRL": 29,
    "A": 30, "S": 31, "D": 32, "F": 33, "G": 34, "H": 35, "J": 36, "K": 37, "L": 38,
    "SEMICOLON": 39, "APOSTROPHE": 40, "GRAVE": 41, "LEFTSHIFT": 42, "BACKSLASH": 43,
    "Z": 44, "X": 45, "C": 46, "V": 47, "B": 48, "N": 49, "M": 50,
    "COMMA": 51, "DOT": 52, "SLASH": 53, "RIGHTSHIFT": 54, "KPASTERISK": 55, "LEFTALT": 56, "SPACE": 57,
    "CAPSLOCK": 58, "KP7": 71, "KP8": 72, "KP9": 73, "KPMINUS": 74, "KP4": 75, "KP5": 76, "KP6": 77,
    "KPPLUS": 78, "KP1": 79, "KP2": 80, "KP3": 81, "KP0": 82, "KPDOT": 83, "102ND": 86,
    "KPENTER": 96, "RIGHTCTRL": 97, "KPSLASH": 98, "RIGHTALT": 100,
}
LETTERS = "QWERTYUIOPASDFGHJKLZXCVBNM"
KEYPAD = {"KP0": "0", "KP1": "1", "KP2": "2", "KP3": "3", "KP4": "4", "KP5": "5", "KP6": "6", "KP7": "7",
          "KP8": "8", "KP9": "9", "KPDOT": ".", "KPMINUS": "-", "KPPLUS": "+", "KPASTERISK": "*", "KPSLASH": "/"}

# key -> (plain, shift, altgr); None = nothing (a dead key: scanners do not use them).
_DIGITS = {str(d): (str(d), None, None) for d in range(10)}
_US = {
    **_DIGITS,
    "1": ("1", "!", None), "2": ("2", "@", None), "3": ("3", "#", None), "4": ("4", "$", None),
    "5": ("5", "%", None), "6": ("6", "^", None), "7": ("7", "&", None), "8": ("8", "*", None),
    "9": ("9", "(", None), "0": ("0", ")", None),
    "MINUS": ("-", "_", None), "EQUAL": ("=", "+", None), "LEFTBRACE": ("[", "{", None),
    "RIGHTBRACE": ("]", "}", None), "SEMICOLON": (";", ":", None), "APOSTROPHE": ("'", '"', None),
    "GRAVE": ("`", "~", None), "BACKSLASH": ("\\", "|", None), "COMMA": (",", "<", None),
    "DOT": (".", ">", None), "SLASH": ("/", "?", None), "102ND": ("\\", "|", None), "SPACE": (" ", " ", None),
}
_ES = {  # Spain (xkb "es")
    "1": ("1", "!", "|"), "2": ("2", '"', "@"), "3": ("3", "·", "#"), "4": ("4", "$", "~"),
    "5": ("5", "%", None), "6": ("6", "&", "¬"), "7": ("7", "/", None), "8": ("8", "(", None),
    "9": ("9", ")", None), "0": ("0", "=", None),
    "MINUS": ("'", "?", None), "EQUAL": ("¡", "¿", None), "LEFTBRACE": (None, None, "["),
    "RIGHTBRACE": ("+", "*", "]"), "SEMICOLON": ("ñ", "Ñ", None), "APOSTROPHE": (None, None, "{"),
    "GRAVE": ("º", "ª", "\\"), "BACKSLASH": ("ç", "Ç", "}"), "COMMA": (",", ";", None),
    "DOT": (".", ":", None), "SLASH": ("-", "_", None), "102ND": ("<", ">", None), "SPACE": (" ", " ", None),
    "E": ("e", "E", "€"),
}
_LATAM = {  # Latin America (xkb "latam")
    "1": ("1", "!", "|"), "2": ("2", '"', "@"), "3": ("3", "#", "·"), "4": ("4", "$", "~"),
    "5": ("5", "%", None), "6": ("6", "&", "¬"), "7": ("7", "/", None), "8": ("8", "(", None),
    "9": ("9", ")", None), "0": ("0", "=", None),
    "MINUS": ("'", "?", "\\"), "EQUAL": ("¿", "¡", None), "LEFTBRACE": (None, None, None),
    "RIGHTBRACE": ("+", "*", "~"), "SEMICOLON": ("ñ", "Ñ", None), "APOSTROPHE": ("{", "[", "^"),
    "GRAVE": ("|", "°", "¬"), "BACKSLASH": ("}", "]", "`"), "COMMA": (",", ";", None),
    "DOT": (".", ":", None), "SLASH": ("-", "_", None), "102ND": ("<", ">", None), "SPACE": (" ", " ", None),
    "Q": ("q", "Q", "@"),
}
LAYOUTS: dict[str, dict[str, tuple[str | None, str | None, str | None]]] = {}
for _name, _table in (("us", _US), ("es", _ES), ("latam", _LATAM)):
    full = {c: (c.lower(), c, None) for c in LETTERS}
    full.update(_table)
    LAYOUTS[_name] = full

_BY_CODE = {code: name for name, code in KEY.items()}
SHIFTS = {KEY["LEFTSHIFT"], KEY["RIGHTSHIFT"]}
ENDS = {KEY["ENTER"], KEY["KPENTER"], KEY["TAB"]}
ENTER = "\n"


class KeyDecoder:
    """Key events -> characters for one layout. ``feed`` returns the character a key
    press produces, ENTER for Enter/Tab, or None."""

    def __init__(self, layout: str = "us"):
        if layout not in LAYOUTS:
            raise ValueError(f"unknown keyboard layout {layout!r}; expected one of {sorted(LAYOUTS)}")
        self.table = LAYOUTS[layout]
        self.shift = self.altgr = self.alt = self.caps = False
        self.alt_digits = ""

    def feed(self, code: int, value: int) -> str | None:
        pressed = value in (1, 2)
        if code in SHIFTS:
            self.shift = pressed
            return None
        if code == KEY["RIGHTALT"]:
            self.altgr = pressed
            return None
        if code == KEY["LEFTALT"]:
            self.alt = pressed
            if not pressed and self.alt_digits:  # Alt + keypad code: the character on release
                digits, self.alt_digits = self.alt_digits, ""
                n = int(digits) % 256
                return bytes([n]).decode("cp1252" if digits.startswith("0") else "cp437", errors="replace")
            return None
        if not pressed:
            return None
        if code == KEY["CAPSLOCK"]:
            self.caps = not self.caps
            return None
        if code in ENDS:
            return ENTER
        name = _BY_CODE.get(code)
        if name is None:
            return None
        if name in KEYPAD:
            if self.alt and KEYPAD[name].isdigit():
                self.alt_digits += KEYPAD[name]
                return None
            return KEYPAD[name]
        entry = self.table.get(name)
        if entry is None:
            return None
        plain, shifted, altgr = entry
        if self.altgr:
            return altgr
        upper = self.shift ^ (self.caps and name in LETTERS)
        return shifted if upper else plain


def decode_events(events: Iterable[tuple[int, int, int]], layout: str = "us") -> list[str]:
    """Recorded ``(type, code, value)`` events -> the codes they type (each ended by
    Enter/Tab); text after the last Enter is left out."""
    decoder = KeyDecoder(layout)
    codes, current = [], []
    for etype, code, value in events:
        if etype != EV_KEY:
            continue
        ch = decoder.feed(code, value)
        if ch == ENTER:
            if current:
                codes.append("".join(current))
            current = []
        elif ch is not None:
            current.append(ch)
    return codes


def parse_recording(text: str) -> list[tuple[int, int, int]]:
    """Events in the text form ``evtest`` prints (``type 1 (EV_KEY), code 2 (KEY_1), value 1``)
    or as ``EV_KEY KEY_1 1`` lines; other lines are skipped."""
    events = []
    verbose = re.compile(r"type (\d+) \(\w+\), code (\d+) \(\w+\), value (-?\w+)")
    for line in text.splitlines():
        m = verbose.search(line)
        if m:
            if int(m[1]) == EV_KEY:  # MSC_SCAN values are hexadecimal usages: not needed
                events.append((EV_KEY, int(m[2]), int(m[3])))
            continue
        parts = line.split()
        if len(parts) == 3 and parts[0] == "EV_KEY" and parts[1].startswith("KEY_"):
            events.append((EV_KEY, KEY[parts[1][4:]], int(parts[2])))
    return events


# --- the device ------------------------------------------------------------------------------

class ScannerNotFound(OSError):
    pass


class ScannerUnavailable(OSError):
    """Found but not ours: another program holds it, or it cannot be grabbed."""


_USB_ID = re.compile(r"^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$")


def find_device(match: str) -> str:
    """The event device path for a by-id name / path or a ``vendor:product`` id."""
    m = _USB_ID.match(match)
    if not m:
        if os.path.exists(match):
            return os.path.realpath(match)
        raise ScannerNotFound(errno.ENOENT, f"{match} not found (scanner unplugged?)")
    import evdev

    vendor, product = int(m[1], 16), int(m[2], 16)
    for path in evdev.list_devices():
        try:
            dev = evdev.InputDevice(path)
        except OSError:
            continue
        try:
            keys = dev.capabilities().get(EV_KEY, [])
            if dev.info.vendor == vendor and dev.info.product == product and KEY["ENTER"] in keys:
                return path
        finally:
            dev.close()
    raise ScannerNotFound(errno.ENOENT, f"no input device {match} with keys (scanner unplugged, or the kiosk "
                                        "user is not in the 'input' group?)")


def _open_evdev(path: str) -> Any:
    import evdev

    return evdev.InputDevice(path)


class EvdevScanner(DeviceReader):
    """One HID scanner: finds it, grabs it, translates its keys, reconnects after
    unplug/replug. ``opener(path)`` returns an object with ``fd``, ``read()`` (key
    events with ``type``, ``code``, ``value``), ``grab()``, ``ungrab()``, ``close()``:
    python-evdev's ``InputDevice`` by default."""

    kind = "scanner"

    def __init__(self, name: str, device: str, on_scan: ScanHandler, registry: Registry, *, layout: str = "us",
                 max_length: int = 64, frame_timeout_ms: int = 500, reconnect_s: float = 2.0,
                 on_error: Callable[[str, str], None] | None = None,
                 opener: Callable[[str], Any] = _open_evdev, finder: Callable[[str], str] = find_device,
                 prefix: str = "", suffix_text: str = ""):
        super().__init__(thread_name=f"scanner-{name}", reconnect_s=reconnect_s)
        self.name = name
        self.prefix = prefix
        self.suffix_text = suffix_text
        self.device = device
        self.layout = layout
        self.on_scan = on_scan
        self.on_error = on_error
        self.registry = registry
        self.max_length = max_length
        self.frame_timeout_s = frame_timeout_ms / 1000
        self.opener = opener
        self.finder = finder
        self._wake_r, self._wake_w = os.pipe()
        self._path = ""
        KeyDecoder(layout)  # validates the layout now
        registry.add(name, "scanner", info={"type": "evdev", "device": device, "layout": layout})

    def _reject(self, message: str) -> None:
        log.warning("scanner %s: %s", self.name, message)
        self.registry.update(self.name, last_event=_("rejected: {reason}").format(reason=message), info={"last_rejected": message})
        if self.on_error is not None:
            self.on_error(self.name, message)

    # --- DeviceReader steps ---------------------------------------------------------------
    def open_device(self) -> Any:
        path = self._path = self.finder(self.device)
        dev = self.opener(path)
        try:
            dev.grab()
        except OSError as exc:
            dev.close()
            busy = exc.errno == errno.EBUSY
            raise ScannerUnavailable(f"{path}: another program holds the scanner" if busy
                                     else f"{path}: cannot grab ({exc})") from exc
        return dev

    def read_device(self, dev: Any) -> None:
        self._read(dev)

    def close_device(self, dev: Any) -> None:
        for step in (dev.ungrab, dev.close):
            try:
                step()
            except OSError:
                pass

    def interrupt(self) -> None:
        os.write(self._wake_w, b"x")

    def report_open_failed(self, exc: Exception) -> None:
        text = str(exc) if isinstance(exc, ScannerUnavailable) else str(getattr(exc, "strerror", None) or exc)
        self.registry.update(self.name, connected=False, last_error=text)

    def report_connected(self, dev: Any) -> None:
        self.registry.update(self.name, connected=True, last_error="", last_event=_("connected"),
                             info={"path": self._path})

    def report_lost(self, exc: Exception) -> None:
        log.warning("scanner %s lost: %s", self.name, exc)
        self.registry.update(self.name, connected=False, last_error=f"{self._path}: disconnected ({exc})")

    def _read(self, dev: Any) -> None:
        decoder = KeyDecoder(self.layout)
        chars: list[str] = []
        skipping = False  # the rest of a refused over-long code, up to its Enter
        last = 0.0
        while not self._stop.is_set():
            ready = select.select([dev.fd, self._wake_r], [], [], self.frame_timeout_s)[0]
            now = time.monotonic()
            if self._wake_r in ready:
                os.read(self._wake_r, 64)
            if chars and now - last >= self.frame_timeout_s:
                self._reject(_("incomplete code discarded (no Enter after {ms} ms): {data}").format(
                    ms=f"{self.frame_timeout_s * 1000:.0f}", data=repr(''.join(chars)[:40])))
                chars = []
            if dev.fd not in ready:
                continue
            for event in dev.read():
                if event.type != EV_KEY:
                    continue
                ch = decoder.feed(event.code, event.value)
                if ch is None:
                    continue
                last = now
                if ch == ENTER:
                    code, chars = "".join(chars), []
                    if code and not skipping:
                        self._emit(code)
                    skipping = False
                    continue
                if skipping:
                    continue
                chars.append(ch)
                if len(chars) > self.max_length:
                    self._reject(_("code longer than {n} characters refused").format(n=self.max_length))
                    chars, skipping = [], True

    def _emit(self, code: str) -> None:
        if not code.isprintable() or not code.strip():
            self._reject(_("unreadable data from the scanner: {data}").format(data=repr(code[:40])))
            return
        event = ScanEvent.read(code.strip(), "evdev", prefix=self.prefix, suffix=self.suffix_text)
        if event.code:
            self.on_scan(event)
