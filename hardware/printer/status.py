"""ESC/POS real-time status (``DLE EOT n``): what the bytes mean and how to tell a
status byte from nonsense. Pure functions; the printer layer does the I/O.

Every status byte has bit 1 and bit 4 set and bits 0 and 7 clear (``b & 0x93 == 0x12``);
anything else is not an answer to DLE EOT (a printer without real-time status may
echo, print or answer garbage).

    n=1 printer:        bit 2 drawer connector pin 3 high, bit 3 offline
    n=2 offline cause:  bit 2 cover open, bit 5 stopped by paper end, bit 6 error
    n=3 error cause:    bit 3 autocutter, bit 5 unrecoverable, bit 6 auto-recoverable
    n=4 paper sensor:   bits 2+3 paper near end, bits 5+6 paper end
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.i18n import N_, translate

DLE_EOT = b"\x10\x04"
QUERIES = (1, 2, 3, 4)

# Problem codes (the print queue, the banner and the registry use them) and the
# short text the selling screen shows.
PROBLEM_TEXT = {
    "no_printer": N_("No printer configured"),
    "unreachable": N_("Printer not connected"),
    "offline": N_("Printer offline"),
    "paper_out": N_("Printer out of paper"),
    "cover_open": N_("Printer cover open"),
    "error": N_("Printer error"),
    "paper_low": N_("Printer paper running low"),
}


def problem_text(code: str, language: str | None = None) -> str:
    return translate(PROBLEM_TEXT.get(code, PROBLEM_TEXT["error"]), language)


def query(n: int) -> bytes:
    return DLE_EOT + bytes([n])


def is_status_byte(b: int) -> bool:
    return b & 0x93 == 0x12


class StatusGarbled(ValueError):
    """The printer answered something that is not an ESC/POS status byte."""

    def __init__(self, n: int, answer: bytes):
        self.n = n
        self.answer = answer
        shown = answer.hex(" ") if answer else "nothing"
        super().__init__(f"printer answered {shown} to DLE EOT {n}: not an ESC/POS status byte "
                         '(for a printer without real-time status set [printer] status_query = "off")')


@dataclass(frozen=True)
class PrinterStatus:
    online: bool = True
    cover_open: bool = False
    paper: str = "ok"  # ok | near_end | out
    error: str = ""  # "", autocutter, unrecoverable, auto-recoverable, error
    drawer_pin3: bool | None = None  # level of the drawer switch input
    raw: bytes = b""

    @property
    def problem(self) -> str | None:
        """Why the printer cannot print now (a PROBLEM_TEXT code), or None."""
        if self.paper == "out":
            return "paper_out"
        if self.cover_open:
            return "cover_open"
        if self.error:
            return "error"
        if not self.online:
            return "offline"
        return None

    @property
    def warning(self) -> str | None:
        return "paper_low" if self.paper == "near_end" and self.problem is None else None

    def drawer_open(self, open_level: str = "high") -> bool | None:
        if self.drawer_pin3 is None:
            return None
        return self.drawer_pin3 == (open_level == "high")

    def describe(self) -> str:
        parts = ["online" if self.online else "offline", f"paper {self.paper.replace('_', ' ')}"]
        if self.cover_open:
            parts.append("cover open")
        if self.error:
            parts.append(f"{self.error} error")
        if self.drawer_pin3 is not None:
            parts.append(f"drawer pin 3 {'high' if self.drawer_pin3 else 'low'}")
        return ", ".join(parts)


def parse_status(replies: dict[int, int]) -> PrinterStatus:
    """Replies to DLE EOT 1..4 (n -> byte) -> PrinterStatus. Raises StatusGarbled."""
    for n, b in replies.items():
        if not is_status_byte(b):
            raise StatusGarbled(n, bytes([b]))
    s1, s2, s3, s4 = (replies.get(n) for n in QUERIES)
    online = not (s1 is not None and s1 & 0x08)
    drawer = bool(s1 & 0x04) if s1 is not None else None
    cover = bool(s2 is not None and s2 & 0x04)
    paper = "ok"
    if (s4 is not None and s4 & 0x60) or (s2 is not None and s2 & 0x20):
        paper = "out"
    elif s4 is not None and s4 & 0x0C:
        paper = "near_end"
    error = ""
    if s3 is not None and s3 & 0x68:
        error = ("autocutter" if s3 & 0x08 else "unrecoverable" if s3 & 0x20 else "auto-recoverable")
    elif s2 is not None and s2 & 0x40:
        error = "error"
    raw = bytes(replies[n] for n in QUERIES if n in replies)
    return PrinterStatus(online, cover, paper, error, drawer, raw)


def status_bytes(*, online: bool = True, cover_open: bool = False, paper: str = "ok", error: str = "",
                 drawer_pin3: bool = False) -> dict[int, int]:
    """The bytes a printer in this state answers (used by the simulator)."""
    s1 = 0x12 | (0x04 if drawer_pin3 else 0)
    s2, s3, s4 = 0x12, 0x12, 0x12
    if cover_open:
        s2 |= 0x04
    if paper == "out":
        s2 |= 0x20
        s4 |= 0x60
    elif paper == "near_end":
        s4 |= 0x0C
    if error:
        s2 |= 0x40
        s3 |= {"autocutter": 0x08, "unrecoverable": 0x20}.get(error, 0x40)
    if not online or cover_open or paper == "out" or error:
        s1 |= 0x08
    return {1: s1, 2: s2, 3: s3, 4: s4}
