"""Command sets of 2x20 customer pole displays (VFD/LCD). Pure functions: a screen
(two lines of text) becomes the bytes the display understands.

Both command sets are written the same way: initialise once (``ESC @``, overwrite
mode, cursor off, clear), then for every screen move the cursor to the start of each
row and write exactly 20 characters, so every cell is rewritten without clearing
(no flicker) and nothing depends on where the cursor was.

``epson``  Epson ESC/POS customer display commands (DM-D110/D210 and the many
           displays that follow them):
             ESC @          1B 40        initialise
             US MD1         1F 01        overwrite mode
             US C n         1F 43 n      cursor off (n = 0)
             CLR            0C           clear
             US $ n m       1F 24 n m    cursor to column n (1-20), row m (1-2)
``cd5220`` the CD5220 command set (most unbranded VFD poles):
             ESC @          1B 40        initialise
             ESC DC1        1B 11        overwrite mode
             ESC _ n        1B 5F n      cursor off (n = 0)
             CLR            0C           clear
             ESC l x y      1B 6C x y    cursor to column x (1-20), row y (1-2)

Characters: both start in the PC437 table (USA), which has á é í ó ú ñ Ñ ü ¿ ¡ but not
the capital vowels with accents; anything else is written without its accent, and
what is left outside the table becomes "?".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

COLUMNS = 20
ROWS = 2
ENCODING = "cp437"


@dataclass(frozen=True)
class PoleProtocol:
    name: str
    title: str
    init: bytes
    # (column, row), both from 1 -> cursor move command
    move: bytes  # prefix; column and row bytes follow

    def goto(self, column: int, row: int) -> bytes:
        if not (1 <= column <= COLUMNS and 1 <= row <= ROWS):
            raise ValueError(f"no cell {column},{row} on a {COLUMNS}x{ROWS} display")
        return self.move + bytes([column, row])

    def screen(self, line1: str, line2: str = "") -> bytes:
        """The bytes that show exactly these two lines (each cut or padded to 20)."""
        return (self.goto(1, 1) + encode(line1).ljust(COLUMNS, b" ")
                + self.goto(1, 2) + encode(line2).ljust(COLUMNS, b" "))


EPSON = PoleProtocol("epson", "Epson ESC/POS display", init=b"\x1b@\x1f\x01\x1fC\x00\x0c", move=b"\x1f$")
CD5220 = PoleProtocol("cd5220", "CD5220", init=b"\x1b@\x1b\x11\x1b_\x00\x0c", move=b"\x1bl")
PROTOCOLS = {p.name: p for p in (EPSON, CD5220)}
NAMES = tuple(PROTOCOLS)


def get(name: str) -> PoleProtocol:
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise ValueError(f"unknown customer display protocol {name!r} (known: {', '.join(NAMES)})") from None


def _char(c: str) -> bytes:
    try:
        return c.encode(ENCODING)
    except UnicodeEncodeError:
        pass
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", c) if not unicodedata.combining(ch))
    try:
        return bare.encode(ENCODING) if bare else b"?"
    except UnicodeEncodeError:
        return b"?"


def encode(text: str) -> bytes:
    """Text -> display bytes, at most 20 (control characters become spaces)."""
    out = bytearray()
    for c in text:
        if len(out) >= COLUMNS:
            break
        out += b" " if ord(c) < 0x20 or c == "\x7f" else _char(c)[:1]
    return bytes(out[:COLUMNS])


def decode(data: bytes) -> str:
    return data.decode(ENCODING)
