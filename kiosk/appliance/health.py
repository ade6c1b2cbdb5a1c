"""What the box itself says about its health, for ``kiosk-admin status``: whether the
clock is synchronised (receipts, backups and fiscal documents carry its time), and
the Raspberry Pi's under-voltage and throttling flags (``vcgencmd get_throttled``):
a weak power supply is the usual cause of SD card corruption and random resets."""

from __future__ import annotations

import ctypes
import ctypes.util
import shutil
import subprocess

TIME_ERROR = 5  # adjtimex(2): "clock not synchronised" (STA_UNSYNC set)

# vcgencmd get_throttled bits: now (0-3) and since boot (16-19)
THROTTLE_BITS = {
    0: "under-voltage now",
    1: "ARM frequency capped now",
    2: "throttled now",
    3: "soft temperature limit now",
    16: "under-voltage has occurred",
    17: "ARM frequency capping has occurred",
    18: "throttling has occurred",
    19: "soft temperature limit has occurred",
}


def clock_synchronized() -> bool | None:
    """The kernel's own word (adjtimex with no change): True once NTP (or
    systemd-timesyncd) has set the clock, False while it is unsynchronised; None when
    it cannot be asked."""
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        buf = ctypes.create_string_buffer(512)  # struct timex, modes = 0: read only
        state = libc.adjtimex(buf)
    except (OSError, AttributeError):
        return None
    if state < 0:
        return None
    return state != TIME_ERROR


def parse_throttled(text: str) -> dict[str, object]:
    """``throttled=0x50005`` -> {"value": "0x50005", "flags": [...], "ok": False}."""
    value = text.strip().partition("=")[2] or text.strip()
    try:
        bits = int(value, 16)
    except ValueError:
        return {"value": value, "flags": [], "ok": None, "error": f"unreadable: {text.strip()!r}"}
    flags = [label for bit, label in sorted(THROTTLE_BITS.items()) if bits & (1 << bit)]
    return {"value": f"0x{bits:x}", "flags": flags, "ok": bits == 0}


def throttling(vcgencmd: str | None = None) -> dict[str, object] | None:
    """The Pi's throttling flags, or None where there is no ``vcgencmd`` (not a Pi)."""
    binary = vcgencmd or shutil.which("vcgencmd")
    if not binary:
        return None
    try:
        out = subprocess.run([binary, "get_throttled"], capture_output=True, text=True, timeout=10, check=False)
    except OSError as exc:
        return {"value": None, "flags": [], "ok": None, "error": str(exc)}
    if out.returncode != 0:
        return {"value": None, "flags": [], "ok": None, "error": (out.stderr or out.stdout).strip()}
    return parse_throttled(out.stdout)
